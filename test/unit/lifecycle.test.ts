// The job state transitions of src/queue/lifecycle.ts, one by one, on jobs in memory.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CANCEL_MESSAGE, OP_PRIO_HIGHEST, QueuedJob, QueuedOpcode, type OpStatus, type Timestamp} from '../../src/queue/job.js';
import {
  changePriority,
  dequeue,
  failFrom,
  finishCanceled,
  markCanceling,
  raisePriority,
  recoverAtStart,
  requeue,
  startRunning,
  startWaiting,
  succeed,
} from '../../src/queue/lifecycle.js';

const T1: Timestamp = [100, 1];
const T2: Timestamp = [200, 2];

function job(...statuses: OpStatus[]): QueuedJob {
  const j = new QueuedJob(
    1,
    statuses.map(() => new QueuedOpcode({OP_ID: 'OP_TEST_DELAY', duration: 1})),
  );
  for (const [i, s] of statuses.entries()) j.ops[i]!.status = s;
  return j;
}

describe('job lifecycle', () => {
  it('queued -> waiting -> running -> success, the job ending with its last opcode', () => {
    const j = job('queued', 'queued');
    startWaiting(j, j.ops[0]!, T1);
    assert.equal(j.status, 'waiting');
    assert.deepEqual([j.startTimestamp, j.ops[0]!.startTimestamp], [T1, T1]);
    startRunning(j.ops[0]!, T2);
    assert.equal(j.status, 'running');
    assert.deepEqual(j.ops[0]!.execTimestamp, T2);
    succeed(j, 0, undefined, T2);
    assert.deepEqual([j.ops[0]!.status, j.ops[0]!.result, j.endTimestamp], ['success', null, null]);
    startWaiting(j, j.ops[1]!, T2);
    assert.deepEqual(j.startTimestamp, T1, 'the job keeps its first start');
    startRunning(j.ops[1]!);
    succeed(j, 1, 42, T2);
    assert.deepEqual([j.status, j.ops[1]!.result, j.endTimestamp], ['success', 42, T2]);
  });

  it('startWaiting leaves an opcode that is already waiting alone', () => {
    const j = job('waiting');
    j.ops[0]!.startTimestamp = T1;
    startWaiting(j, j.ops[0]!, T2);
    assert.deepEqual(j.ops[0]!.startTimestamp, T1);
  });

  it('an error fails the opcodes after it as "Preceding opcode failed"', () => {
    const j = job('success', 'running', 'queued');
    failFrom(j, 1, ['OpExecError', ['boom']], T2);
    assert.deepEqual(
      j.ops.map((op) => [op.status, op.result]),
      [
        ['success', null],
        ['error', ['OpExecError', ['boom']]],
        ['error', ['OpExecError', ['Preceding opcode failed']]],
      ],
    );
    assert.deepEqual([j.ops[1]!.endTimestamp, j.ops[2]!.endTimestamp, j.endTimestamp], [T2, null, T2]);
  });

  it('a queued job is dequeued without opcode end times; a waiting one goes through canceling', () => {
    const q = job('queued', 'queued');
    dequeue(q, T1);
    assert.deepEqual([q.status, q.ops[0]!.result, q.ops[0]!.endTimestamp, q.endTimestamp], ['canceled', CANCEL_MESSAGE, null, T1]);
    const w = job('success', 'waiting', 'queued');
    markCanceling(w);
    assert.deepEqual(
      w.ops.map((op) => op.status),
      ['success', 'canceling', 'canceling'],
    );
    finishCanceled(w, T2);
    assert.deepEqual(
      w.ops.map((op) => op.status),
      ['success', 'canceled', 'canceled'],
    );
    assert.deepEqual([w.ops[2]!.endTimestamp, w.endTimestamp], [T2, T2]);
  });

  it('requeue on shutdown only changes a waiting opcode', () => {
    const j = job('waiting');
    assert.equal(requeue(j.ops[0]!), true);
    assert.equal(j.status, 'queued');
    assert.equal(requeue(j.ops[0]!), false);
  });

  it('recovery at start: queued runs again, waiting is requeued, running and canceling fail', () => {
    assert.equal(recoverAtStart(job('queued')), 'requeued');
    const w = job('success', 'waiting', 'queued');
    w.ops[1]!.result = 'x';
    assert.equal(recoverAtStart(w), 'repaired');
    assert.deepEqual(
      w.ops.map((op) => [op.status, op.result]),
      [
        ['success', null],
        ['queued', null],
        ['queued', null],
      ],
    );
    for (const s of ['running', 'canceling'] as const) {
      const j = job('success', s, 'queued');
      assert.equal(recoverAtStart(j, T2), 'failed');
      assert.deepEqual(
        j.ops.map((op) => op.status),
        ['success', 'error', 'error'],
      );
      assert.deepEqual(j.ops[2]!.result, ['OpExecError', ['Unclean master daemon shutdown']]);
      assert.deepEqual(j.endTimestamp, T2);
    }
    assert.equal(recoverAtStart(job('success')), 'unchanged');
  });

  it('priority: changed on queued and waiting opcodes, raised one step up to the highest', () => {
    const j = job('success', 'waiting', 'queued');
    assert.equal(changePriority(j, 10), true);
    assert.deepEqual(
      j.ops.map((op) => op.priority),
      [0, 10, 10],
    );
    assert.equal(changePriority(job('running'), 10), false);
    const op = new QueuedOpcode({OP_ID: 'OP_TEST_DELAY', priority: OP_PRIO_HIGHEST + 1});
    assert.equal(raisePriority(op), true);
    assert.equal(op.priority, OP_PRIO_HIGHEST);
    assert.equal(raisePriority(op), false);
  });
});
