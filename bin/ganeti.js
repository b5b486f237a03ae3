#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): Node loads an ES module entry through its thread
// pool, which fixes the pool's size before the first line runs; a CommonJS entry is read
// synchronously, so the size set here still applies. The daemons fsync job files in parallel
// and would be serialised by libuv's default of 4 threads. Every alias starts through here.
process.env.UV_THREADPOOL_SIZE ??= '32';
const {join} = require('node:path');
const {pathToFileURL} = require('node:url');

/** Runs the CLI; a topic makes this `gnt-<topic>` (see src/cli/main.ts). */
exports.start = (topic) =>
  import('../dist/cli/main.js').then(({main}) => main(pathToFileURL(join(__dirname, '..', 'package.json')).href, topic));

if (require.main === module) exports.start();
