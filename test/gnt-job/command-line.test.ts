// The command line of gnt-job as the stock tool reads it, against the real daemon: unknown
// options (a negative number before the arguments) are usage errors, long options may be
// abbreviated, the tool without a command or with an unknown one lists the commands, and a
// standard output that is closed early or full ends the command quietly.
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {closeSync, openSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {makeNode, REPO, startDaemon, type Daemon, type TestNode} from '../helpers/cluster.js';
import {gntJob, mapLimit, writeFixtureQueue, type CliResult} from './fixture.js';

const FIXTURE_IDS = '  1\n  2\n  3\n 12\n123\n';

/** Runs bin/<name> (as typed at a shell, without `node` in front) with stdout going to `stdout`. */
function runBin(node: TestNode, name: string, args: string[], stdout: 'pipe' | number = 'pipe'): Promise<CliResult> {
  return new Promise((resolve) => {
    const proc = spawn(join(REPO, 'bin', name), args, {env: {...node.env, TZ: 'UTC'}, stdio: ['ignore', stdout, 'pipe']});
    let out = '';
    let err = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('close', (code) => resolve({code, stdout: out, stderr: err}));
  });
}

describe('gnt-job command line', () => {
  let node: TestNode;
  let daemon: Daemon;

  before(async () => {
    node = await makeNode();
    writeFixtureQueue(node);
    daemon = await startDaemon(node);
  });
  after(async () => {
    await daemon?.stop();
    node?.cleanup();
  });

  it('refuses a negative number before the arguments as an unknown option (exit 2) and archives nothing', async () => {
    const cases = [
      ['autoarchive', '-1'],
      ['info', '-5'],
      ['list', '-5'],
      ['archive', '-5'],
      ['cancel', '-5'],
    ];
    const results = await mapLimit(cases, 3, (args) => gntJob(node, args));
    assert.deepEqual(results[0], {
      code: 2,
      stdout: '',
      stderr: 'Usage\n=====\n  gnt-job autoarchive <age>\n\ngnt-job: error: no such option: -1\n',
    });
    for (const [i, r] of results.entries()) {
      assert.equal(r.code, 2, `${cases[i]!.join(' ')}`);
      assert.match(r.stderr, /\ngnt-job: error: no such option: -[15]\n$/);
    }
    assert.equal(results[3]!.stderr, 'Usage\n=====\n  gnt-job archive <job-id> [<job-id>...]\n\ngnt-job: error: no such option: -5\n');
    const list = await gntJob(node, ['list', '--no-headers', '-o', 'id']);
    assert.equal(list.stdout, FIXTURE_IDS, 'every finished job is still in the queue');
  });

  it('takes unique prefixes of long options, and -d', async () => {
    const [noHead, prio, yes, ambiguous, debug] = await Promise.all([
      gntJob(node, ['list', '--no-head', '-o', 'id']),
      gntJob(node, ['change-priority', '--prio', 'low', '9999']),
      gntJob(node, ['cancel', '--yes', '9999']),
      gntJob(node, ['list', '--s', ':']),
      gntJob(node, ['list', '-d', '-o', 'id', '--no-headers', '1']),
    ]);
    assert.deepEqual(noHead, {code: 0, stdout: FIXTURE_IDS, stderr: ''});
    assert.deepEqual(prio, {code: 1, stdout: 'Job 9999 not found in queue\n', stderr: ''});
    assert.deepEqual(yes, {code: 1, stdout: 'Job 9999 not found in queue\n', stderr: ''});
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /gnt-job: error: ambiguous option: --s \(--separator, --socket\?\)\n$/);
    assert.deepEqual(debug, {code: 0, stdout: '1\n', stderr: ''});
  });

  it('prints the version, and the command list with exit 1 without a command or with an unknown one', async () => {
    const [version, none, unknown, debugFirst, help] = await Promise.all([
      runBin(node, 'gnt-job', ['--version']),
      runBin(node, 'gnt-job', []),
      runBin(node, 'gnt-job', ['foo']),
      runBin(node, 'gnt-job', ['-d', 'list']),
      runBin(node, 'gnt-job', ['--help']),
    ]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^gnt-job \(ganeti-ts \d+\.\d+\.\d+\) 3\.0\.2\n$/);
    for (const r of [none, unknown, debugFirst]) {
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /^Usage: gnt-job \{command\} \[options\.\.\.\] \[argument\.\.\.\]\ngnt-job <command> --help to see details, or man gnt-job\n\nCommands:\n archive +- Archive specified jobs\n/,
      );
      assert.ok(!r.stdout.includes(' show '), 'aliases are not listed');
      assert.equal(r.stderr, '');
    }
    assert.deepEqual(help, {...none, code: 0});
  });

  it('ends with status 1 and no stack trace when the reader goes away or stdout is full', async () => {
    // Rows far larger than a pipe buffer: head has left long before the last one is written.
    const wide = ['list', '-o', 'id,status,id', `--separator=${'x'.repeat(100_000)}`];
    const status = spawnSync(
      'bash',
      ['-c', `"${join(REPO, 'bin', 'gnt-job')}" "$@" | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}`, 'bash', ...wide],
      {
        env: node.env,
        encoding: 'utf8',
      },
    );
    assert.equal(status.status, 1);
    assert.equal(status.stderr, '');

    const fd = openSync('/dev/full', 'w');
    const full = await runBin(node, 'gnt-job', ['list'], fd);
    closeSync(fd);
    assert.equal(full.code, 1);
    assert.match(full.stderr, /^Cannot write to standard output: ENOSPC[^\n]*\n$/);
  });

  it('submit reads standard input from a pipe that the writer fills over time', () => {
    // A job text far larger than a pipe buffer, written by another process as the reader drains it.
    const writer = `import json; print(json.dumps([{"OP_ID": "OP_TEST_DELAY", "duration": 0, "comment": "x" * 1000000}]))`;
    const res = spawnSync('sh', ['-c', `python3 -c '${writer}' | "${join(REPO, 'bin', 'gnt-job')}" submit`], {
      env: node.env,
      encoding: 'utf8',
    });
    assert.equal(res.stderr, '');
    assert.equal(res.status, 0);
    assert.match(res.stdout, /^\d+\n$/);
  });

  it('runs as bin/ganeti, bin/gnt-job and the other names without the .js suffix', async () => {
    const [ganeti, job, cluster, node_, debug] = await Promise.all([
      runBin(node, 'ganeti', ['job', 'list', '--no-headers', '-o', 'id', '1']),
      runBin(node, 'gnt-job', ['list', '--no-headers', '-o', 'id', '1']),
      runBin(node, 'gnt-cluster', ['getmaster']),
      runBin(node, 'gnt-node', ['list', '--no-headers', '-o', 'name']),
      runBin(node, 'gnt-debug', ['locks', '--no-headers', '-o', 'name']),
    ]);
    assert.deepEqual(ganeti, {code: 0, stdout: '1\n', stderr: ''});
    assert.deepEqual(job, {code: 0, stdout: '1\n', stderr: ''});
    assert.deepEqual(cluster, {code: 0, stdout: 'node1\n', stderr: ''});
    assert.deepEqual(node_, {code: 0, stdout: 'node1\n', stderr: ''});
    assert.equal(debug.code, 0);
    assert.match(debug.stdout, /^cluster\/BGL\n/);
    for (const name of ['ganeti-masterd', 'ganeti-noded']) {
      const r = await runBin(node, name, ['--help']);
      assert.equal(r.code, 0, name);
      assert.match(r.stdout, /USAGE/);
    }
  });
});
