// The queue, scheduler and executor in-process under node:test's fake timers: behaviour that
// depends on time (lock-wait aging at Ganeti's real 30-minute period, WaitForJobChange's
// timeout) checked exactly, without waiting for it. Real I/O (job files) runs as usual.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, afterEach, before, describe, it, mock} from 'node:test';
import {delayOp, makeNode, type TestNode} from '../helpers/cluster.js';
import {openMaster, type InProcessMaster} from '../helpers/in-process.js';

/** Ganeti's LOCK_ATTEMPTS_TIMEOUT, masterd's default --lock-attempts-timeout. */
const AGING_MS = 1800 * 1000;

/** The real setTimeout, kept before the clock is faked: the test's own waits for I/O use it. */
const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number): Promise<void> => new Promise((r) => realSetTimeout(r, ms));

/** Lets promises, I/O callbacks and the durable writer's setImmediate run (timers are frozen). */
async function turn(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Waits (on the real clock, without spinning) until the condition holds. */
async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await realSleep(2);
  }
}

describe('time-driven behaviour on a fake clock', () => {
  let node: TestNode;
  let m: InProcessMaster;
  before(async () => {
    mock.timers.enable({apis: ['setTimeout', 'setInterval']});
    node = await makeNode();
    m = await openMaster(node, {lockAgingMs: AGING_MS});
  });
  afterEach(async () => {
    const live = [...m.master.queue.jobs.values()].filter((j) => !j.finalized).map((j) => j.id);
    for (const id of live) await m.call('CancelJob', [id, true]);
    // Lets the killed test delays and the lazy writes finish.
    await until('every job ended', () => {
      mock.timers.tick(10_000);
      return [...m.master.queue.jobs.values()].every((j) => j.finalized);
    });
  });
  after(async () => {
    mock.timers.reset();
    await m.close();
    node.cleanup();
  });

  const submit = async (op: Record<string, unknown>): Promise<number> => (await m.call('SubmitJob', [[op]])) as number;
  const field = async (id: number, name: string): Promise<unknown> => ((await m.call('QueryJobs', [[id], [name]])) as unknown[][])[0]![0];
  const opPriority = async (id: number): Promise<number> => ((await field(id, 'oppriority')) as number[])[0]!;

  it('raises the priority of a job waiting for locks one step per lock-attempt period, never before, down to -20', async () => {
    const holder = await submit(delayOp(3600, {no_locks: false}));
    await until('the holder runs', async () => (await field(holder, 'status')) === 'running');
    const low = await submit(delayOp(0, {no_locks: false, priority: 10}));
    await until('the low-priority job waits for the node lock', async () => (await field(low, 'status')) === 'waiting');
    // Submitted one period later, so that it reaches the floor one period after low.
    mock.timers.tick(AGING_MS);
    await turn();
    assert.equal(await opPriority(low), 9);
    const normal = await submit(delayOp(0, {no_locks: false}));
    await until('the normal job waits for the node lock', async () => (await field(normal, 'status')) === 'waiting');

    mock.timers.tick(AGING_MS - 1);
    await turn();
    assert.deepEqual([await opPriority(low), await opPriority(normal)], [9, 0], 'not raised before a full period');
    mock.timers.tick(1);
    await turn();
    assert.deepEqual([await opPriority(low), await opPriority(normal)], [8, -1], 'one step each after one period');
    for (let i = 0; i < 28; i++) mock.timers.tick(AGING_MS);
    await turn();
    assert.deepEqual([await opPriority(low), await opPriority(normal)], [-20, -20], 'both at the floor');
    mock.timers.tick(AGING_MS);
    await turn();
    assert.equal(await opPriority(low), -20, 'never above the highest priority');
    assert.equal(await field(low, 'priority'), -20);
    assert.deepEqual(((await field(low, 'ops')) as Array<Record<string, unknown>>)[0]!.priority, 10, 'the input is untouched');

    // Aging writes go through the queue's lazy writer: on disk once its delay has passed.
    const onDisk = (): number =>
      (JSON.parse(readFileSync(join(node.paths.queueDir, `job-${low}`), 'utf8')) as {ops: Array<{priority: number}>}).ops[0]!.priority;
    mock.timers.tick(10_000);
    await until('the aged priority is in the job file', () => onDisk() === -20);

    await m.call('CancelJob', [holder, true]);
    await until('both ran', async () => {
      mock.timers.tick(1000);
      return (await field(low, 'status')) === 'success' && (await field(normal, 'status')) === 'success';
    });
    const execStart = async (id: number): Promise<number> => {
      const [ts] = (await field(id, 'opexec')) as Array<[number, number]>;
      return ts![0] + ts![1] / 1e6;
    };
    // At the floor both are equal; the one that waited longer is not starved.
    assert.ok((await execStart(low)) < (await execStart(normal)), 'the low-priority job, waiting longer, got the lock first');
  });

  it('keeps the queued file of a job held by a dependency, as Ganeti 3.0 writes it, while queries show it waiting', async () => {
    const blocker = await submit(delayOp(3600));
    await until('the blocker runs', async () => (await field(blocker, 'status')) === 'running');
    const held = await submit(delayOp(0, {depends: [[blocker, []]]}));
    await until('the held job waits', async () => (await field(held, 'status')) === 'waiting');
    const fileStatus = (): string =>
      (JSON.parse(readFileSync(join(node.paths.queueDir, `job-${held}`), 'utf8')) as {ops: Array<{status: string}>}).ops[0]!.status;
    // Past the lazy writer's delay: a write of the waiting state would be on disk now.
    mock.timers.tick(10_000);
    await turn();
    await m.master.queue.flushed(held);
    assert.equal(fileStatus(), 'queued');
    await m.call('CancelJob', [blocker, true]);
    await until('the held job ran', async () => {
      mock.timers.tick(1000);
      return (await field(held, 'status')) === 'success';
    });
    await m.master.queue.flushed(held);
    assert.equal(fileStatus(), 'success');
  });

  it('stops aging once the job holds its locks', async () => {
    const holder = await submit(delayOp(3600, {no_locks: false}));
    await until('the holder runs', async () => (await field(holder, 'status')) === 'running');
    mock.timers.tick(AGING_MS * 5);
    await turn();
    assert.equal(await opPriority(holder), 0, 'a running job that holds its locks is not aged');
  });

  it('answers WaitForJobChange with the unchanged pair exactly when its timeout expires', async () => {
    const id = await submit(delayOp(3600));
    await until('the job runs', async () => (await field(id, 'status')) === 'running');
    let answer: unknown = 'pending';
    const waiting = m.call('WaitForJobChange', [id, ['status'], ['running'], null, 10]).then((a) => (answer = a));
    await turn();
    mock.timers.tick(9_999);
    await turn();
    assert.equal(answer, 'pending', 'still waiting 1 ms before the timeout');
    mock.timers.tick(1);
    await waiting;
    assert.deepEqual(answer, [['running'], []]);
  });

  it('wakes a WaitForJobChange waiter at the change, not at its timeout', async () => {
    const blocker = await submit(delayOp(3600, {no_locks: false}));
    await until('the blocker runs', async () => (await field(blocker, 'status')) === 'running');
    const id = await submit(delayOp(0, {no_locks: false}));
    await until('the job waits', async () => (await field(id, 'status')) === 'waiting');
    const waiting = m.call('WaitForJobChange', [id, ['status'], ['waiting'], null, 3600]);
    await m.call('CancelJob', [id]);
    assert.deepEqual(await waiting, [['canceled'], []]);
  });
});
