#!/usr/bin/env node
// `ganeti-masterd [-f] [-d] ...` is `ganeti masterd ...`.

process.argv.splice(2, 0, 'masterd');
// Job files are fsynced in parallel; libuv's default of 4 threads would serialise them.
process.env.UV_THREADPOOL_SIZE ??= '32';
const {execute} = await import('@oclif/core');
await execute({dir: import.meta.url});
