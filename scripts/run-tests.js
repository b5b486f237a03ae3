#!/usr/bin/env node
// node:test on Node 20 expands no globs: list test files here and hand them to the runner.
//
//   node scripts/run-tests.js               the quick suite (`npm test`): everything but the E2E list
//   node scripts/run-tests.js --e2e         the suites that start daemons and clusters (`npm run test:e2e`)
//   node scripts/run-tests.js --all         both
//   node scripts/run-tests.js FILTER...     any test file whose path contains a filter
//   --list                                  print the files instead of running them
//   --checks                                also the static checks (types, Biome, layers), beside the tests
//
// docs/testing.md says which suite a new test file belongs to.
import {spawn} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {join} from 'node:path';

// Process-spawning suites: each starts masterd, noded, virtual clusters, the stock Python
// tools or a terminal, and together they take minutes. A path matches if it starts with an entry.
const E2E = [
  'test/cluster/membership.test.ts',
  'test/cluster/noded.test.ts',
  'test/cluster/queue-replicator.test.ts',
  'test/cluster/replication.test.ts',
  'test/cluster/voting.test.ts',
  'test/daemon/no-voting.test.ts',
  'test/daemon/restart.test.ts',
  'test/daemon/signals.test.ts',
  'test/daemon/stderr-unread.test.ts',
  'test/daemon/thread-pool.test.ts',
  'test/gnt-job/',
  'test/interop/admin-commands.test.ts',
  'test/interop/gnt-instance-options.test.ts',
  'test/interop/gnt-instance-ours.test.ts',
  'test/interop/gnt-instance.test.ts',
  'test/interop/gnt-job.test.ts',
  'test/interop/stock-noded.test.ts',
  'test/interop/stock-tools.test.ts',
  'test/reliability/',
  'test/ui/job-monitor.test.ts',
  'test/ui/top-e2e.test.ts',
];

// The slowest files start first, so that no long file starts last while the other cores idle
// (the runner takes files in the order given). Measured on the 2-core machine; order only.
const SLOW_FIRST = [
  'test/interop/admin-commands.test.ts',
  'test/interop/gnt-job.test.ts',
  'test/interop/gnt-instance-ours.test.ts',
  'test/interop/gnt-instance.test.ts',
  'test/gnt-job/actions.test.ts',
  'test/gnt-job/list.test.ts',
  'test/reliability/crash.test.ts',
  'test/cluster/replication.test.ts',
  'test/ui/app.test.tsx',
  'test/daemon/scheduling.test.ts',
  'test/interop/luxi-client.test.ts',
  'test/daemon/unfinishable-jobs.test.ts',
  'test/daemon/housekeeping.test.ts',
];
const rank = (f) => {
  const i = SLOW_FIRST.indexOf(f);
  return i === -1 ? SLOW_FIRST.length : i;
};

const args = process.argv.slice(2);
const mode = args.includes('--all') ? 'all' : args.includes('--e2e') ? 'e2e' : 'quick';
const filters = args.filter((a) => !a.startsWith('--'));
const isE2e = (f) => E2E.some((p) => f.startsWith(p));
const files = readdirSync('test', {recursive: true})
  .map((f) => join('test', String(f)))
  .filter((f) => /\.test\.tsx?$/.test(f))
  .filter((f) => {
    if (filters.length > 0) return filters.some((p) => f.includes(p));
    if (mode === 'all') return true;
    return mode === 'e2e' ? isE2e(f) : !isE2e(f);
  })
  .sort()
  .sort((a, b) => rank(a) - rank(b));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
if (args.includes('--list')) {
  console.log(files.join('\n'));
  process.exit(0);
}
// One test file per core: the suites spawn daemons and CLIs, so more files than cores only adds
// contention without finishing sooner.
const concurrency = process.env.TEST_CONCURRENCY ?? String(availableParallelism());

// The static checks run beside the tests, not before them: each keeps one core busy for a few
// seconds, while the tests leave cores idle whenever they wait for a daemon or a disk. Their
// output comes after the tests' summary; any failure fails the run.
const CHECKS = [
  {name: 'types (tsc -p tsconfig.test.json)', cmd: join('node_modules', '.bin', 'tsc'), args: ['-p', 'tsconfig.test.json']},
  {name: 'format and lint (biome check)', cmd: join('node_modules', '.bin', 'biome'), args: ['check']},
  {name: 'layers (scripts/check-layers.js)', cmd: process.execPath, args: ['scripts/check-layers.js']},
];
function run(cmd, cmdArgs, capture) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, {stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit'});
    let output = '';
    if (capture) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('error', (err) => resolve({code: 1, output: `${output}${err.message}\n`}));
    child.on('close', (code) => resolve({code: code ?? 1, output}));
  });
}
const checks = args.includes('--checks') ? CHECKS.map((c) => run(c.cmd, c.args, true).then((r) => ({...c, ...r}))) : [];
const tests = await run(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...files],
  false,
);
let failed = tests.code !== 0;
for (const c of await Promise.all(checks)) {
  if (c.code !== 0) {
    failed = true;
    console.log(`# check failed: ${c.name}\n${c.output.trimEnd()}`);
  } else {
    console.log(`# check passed: ${c.name}`);
  }
}
process.exit(failed ? 1 : 0);
