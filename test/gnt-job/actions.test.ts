// gnt-job commands that act on jobs or follow them (submit, watch, wait, cancel, change-priority,
// archive, autoarchive) and the error paths, against the real daemon process.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, afterEach, before, describe, it} from 'node:test';
import {delayOp, makeNode, settleQueue, startDaemon, waitJob, type Daemon, type TestNode} from '../helpers/cluster.js';
import type {LuxiClient} from '../../src/protocol/client.js';
import {blockers, blockQueue, GNT_JOB, gntJob, writeFixtureQueue, type CliResult} from './fixture.js';

/** Runs gnt-job in a pseudo-terminal; once `prompt` appears, types `answer`. */
function gntJobInPty(node: TestNode, args: string[], prompt: string, answer: string): Promise<CliResult & {answered: boolean}> {
  const driver = `
import os, pty, select, sys, time, json
prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, answered, deadline = b'', False, time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not answered and prompt in out:
        time.sleep(0.1)
        os.write(fd, answer)
        answered = True
_, status = os.waitpid(pid, 0)
print(json.dumps({"out": out.decode(errors="replace"), "code": os.waitstatus_to_exitcode(status), "answered": answered}))
`;
  return new Promise((resolve, reject) => {
    const proc = spawn('python3', ['-c', driver, prompt, answer, process.execPath, GNT_JOB, ...args], {
      env: {...node.env, TZ: 'UTC'},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('close', () => {
      try {
        const r = JSON.parse(out) as {out: string; code: number; answered: boolean};
        resolve({code: r.code, stdout: r.out.replaceAll('\r\n', '\n'), stderr: '', answered: r.answered});
      } catch {
        reject(new Error(`pty driver failed: ${out} ${err}`));
      }
    });
  });
}

/** The job table cancel/change-priority print before asking. */
function jobTable(jobs: number[], status: string, summary: string): string {
  const width = Math.max(2, ...jobs.map((j) => String(j).length));
  const statusWidth = Math.max(6, status.length);
  const row = (id: string, st: string, sum: string): string => `${id.padStart(width)} ${st.padEnd(statusWidth)} ${sum}`;
  return [row('ID', 'Status', 'Summary'), ...jobs.map((j) => row(String(j), status, summary))].join('\n') + '\n';
}

async function statuses(c: LuxiClient, ids: number[]): Promise<unknown[]> {
  return (await c.queryJobs(ids, ['status'])).map((r) => r[0]);
}

describe('gnt-job actions against the real daemon', () => {
  let node: TestNode;
  let daemon: Daemon;
  let c: LuxiClient;

  before(async () => {
    node = await makeNode();
    writeFixtureQueue(node);
    // The fixture jobs ended long ago: automatic archiving would take them away.
    daemon = await startDaemon(node, ['--auto-archive-age', '0']);
    c = daemon.client();
  });
  // Kill what blocks the queue, then let the jobs that waited for it run out.
  afterEach(() => settleQueue(c, blockers));
  after(async () => {
    await daemon.stop();
    node.cleanup();
  });

  it('submit: one job from stdin, many from a file; wait tells success by its exit status', async () => {
    const one = await gntJob(node, ['submit'], {input: JSON.stringify([delayOp(0)])});
    assert.equal(one.stderr, '');
    assert.equal(one.code, 0);
    assert.match(one.stdout, /^\d+\n$/);
    const id = Number(one.stdout);
    assert.ok(id > 123, 'IDs continue after the fixture serial');

    const file = join(node.base, 'jobs.json');
    writeFileSync(file, JSON.stringify([[delayOp(0)], [delayOp(0), delayOp(0)], [{...delayOp(0), depends: [[-1, ['success']]]}]]));
    const many = await gntJob(node, ['submit', file]);
    assert.equal(many.code, 0, many.stderr);
    assert.equal(many.stdout, `${id + 1}\n${id + 2}\n${id + 3}\n`);

    const waits = await Promise.all([id, id + 1, id + 2, id + 3].map((j) => gntJob(node, ['wait', String(j)])));
    for (const w of waits) assert.deepEqual([w.code, w.stdout, w.stderr], [0, '', '']);
  });

  it('submit: reports what cannot be submitted', async () => {
    const [notJson, shape, refused, noFile] = await Promise.all([
      gntJob(node, ['submit'], {input: '[{"OP_ID": '}),
      gntJob(node, ['submit'], {input: '{"OP_ID": "OP_TEST_DELAY"}'}),
      gntJob(node, ['submit'], {input: JSON.stringify([[delayOp(0)], [{OP_ID: 'OP_NO_SUCH_THING'}]])}),
      gntJob(node, ['submit', join(node.base, 'missing.json')]),
    ]);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /^Cannot parse standard input as JSON: /);
    assert.equal(shape.code, 1);
    assert.match(shape.stderr, /^Invalid job description in standard input: expected a list of opcodes/);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '', 'an invalid opcode refuses every job of the list');
    assert.match(refused.stderr, /^Job 1 of the submission: .*OP_NO_SUCH_THING.*; no job of standard input was submitted\n$/);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /^Cannot read .*missing\.json: /);
  });

  it('watch streams the log messages as they are written and ends with the job', async () => {
    // The job waits behind a blocker until watch is running, so that its messages are written
    // while watch follows it, whatever the start-up time of the CLI.
    const {blocker, jobs} = await blockQueue(c, 0);
    const id = await c.submitJob([delayOp(0.5, {repeat: 3, no_locks: false})]);
    const lines: Array<{at: number; line: string}> = [];
    const started = Date.now();
    let released = false;
    let statusAtFirstMessage: Promise<unknown> | null = null;
    const {code, stderr} = await new Promise<{code: number | null; stderr: string}>((resolve) => {
      const proc = spawn(process.execPath, [GNT_JOB, 'watch', String(id)], {env: {...node.env, TZ: 'UTC'}});
      let buf = '';
      let err = '';
      proc.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          lines.push({at: Date.now() - started, line: buf.slice(0, nl)});
          buf = buf.slice(nl + 1);
          if (lines.length === 3) statusAtFirstMessage = c.queryJobs([id], ['status']);
        }
        if (!released && lines.length >= 2) {
          released = true;
          setTimeout(() => void c.cancelJob(blocker, true), 300);
        }
      });
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      proc.on('close', (exitCode) => resolve({code: exitCode, stderr: err}));
    });
    assert.deepEqual(jobs, []);
    assert.equal(code, 0);
    assert.equal(stderr, '');
    const header = `Output from job ${id} follows`;
    assert.deepEqual(
      lines.slice(0, 2).map((l) => l.line),
      [header, '-'.repeat(header.length)],
    );
    const logs = lines.slice(2);
    assert.equal(logs.length, 3);
    logs.forEach((l, i) => {
      assert.match(l.line, new RegExp(`^\\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}  - INFO: Test delay iteration ${i}/2$`));
    });
    // Streamed, not printed at the end: the job was still running when its first message was shown.
    assert.deepEqual(await statusAtFirstMessage, [['running']], `message times: ${logs.map((l) => l.at).join(', ')} ms`);
  });

  it('watch and wait report a failed, a canceled and an unknown job with exit status 1', async () => {
    const failed = await c.submitJob([delayOp(0.1), delayOp(-1)]);
    await waitJob(c, failed);
    const [watchFailed, waitFailed, waitCanceled, watchUnknown, waitUnknown, noArg, twoArgs] = await Promise.all([
      gntJob(node, ['watch', String(failed)]),
      gntJob(node, ['wait', String(failed)]),
      gntJob(node, ['wait', '3']),
      gntJob(node, ['watch', '9999']),
      gntJob(node, ['wait', '9999']),
      gntJob(node, ['wait']),
      gntJob(node, ['watch', '1', '2']),
    ]);
    const failure = `Job ${failed} failed: Failure: prerequisites not met for this operation:\nDuration must be greater than zero\n`;
    assert.equal(watchFailed.code, 1);
    assert.match(watchFailed.stdout, new RegExp(`^Output from job ${failed} follows\\n-+\\n$`));
    assert.equal(watchFailed.stderr, failure);
    assert.deepEqual([waitFailed.code, waitFailed.stdout, waitFailed.stderr], [1, '', failure]);
    assert.deepEqual([waitCanceled.code, waitCanceled.stderr], [1, 'Job 3 failed: Unhandled Ganeti error: Job was canceled\n']);
    assert.equal(watchUnknown.code, 1);
    assert.equal(watchUnknown.stdout, 'Output from job 9999 follows\n----------------------------\n');
    assert.equal(watchUnknown.stderr, "Job 9999 failed: Error checking job status: Can't load job file\n");
    assert.deepEqual([waitUnknown.code, waitUnknown.stderr], [1, "Job 9999 failed: Error checking job status: Can't load job file\n"]);
    assert.deepEqual([noArg.code, noArg.stderr], [1, 'Error: Command wait expects 1 argument(s)\n']);
    assert.deepEqual([twoArgs.code, twoArgs.stderr], [1, 'Error: Command watch expects 1 argument(s)\n']);
  });

  it('cancel by ID asks nothing; unknown IDs and wrong selections fail', async () => {
    const {blocker, jobs} = await blockQueue(c, 1);
    const [byId, unknown, neither, both, kill] = await Promise.all([
      gntJob(node, ['cancel', String(jobs[0])]),
      gntJob(node, ['cancel', '9999']),
      gntJob(node, ['cancel']),
      gntJob(node, ['cancel', '--pending', '1']),
      gntJob(node, ['cancel', '--kill', String(blocker)]),
    ]);
    assert.deepEqual([byId.code, byId.stdout, byId.stderr], [0, 'Job successfully cancelled\n', '']);
    assert.deepEqual(await statuses(c, jobs), ['canceled']);
    assert.deepEqual([unknown.code, unknown.stdout], [1, 'Job 9999 not found in queue\n']);
    const prereq = 'Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\n';
    assert.deepEqual(
      [neither.code, neither.stderr],
      [1, `${prereq}Either a status filter or job ID(s) must be specified and never both\n`],
    );
    assert.deepEqual([both.code, both.stderr], [1, `${prereq}Either a status filter or job ID(s) must be specified and never both\n`]);
    assert.deepEqual([kill.code, kill.stderr], [1, `${prereq}The --kill option must be confirmed with --yes-do-it\n`]);
    assert.deepEqual(await statuses(c, [blocker]), ['running'], 'nothing was killed');
  });

  it('cancel --pending lists the jobs and needs a confirmation: refused without a terminal, asked in one', async () => {
    const {jobs} = await blockQueue(c, 2);
    const table = jobTable(jobs, 'waiting', 'TEST_DELAY(0.1)');

    const piped = await gntJob(node, ['cancel', '--pending'], {input: 'y\n'});
    assert.equal(piped.code, 13);
    assert.equal(piped.stdout, table);
    assert.equal(
      piped.stderr,
      'Not confirmed: "Cancel job(s) listed above?" needs an answer and standard input is not a terminal. ' +
        'Use --force to cancel them without confirmation.\n',
    );
    assert.deepEqual(await statuses(c, jobs), ['waiting', 'waiting'], 'a piped answer changes nothing');

    const no = await gntJobInPty(node, ['cancel', '--waiting'], 'listed above?', 'n');
    assert.ok(no.answered);
    assert.equal(no.code, 13);
    assert.ok(no.stdout.startsWith(table), no.stdout);
    assert.match(no.stdout, /Cancel job\(s\) listed above\?/);
    assert.deepEqual(await statuses(c, jobs), ['waiting', 'waiting']);

    const yes = await gntJobInPty(node, ['cancel', '--pending'], 'listed above?', 'y');
    assert.equal(yes.code, 0, yes.stdout);
    assert.ok(yes.stdout.endsWith('\nJob successfully cancelled\nJob successfully cancelled\n'), yes.stdout);
    assert.deepEqual(await statuses(c, jobs), ['canceled', 'canceled']);

    const none = await gntJob(node, ['cancel', '--pending']);
    assert.equal(none.code, 1);
    assert.equal(
      none.stderr,
      'Failure: prerequisites not met for this operation:\nerror type: wrong_state, error details:\n' +
        'No jobs with the requested status have been found\n',
    );
  });

  it('cancel --pending --force cancels without a question; --kill --yes-do-it stops a running job', async () => {
    const {blocker, jobs} = await blockQueue(c, 2);
    const forced = await gntJob(node, ['cancel', '--pending', '--force']);
    assert.deepEqual([forced.code, forced.stdout, forced.stderr], [0, 'Job successfully cancelled\nJob successfully cancelled\n', '']);
    assert.deepEqual(await statuses(c, jobs), ['canceled', 'canceled']);
    const running = await gntJob(node, ['cancel', String(blocker)]);
    assert.deepEqual([running.code, running.stdout], [1, "Job no longer waiting, can't cancel (informed it anyway)\n"]);
    const killed = await gntJob(node, ['cancel', '--kill', '--yes-do-it', String(blocker)]);
    assert.deepEqual([killed.code, killed.stdout], [0, 'SIGKILL send to the process\n']);
    assert.equal(await waitJob(c, blocker), 'error');
  });

  it('change-priority: by ID, by status with and without confirmation', async () => {
    const {jobs} = await blockQueue(c, 2);
    const [missing, invalid, byId, finished] = await Promise.all([
      gntJob(node, ['change-priority', String(jobs[0])]),
      gntJob(node, ['change-priority', '--priority', 'urgent', String(jobs[0])]),
      gntJob(node, ['change-priority', '--priority', 'low', String(jobs[0])]),
      gntJob(node, ['change-priority', '--priority', 'high', '1']),
    ]);
    assert.deepEqual([missing.code, missing.stderr], [1, '--priority option must be given.\n']);
    assert.equal(invalid.code, 2);
    assert.deepEqual([byId.code, byId.stdout], [0, `Priorities of pending opcodes for job ${jobs[0]} have been changed to 10\n`]);
    assert.equal(finished.code, 1);
    assert.equal(finished.stdout, 'Job 1 is finished\n');

    const piped = await gntJob(node, ['change-priority', '--priority', 'high', '--pending']);
    assert.equal(piped.code, 13);
    assert.equal(piped.stdout, jobTable(jobs, 'waiting', 'TEST_DELAY(0.1)'));
    assert.match(piped.stderr, /Use --force to change their priority without confirmation\.\n$/);

    const yes = await gntJobInPty(node, ['change-priority', '--priority', 'high', '--waiting'], 'listed above?', 'y');
    assert.equal(yes.code, 0, yes.stdout);
    assert.match(yes.stdout, /Change priority of job\(s\) listed above\?/);
    for (const j of jobs) assert.ok(yes.stdout.includes(`Priorities of pending opcodes for job ${j} have been changed to -10\n`));

    const forced = await gntJob(node, ['change-priority', '--priority', 'normal', '--pending', '-f']);
    assert.equal(forced.code, 0);
    assert.equal(forced.stdout, jobs.map((j) => `Priorities of pending opcodes for job ${j} have been changed to 0\n`).join(''));
    const prio = await c.queryJobs(jobs, ['oppriority']);
    assert.deepEqual(prio, [[[0]], [[0]]]);
  });

  it('archive and autoarchive', async () => {
    const [archived, again, unknown, noArgs] = await Promise.all([
      gntJob(node, ['archive', '1', '2']),
      gntJob(node, ['archive', '5']),
      gntJob(node, ['archive', '9999', '12']),
      gntJob(node, ['archive']),
    ]);
    assert.deepEqual([archived.code, archived.stdout, archived.stderr], [0, '', '']);
    assert.deepEqual([again.code, again.stderr], [1, "Failed to archive job with ID '5'\n"], 'already archived');
    assert.deepEqual([unknown.code, unknown.stderr], [1, "Failed to archive job with ID '9999'\n"]);
    assert.deepEqual([noArgs.code, noArgs.stderr], [1, 'Error: Command archive expects at least 1 argument(s)\n']);
    const list = await gntJob(node, ['list', '--no-headers', '-o', 'id', '--archived', '1', '2', '12']);
    assert.equal(list.stdout, ' 1 Y\n 2 Y\n12 Y\n');

    const [badAge, noAge, old] = await Promise.all([
      gntJob(node, ['autoarchive', '3x']),
      gntJob(node, ['autoarchive']),
      gntJob(node, ['autoarchive', '1w']),
    ]);
    assert.deepEqual(
      [badAge.code, badAge.stderr],
      [1, "Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nInvalid time specification '3x'\n"],
    );
    assert.deepEqual([noAge.code, noAge.stderr], [1, 'Error: Command autoarchive expects 1 argument(s)\n']);
    // The fixture jobs that are left (3 and 123) ended in 2023; the jobs submitted by the tests are young.
    assert.deepEqual([old.code, old.stdout], [0, 'Archived 2 jobs, 0 unchecked left\n']);
    assert.equal((await gntJob(node, ['list', '--no-headers', '-o', 'id', '--archived', '3', '123'])).stdout, '  3 Y\n123 Y\n');
    const live = (await c.query('job', ['id', 'status'], null)).data;
    const finished = live.filter((r) => ['success', 'error', 'canceled'].includes(r[1]![1] as string)).length;
    const all = await gntJob(node, ['autoarchive', 'all']);
    assert.deepEqual([all.code, all.stdout], [0, `Archived ${finished} jobs, 0 unchecked left\n`]);
  });
});

describe('gnt-job without a reachable daemon', () => {
  // The stock client retries for 30 s: the time limit fails the test if ours ever does.
  it('fails at once with one clear line', {timeout: 25_000}, async () => {
    const node = await makeNode();
    const bare = await makeNode('node2', false);
    try {
      const [down, socket, uninit, env] = await Promise.all([
        gntJob(node, ['list']),
        gntJob(node, ['info', '--socket', join(node.base, 'nowhere.sock'), '1']),
        gntJob(bare, ['watch', '1']),
        gntJob(node, ['list'], {env: {GANETI_HOSTNAME: ''}}),
      ]);
      assert.deepEqual(
        [down.code, down.stdout, down.stderr],
        [1, '', `Cannot communicate with the master daemon at '${node.paths.querySocket}': is it running and listening for connections?\n`],
      );
      assert.equal(socket.code, 1);
      assert.equal(
        socket.stderr,
        `Cannot communicate with the master daemon at '${join(node.base, 'nowhere.sock')}': is it running and listening for connections?\n`,
      );
      assert.equal(uninit.code, 1);
      assert.equal(uninit.stdout, 'Output from job 1 follows\n-------------------------\n');
      assert.equal(
        uninit.stderr,
        'Job 1 failed: Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\n' +
          'Cluster not initialized or this machine is not part of a cluster\n',
      );
      assert.deepEqual([env.code, env.stderr], [1, 'GANETI_ROOTDIR and GANETI_HOSTNAME must be set together\n']);
    } finally {
      node.cleanup();
      bare.cleanup();
    }
  });

  it('says when this is not the master node', async () => {
    const node = await makeNode();
    try {
      writeFileSync(node.paths.ssconf('master_node'), 'node7\n');
      const r = await gntJob(node, ['cancel', '5']);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\n' +
          "This is not the master node, please connect to node 'node7' and rerun the command\n",
      );
    } finally {
      node.cleanup();
    }
  });
});
