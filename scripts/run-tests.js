#!/usr/bin/env node
// node:test on Node 20 expands no globs: list test files here and hand them to the runner.
// Usage: node scripts/run-tests.js [subdir-or-file-filter...]
import {readdirSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {availableParallelism} from 'node:os';
import {join} from 'node:path';

const filters = process.argv.slice(2);
const files = readdirSync('test', {recursive: true})
  .map((f) => join('test', String(f)))
  .filter((f) => /\.test\.tsx?$/.test(f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// One test file per core: the suites spawn daemons and CLIs, so more files than cores only adds
// contention (and wall-clock timeouts) without finishing sooner.
const concurrency = process.env.TEST_CONCURRENCY ?? String(availableParallelism());
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...files],
  {stdio: 'inherit'},
);
process.exit(res.status ?? 1);
