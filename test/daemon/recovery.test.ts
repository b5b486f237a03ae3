// The queue across a stop and a start of the master, in-process: what start-up makes of the job
// files it finds (requeue, fail what was running, skip what it cannot read), and what a drain
// (masterd's first SIGTERM) leaves for the next start. Crashes and signals themselves:
// restart.test.ts, signals.test.ts and test/reliability/ (processes).
import assert from 'node:assert/strict';
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import type {LuxiClient} from '../../src/protocol/client.js';
import {GanetiError} from '../../src/protocol/errors.js';
import {delayOp, makeNode, waitFor, waitJob} from '../helpers/cluster.js';
import {startInProcessDaemon} from '../helpers/in-process.js';

const op = (status: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  input: {OP_ID: 'OP_TEST_DELAY', duration: 0, reason: [['gnt:opcode:test_delay', 'job=1;index=0', 1795541175805849856n.toString()]]},
  status,
  result: null,
  log: [],
  priority: 0,
  start_timestamp: status === 'queued' ? null : [1700000000, 1],
  exec_timestamp: status === 'running' || status === 'success' ? [1700000000, 2] : null,
  end_timestamp: status === 'success' ? [1700000000, 3] : null,
  ...extra,
});

function jobFile(id: number, ops: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({id, ops, received_timestamp: [1700000000, 0], start_timestamp: null, end_timestamp: null, ...extra});
}

describe('the queue across a stop and a start', () => {
  it('requeues queued and waiting jobs, fails running ones, skips corrupt files', async () => {
    const node = await makeNode();
    try {
      const q = node.paths.queueDir;
      mkdirSync(join(q, 'archive', '0'), {recursive: true});
      writeFileSync(join(q, 'version'), '1\n');
      writeFileSync(join(q, 'serial'), '20\n');
      writeFileSync(join(q, 'job-1'), jobFile(1, [op('queued')]));
      writeFileSync(join(q, 'job-2'), jobFile(2, [op('success'), op('waiting')]));
      writeFileSync(join(q, 'job-3'), jobFile(3, [op('success'), op('running'), op('queued')], {livelock: '/x', process_id: 42}));
      writeFileSync(join(q, 'job-4'), jobFile(4, [op('success', {end_timestamp: [1700000000, 3]})], {end_timestamp: [1700000000, 3]}));
      writeFileSync(join(q, 'job-5'), '{"id": 5, "ops": [');
      writeFileSync(join(q, 'job-6'), '');
      writeFileSync(join(q, 'job-7'), jobFile(8, [op('queued')]));
      writeFileSync(join(q, 'job-abc'), 'foreign');
      writeFileSync(join(q, 'job-9.123456'), 'foreign');
      writeFileSync(join(q, '.job-10.abcdef.tmp'), 'half a write');
      mkdirSync(join(q, 'job-11'));
      writeFileSync(join(q, 'archive', '0', 'job-25'), jobFile(25, [op('success')]));

      // Job 4 ended long ago: automatic archiving would take it away.
      const d = await startInProcessDaemon(node, ['--auto-archive-age', '0']);
      const c = d.client();
      assert.equal(await waitJob(c, 1), 'success', 'a queued job runs after restart');
      assert.equal(await waitJob(c, 2), 'success', 'a waiting job runs after restart');
      const [[st3, res3]] = (await c.queryJobs([3], ['status', 'opresult'])) as [unknown[]];
      assert.equal(st3, 'error');
      assert.deepEqual(res3, [
        null,
        ['OpExecError', ['Unclean master daemon shutdown']],
        ['OpExecError', ['Unclean master daemon shutdown']],
      ]);
      const live = (await c.query('job', ['id'], null)).data.map((r) => r[0]![1]);
      assert.deepEqual(live, [1, 2, 3, 4], 'corrupt and foreign files are skipped');
      const next = await c.submitJob([delayOp(0)]);
      assert.equal(next, 26, 'ids continue after the highest id on disk, never reused');
      assert.ok(!readdirSync(q).includes('.job-10.abcdef.tmp'), 'temp files of interrupted writes are removed');
      assert.ok(readdirSync(q).includes('job-5'), 'corrupt files are left alone for inspection');
      const job3 = JSON.parse(readFileSync(join(q, 'job-3'), 'utf8')) as Record<string, unknown>;
      assert.ok(!('livelock' in job3) && !('process_id' in job3));
      assert.ok(Array.isArray(job3.end_timestamp));
      assert.equal(await d.stop(), 0);
      assert.match(readFileSync(node.paths.masterdLog, 'utf8'), /skipping unreadable job file/);
    } finally {
      node.cleanup();
    }
  });

  it('a drain refuses submissions, keeps answering, finishes the running opcode and leaves the rest for the next start', async () => {
    const node = await makeNode();
    try {
      let d = await startInProcessDaemon(node, ['--max-running-jobs', '1']);
      let c: LuxiClient = d.client();
      const running = await c.submitJob([delayOp(1), delayOp(0)]);
      const queued = await c.submitJob([delayOp(0)]);
      await waitFor(async () => ((await c.queryJobs([running], ['status'])) as unknown[][])[0]![0] === 'running');
      const drained = d.master.drain();
      await assert.rejects(
        c.submitJob([delayOp(0)]),
        (e: unknown) => e instanceof GanetiError && e.cls === 'JobQueueError' && e.message === 'Job queue is shutting down, refusing job',
      );
      const [[first], [second]] = (await c.queryJobs([running, queued], ['status'])) as [[string], [string]];
      // Running while the drain waits for its opcode (1 s); queued again if a very busy machine
      // let the drain end it before this answer. The restart below shows what the drain did.
      assert.ok(first === 'running' || first === 'queued', `queries are answered while draining (${first})`);
      assert.equal(second, 'queued');
      await drained;
      assert.equal(await d.stop(), 0);

      d = await startInProcessDaemon(node);
      c = d.client();
      const [[opstatus]] = (await c.queryJobs([running], ['opstatus'])) as [unknown[]];
      assert.equal((opstatus as string[])[0], 'success', 'the running opcode completed before the stop');
      assert.equal(await waitJob(c, running), 'success', 'the rest of the job runs after the start');
      assert.equal(await waitJob(c, queued), 'success', 'a queued job runs after the start');
      assert.equal(await d.stop(), 0);
    } finally {
      node.cleanup();
    }
  });
});
