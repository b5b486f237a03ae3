// WaitForJobChange reports a final state only once it is on disk, on every path: also when
// the caller sends no previous state (the stock client's first call) and the wait times out.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {delayOp, makeNode, waitFor} from '../helpers/cluster.js';
import {openMaster} from '../helpers/in-process.js';

describe('WaitForJobChange and durability', () => {
  it('with prev_job_info = null, a final state whose write failed is not reported', async () => {
    const node = await makeNode();
    // The submission's write of a job file lands; every later write of it fails until the disk is back.
    let failWrites = true;
    const submitted = new Set<string>();
    const m = await openMaster(node, {
      writeFault: (path) => {
        if (!/\/job-\d+$/.test(path)) return;
        if (!submitted.has(path)) submitted.add(path);
        else if (failWrites) throw Object.assign(new Error('EROFS: read-only file system'), {code: 'EROFS'});
      },
    });
    try {
      const id = (await m.call('SubmitJob', [[delayOp(0)]])) as number;
      await waitFor(() => m.master.queue.jobs.get(id)?.finalized === true, 10_000, 'the job to end in memory');
      const fileStatus = (): string =>
        (JSON.parse(readFileSync(join(node.paths.queueDir, `job-${id}`), 'utf8')) as {ops: Array<{status: string}>}).ops[0]!.status;
      assert.equal(fileStatus(), 'queued');
      for (const timeout of [0, 1]) {
        const res = (await m.call('WaitForJobChange', [id, ['status'], null, null, timeout])) as unknown[][];
        assert.deepEqual(res, [['queued'], []], `timeout ${timeout}: the state on disk, not the unwritten final one`);
      }
      const withPrev = await m.call('WaitForJobChange', [id, ['status'], ['queued'], null, 1]);
      assert.deepEqual(withPrev, [['queued'], []]);
      // The disk is back: the retried write lands and the final state is reported.
      failWrites = false;
      const done = (await m.call('WaitForJobChange', [id, ['status'], ['queued'], null, 10])) as unknown[][];
      assert.deepEqual(done[0], ['success']);
      assert.equal(fileStatus(), 'success');
    } finally {
      await m.close();
      node.cleanup();
    }
  });
});
