// Jobs that could never finish: dependencies on ids no job can have are refused at
// submission, and whatever goes wrong while a job runs ends that job as an error, never as a
// job that waits for ever (also for such jobs written to disk by an older version).
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {QueuedJob, QueuedOpcode} from '../../src/queue/job.js';
import {delayOp, makeNode, waitFor} from '../helpers/cluster.js';
import {openMaster} from '../helpers/in-process.js';

const HUGE = 9007199254740993n;

describe('unfinishable jobs', () => {
  it('refuses a dependency on a job id of 2^53 or more at submission', async () => {
    const node = await makeNode();
    const m = await openMaster(node);
    try {
      await assert.rejects(m.call('SubmitJob', [[delayOp(0, {depends: [[HUGE, []]]})]]), /Invalid job ID 9007199254740993 in dependency/);
      await assert.rejects(
        m.call('SubmitJob', [[delayOp(0, {depends: [['99999999999999999999', []]]})]]),
        /Invalid job ID "99999999999999999999"/,
      );
      // An opcode that fails validation refuses the whole SubmitManyJobs call (docs/luxi.md).
      await assert.rejects(
        m.call('SubmitManyJobs', [[[delayOp(0)], [delayOp(0, {depends: [[HUGE, []]]})]]]),
        /Job 1 of the submission: .*Invalid job ID 9007199254740993/,
      );
      assert.equal(m.master.queue.jobs.size, 0, 'no job was queued');
    } finally {
      await m.close();
      node.cleanup();
    }
  });

  it('an unexpected exception while a job runs makes it an error with the message; it can be archived', async () => {
    const node = await makeNode();
    const m = await openMaster(node);
    try {
      // The configuration becomes unreadable at the moment the job starts.
      Object.defineProperty(m.master.configWriter, 'current', {
        get: () => {
          throw new TypeError('injected failure');
        },
      });
      const id = (await m.call('SubmitJob', [[delayOp(0), delayOp(0)]])) as number;
      const [info] = (await m.call('WaitForJobChange', [id, ['status', 'opresult'], null, null, 10])) as unknown[][];
      assert.deepEqual(info, [
        'error',
        [
          ['OpExecError', ['Unexpected error: injected failure']],
          ['OpExecError', ['Preceding opcode failed']],
        ],
      ]);
      const onDisk = JSON.parse(readFileSync(join(node.paths.queueDir, `job-${id}`), 'utf8')) as {ops: Array<{status: string}>};
      assert.deepEqual(
        onDisk.ops.map((o) => o.status),
        ['error', 'error'],
        'the error is on disk',
      );
      assert.equal(await m.call('ArchiveJob', [id]), true);
      // The scheduler is free for the next job.
      const next = (await m.call('SubmitJob', [[delayOp(0)]])) as number;
      await waitFor(() => m.master.queue.jobs.get(next)?.finalized === true, 10_000, 'the next job to end');
    } finally {
      await m.close();
      node.cleanup();
    }
  });

  it('a stored job that depends on an impossible id ends as an error after a restart', async () => {
    const node = await makeNode();
    // As an older version wrote it: waiting for a dependency that can never be looked up.
    const job = new QueuedJob(1, [new QueuedOpcode({...delayOp(0), depends: [[HUGE, []]]})]);
    job.ops[0]!.status = 'waiting';
    job.receivedTimestamp = [1_700_000_000, 0];
    const m0 = await openMaster(node);
    await m0.close();
    writeFileSync(join(node.paths.queueDir, 'job-1'), job.toFileText());
    const m = await openMaster(node);
    try {
      const [info] = (await m.call('WaitForJobChange', [1, ['status', 'opresult'], null, null, 10])) as unknown[][];
      assert.deepEqual(info, ['error', [['OpExecError', ['Dependency error: Job 9007199254740993 not found']]]]);
      assert.equal(await m.call('ArchiveJob', [1]), true);
    } finally {
      await m.close();
      node.cleanup();
    }
  });
});
