#!/usr/bin/env node
// `gnt-job X` is `ganeti job X` (see src/cli/main.ts).

// Job files are fsynced in parallel; libuv's default of 4 threads would serialise them.
process.env.UV_THREADPOOL_SIZE ??= '32';
const {main} = await import('../dist/cli/main.js');
await main(import.meta.url, 'job');
