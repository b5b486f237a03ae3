import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {LuxiClient} from '../../src/protocol/client.js';
import {delayOp, makeNode, waitFor, waitJob, type TestNode} from '../helpers/cluster.js';
import {startInProcessDaemon, type InProcessDaemon} from '../helpers/in-process.js';

const secs = (ts: unknown): number => (ts as number[])[0]! + (ts as number[])[1]! / 1e6;

async function execStart(c: LuxiClient, id: number): Promise<number> {
  const [[opexec]] = (await c.queryJobs([id], ['opexec'])) as [unknown[]];
  return secs((opexec as unknown[])[0]);
}

async function statusOf(c: LuxiClient, id: number): Promise<string> {
  const [[st]] = (await c.queryJobs([id], ['status'])) as [unknown[]];
  return st as string;
}

describe('scheduling with one worker', () => {
  let node: TestNode;
  let daemon: InProcessDaemon;
  before(async () => {
    node = await makeNode();
    daemon = await startInProcessDaemon(node, ['--max-running-jobs', '1']);
  });
  after(async () => {
    await daemon.stop();
    node.cleanup();
  });

  it('runs jobs by priority, FIFO within a priority', async () => {
    const c = daemon.client();
    const blocker = await c.submitJob([delayOp(60)]);
    await waitFor(async () => (await statusOf(c, blocker)) === 'running');
    const low = await c.submitJob([delayOp(0, {priority: 10})]);
    const normal1 = await c.submitJob([delayOp(0)]);
    const high = await c.submitJob([delayOp(0, {priority: -10})]);
    const normal2 = await c.submitJob([delayOp(0)]);
    await c.cancelJob(blocker, true);
    for (const id of [low, normal1, high, normal2]) assert.equal(await waitJob(c, id), 'success');
    const order = await Promise.all([high, normal1, normal2, low].map((id) => execStart(c, id)));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      'high, then normal in submission order, then low',
    );
  });

  it('changes priority of a queued job and reorders it', async () => {
    const c = daemon.client();
    const blocker = await c.submitJob([delayOp(60)]);
    await waitFor(async () => (await statusOf(c, blocker)) === 'running');
    const a = await c.submitJob([delayOp(0)]);
    const b = await c.submitJob([delayOp(0)]);
    assert.deepEqual(await c.changeJobPriority(b, -10), [true, `Priorities of pending opcodes for job ${b} have been changed to -10`]);
    const [[prio, oppriority, ops]] = (await c.queryJobs([b], ['priority', 'oppriority', 'ops'])) as [unknown[]];
    assert.equal(prio, -10);
    assert.deepEqual(oppriority, [-10]);
    assert.equal((ops as Array<Record<string, unknown>>)[0]!.priority, 0, 'the opcode input is never modified');
    await assert.rejects(c.changeJobPriority(a, 7), /Invalid priority 7, allowed are -10, 0, 10/);
    await c.cancelJob(blocker, true);
    await waitJob(c, a);
    assert.ok((await execStart(c, b)) <= (await execStart(c, a)));
    assert.deepEqual(await c.changeJobPriority(a, 10), [false, `Job ${a} is finished`]);
    assert.deepEqual(await c.changeJobPriority(999999, 10), [false, 'Job 999999 not found in queue']);
  });

  it('cancels a queued job', async () => {
    const c = daemon.client();
    const blocker = await c.submitJob([delayOp(60)]);
    await waitFor(async () => (await statusOf(c, blocker)) === 'running');
    const victim = await c.submitJob([delayOp(0), delayOp(0)]);
    assert.deepEqual(await c.cancelJob(victim), [true, `Dequeued job ${victim}`]);
    await c.cancelJob(blocker, true);
    assert.equal(await waitJob(c, victim), 'canceled');
    const [[opstatus, opresult, start, end]] = (await c.queryJobs([victim], ['opstatus', 'opresult', 'start_ts', 'end_ts'])) as [unknown[]];
    assert.deepEqual(opstatus, ['canceled', 'canceled']);
    assert.deepEqual(opresult, ['Job canceled by request', 'Job canceled by request']);
    assert.equal(start, null);
    assert.ok(Array.isArray(end));
    await waitJob(c, blocker);
    assert.equal(await statusOf(c, victim), 'canceled', 'a canceled job never runs');
    assert.deepEqual(await c.cancelJob(victim), [false, `Job ${victim} not found in queue`]);
  });
});

describe('dependencies and locks', () => {
  let node: TestNode;
  let daemon: InProcessDaemon;
  before(async () => {
    node = await makeNode();
    daemon = await startInProcessDaemon(node);
  });
  after(async () => {
    await daemon.stop();
    node.cleanup();
  });

  it('waits for dependencies and applies their outcome', async () => {
    const c = daemon.client();
    const dep = await c.submitJob([delayOp(0.3)]);
    const ok = await c.submitJob([delayOp(0, {depends: [[dep, ['success']]]})]);
    const wrong = await c.submitJob([delayOp(0, {depends: [[dep, ['error']]]})]);
    const self = await c.submitJob([delayOp(0, {depends: [[dep + 3, []]]})]);
    const missing = await c.submitJob([delayOp(0, {depends: [[987654, []]]})]);
    // Waiting, unless a slow machine let the dependency finish already (the start times below
    // show the order either way).
    if ((await statusOf(c, ok)) !== 'waiting') assert.equal(await statusOf(c, dep), 'success');
    assert.equal(await waitJob(c, ok), 'success');
    assert.ok((await execStart(c, ok)) >= (await execStart(c, dep)) + 0.3);
    assert.equal(await waitJob(c, wrong), 'error');
    const [[res]] = (await c.queryJobs([wrong], ['opresult'])) as [unknown[]];
    assert.deepEqual(res, [['OpExecError', [`Dependency job ${dep} finished with status 'success', not one of 'error' as required`]]]);
    assert.equal(await waitJob(c, self), 'error');
    const [[selfRes]] = (await c.queryJobs([self], ['opresult'])) as [unknown[]];
    assert.deepEqual(selfRes, [['OpExecError', ["Job can't depend on itself"]]]);
    const [[missRes]] = (await c.queryJobs([missing], ['opresult'])) as [unknown[]];
    assert.equal(await waitJob(c, missing), 'error');
    assert.deepEqual(missRes ?? (await c.queryJobs([missing], ['opresult']))[0]![0], [
      ['OpExecError', ['Dependency error: Job 987654 not found']],
    ]);
  });

  it('cancels a job waiting for a dependency, and cascades a canceled dependency', async () => {
    const c = daemon.client();
    // Blockers run until killed: a loaded machine must not end them before the test is done.
    const dep = await c.submitJob([delayOp(60)]);
    const waiter = await c.submitJob([delayOp(0, {depends: [[dep, []]]})]);
    await waitFor(async () => (await statusOf(c, waiter)) === 'waiting');
    assert.deepEqual(await c.cancelJob(waiter), [true, 'Job successfully cancelled']);
    assert.equal(await statusOf(c, waiter), 'canceled');

    const blocker = await c.submitJob([delayOp(60)]);
    const queuedDep = await c.submitJob([delayOp(0, {depends: [[blocker, []]]})]);
    const chained = await c.submitJob([delayOp(0, {depends: [[queuedDep, ['success']]]})]);
    await waitFor(async () => (await statusOf(c, queuedDep)) === 'waiting');
    await c.cancelJob(queuedDep);
    assert.equal(await waitJob(c, chained), 'canceled', 'a job whose dependency was canceled is canceled too');
    for (const id of [dep, blocker]) await c.cancelJob(id, true);
    for (const id of [dep, blocker]) await waitJob(c, id);
  });

  it('shows dependency waits in the lock table and cancels such a job at once while every job slot is busy', async () => {
    const c = daemon.client();
    const dep = await c.submitJob([delayOp(60)]);
    await waitFor(async () => (await statusOf(c, dep)) === 'running');
    const waiter = await c.submitJob([delayOp(0, {depends: [[dep, []]]})]);
    await waitFor(async () => (await statusOf(c, waiter)) === 'waiting');
    const locks = await c.query('lock', ['name', 'mode', 'owner', 'pending'], null);
    const row = locks.data.find((r) => r[0]![1] === `job/${dep}`);
    assert.deepEqual(row, [
      [0, `job/${dep}`],
      [0, null],
      [0, null],
      [0, [['job', [`job/${waiter}`]]]],
    ]);
    assert.deepEqual(await c.cancelJob(waiter), [true, 'Job successfully cancelled']);
    assert.equal(await statusOf(c, waiter), 'canceled');
    assert.equal(await statusOf(c, dep), 'running', 'the cancel did not wait for the only job slot to free up');
    const after = await c.query('lock', ['name'], null);
    assert.ok(!after.data.some((r) => r[0]![1] === `job/${dep}`), 'the wait is gone from the lock table');
    assert.deepEqual(await c.cancelJob(dep, true), [true, 'SIGKILL send to the process']);
    assert.equal(await waitJob(c, dep), 'error');
  });

  it('serialises jobs that need the same exclusive lock and runs others in parallel', async () => {
    const c = daemon.client();
    const a = await c.submitJob([delayOp(60, {no_locks: false})]);
    const b = await c.submitJob([delayOp(0, {no_locks: false})]);
    await waitFor(async () => (await statusOf(c, a)) === 'running');
    const locks = await c.query('lock', ['name', 'mode', 'owner', 'pending'], null);
    const nodeLock = locks.data.find((r) => String(r[0]![1]).startsWith('node/'));
    assert.ok(nodeLock !== undefined);
    assert.equal(nodeLock[1]![1], 'exclusive');
    assert.deepEqual(nodeLock[2]![1], [`job/${a}`]);
    assert.deepEqual(nodeLock[3]![1], [['exclusive', [`job/${b}`]]]);
    assert.equal(await statusOf(c, b), 'waiting', 'b waits for the node lock');
    await c.cancelJob(a, true);
    await waitJob(c, b);
    const [[aEnd]] = (await c.queryJobs([a], ['end_ts'])) as [unknown[]];
    assert.ok((await execStart(c, b)) >= secs(aEnd), 'b ran after a');

    const p = await c.submitJob([delayOp(60)]);
    const q = await c.submitJob([delayOp(0)]);
    assert.equal(await waitJob(c, q), 'success');
    assert.equal(await statusOf(c, p), 'running', 'no_locks delays overlap');
    await c.cancelJob(p, true);
    await waitJob(c, p);
  });

  it('runs OP_TEST_JQUEUE and records log messages and failures', async () => {
    const c = daemon.client();
    const okId = await c.submitJob([{OP_ID: 'OP_TEST_JQUEUE'}]);
    assert.equal(await waitJob(c, okId), 'success');
    const [[res, log]] = (await c.queryJobs([okId], ['opresult', 'oplog'])) as [unknown[]];
    assert.deepEqual(res, [true]);
    assert.deepEqual(
      (log as unknown[][][])[0]!.map((e) => [e[0], e[2], e[3]]),
      [
        [1, 'message', ' - INFO: Expanding names'],
        [2, 'message', ' - INFO: Executing'],
      ],
    );
    const failId = await c.submitJob([{OP_ID: 'OP_TEST_JQUEUE', fail: true}, delayOp(0)]);
    assert.equal(await waitJob(c, failId), 'error');
    const [[fres, fstatus]] = (await c.queryJobs([failId], ['opresult', 'opstatus'])) as [unknown[]];
    assert.deepEqual(fres, [
      ['OpExecError', ['Opcode failure was requested']],
      ['OpExecError', ['Preceding opcode failed']],
    ]);
    assert.deepEqual(fstatus, ['error', 'error']);
    const neg = await c.submitJob([delayOp(-1)]);
    assert.equal(await waitJob(c, neg), 'error');
    const [[nres]] = (await c.queryJobs([neg], ['opresult'])) as [unknown[]];
    assert.deepEqual(nres, [['OpPrereqError', ['Duration must be greater than zero']]]);
  });

  it('streams repeat-delay log messages to a waiter', async () => {
    const c = daemon.client();
    const id = await c.submitJob([delayOp(0.1, {repeat: 3})]);
    const seen: string[] = [];
    let prev: unknown[] | null = null;
    let serial: number | null = null;
    for (;;) {
      const r = await c.waitForJobChange(id, ['status'], prev, serial, 10);
      assert.notEqual(r, 'nochange');
      const [info, logs] = r as [unknown[], Array<[number, unknown, string, string]>];
      for (const l of logs) {
        seen.push(l[3]);
        serial = l[0];
      }
      prev = info;
      if (info[0] === 'success' && logs.length === 0) break;
    }
    assert.deepEqual(seen, [' - INFO: Test delay iteration 0/2', ' - INFO: Test delay iteration 1/2', ' - INFO: Test delay iteration 2/2']);
  });

  it('times out WaitForJobChange with the unchanged pair', async () => {
    const c = daemon.client();
    const id = await c.submitJob([delayOp(3)]);
    await waitFor(async () => (await statusOf(c, id)) === 'running');
    // fake-clock.test.ts checks that the answer comes when the timeout expires, not before.
    assert.deepEqual(await c.waitForJobChange(id, ['status'], ['running'], null, 1), [['running'], []]);
    await assert.rejects(c.waitForJobChange(424242, ['status'], null, null, 1), /Can't load job file/);
    await c.cancelJob(id, true);
  });
});

describe('waiting for locks: priority changes', () => {
  let node: TestNode;
  let daemon: InProcessDaemon;
  before(async () => {
    node = await makeNode();
    // Aging (fake-clock.test.ts) stays at its 30-minute default: it must not reorder the waiters here.
    daemon = await startInProcessDaemon(node);
  });
  after(async () => {
    // A failed test may leave its 60-s lock holder running.
    const c = daemon.client();
    for (const row of (await c.query('job', ['id'], ['==', 'status', 'running'])).data) await c.cancelJob(row[0]![1] as number, true);
    await daemon.stop();
    node.cleanup();
  });

  const pendingOnNodeLock = async (c: LuxiClient): Promise<unknown> => {
    const locks = await c.query('lock', ['name', 'pending'], null);
    return locks.data.find((r) => String(r[0]![1]).startsWith('node/'))?.[1]?.[1];
  };

  it('ChangeJobPriority reorders a job that waits for a lock', async () => {
    const c = daemon.client();
    // The holder keeps the lock until it is killed.
    const holder = await c.submitJob([delayOp(60, {no_locks: false})]);
    await waitFor(async () => (await statusOf(c, holder)) === 'running');
    const first = await c.submitJob([delayOp(0, {no_locks: false})]);
    const second = await c.submitJob([delayOp(0, {no_locks: false})]);
    await waitFor(
      async () =>
        JSON.stringify(await pendingOnNodeLock(c)) ===
        JSON.stringify([
          ['exclusive', [`job/${first}`]],
          ['exclusive', [`job/${second}`]],
        ]),
    );
    await c.changeJobPriority(second, -10);
    assert.deepEqual(
      await pendingOnNodeLock(c),
      [
        ['exclusive', [`job/${second}`]],
        ['exclusive', [`job/${first}`]],
      ],
      'the raised job is now first in line',
    );
    await c.cancelJob(holder, true);
    assert.equal(await waitJob(c, first), 'success');
    assert.ok((await execStart(c, second)) < (await execStart(c, first)), 'the raised job got the lock first');
  });
  // Aging step by step, on disk, to the floor and without starving: fake-clock.test.ts.
});
