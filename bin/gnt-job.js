#!/usr/bin/env node
// `gnt-job X` is `ganeti job X`. oclif re-reads process.argv on its error path, so the
// topic is spliced into argv instead of being passed as args.

process.argv.splice(2, 0, 'job');
// Job files are fsynced in parallel; libuv's default of 4 threads would serialise them.
process.env.UV_THREADPOOL_SIZE ??= '32';
const {execute} = await import('@oclif/core');
await execute({dir: import.meta.url});
