import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {delayOp, makeNode, runCli, startDaemon, waitJob} from '../helpers/cluster.js';

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

describe('restart', () => {
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
      const d = await startDaemon(node, ['--auto-archive-age', '0']);
      const c = d.client();
      assert.equal(await waitJob(c, 1), 'success', 'a queued job runs after restart');
      assert.equal(await waitJob(c, 2), 'success', 'a waiting job runs after restart');
      const [[st3, res3]] = (await c.queryJobs([3], ['status', 'opresult'])) as [unknown[]];
      assert.equal(st3, 'error');
      assert.deepEqual(res3, [null, ['OpExecError', ['Unclean master daemon shutdown']], ['OpExecError', ['Unclean master daemon shutdown']]]);
      const live = (await c.query('job', ['id'], null)).data.map((r) => r[0]![1]);
      assert.deepEqual(live, [1, 2, 3, 4], 'corrupt and foreign files are skipped');
      const next = await c.submitJob([delayOp(0)]);
      assert.equal(next, 26, 'ids continue after the highest id on disk, never reused');
      assert.ok(!readdirSync(q).includes('.job-10.abcdef.tmp'), 'temp files of interrupted writes are removed');
      assert.ok(readdirSync(q).includes('job-5'), 'corrupt files are left alone for inspection');
      const job3 = JSON.parse(readFileSync(join(q, 'job-3'), 'utf8')) as Record<string, unknown>;
      assert.ok(!('livelock' in job3) && !('process_id' in job3));
      assert.ok(Array.isArray(job3.end_timestamp));
      assert.match(d.output(), /skipping unreadable job file/);
      assert.equal(await d.stop(), 0);
    } finally {
      node.cleanup();
    }
  });

  it('keeps acknowledged jobs across kill -9 and continues the serial', async () => {
    const node = await makeNode();
    try {
      let d = await startDaemon(node);
      let c = d.client();
      const blocker = await c.submitJob([delayOp(30)]);
      await waitJob(c, (await c.submitJob([delayOp(0)])));
      const ids = (await c.submitManyJobs(Array.from({length: 20}, () => [delayOp(0.01)]))).map((r) => r[1] as number);
      await new Promise((r) => setTimeout(r, 300));
      await d.stop('SIGKILL');
      d = await startDaemon(node);
      c = d.client();
      const [[st]] = (await c.queryJobs([blocker], ['status'])) as [unknown[]];
      assert.equal(st, 'error', 'the job that was running when the daemon died is failed');
      for (const id of ids) assert.equal(await waitJob(c, id), 'success');
      const next = await c.submitJob([delayOp(0)]);
      assert.ok(next > Math.max(...ids));
      await d.stop();
    } finally {
      node.cleanup();
    }
  });

  it('refuses a second master daemon on the same root and a foreign queue version', async () => {
    const node = await makeNode();
    try {
      const d = await startDaemon(node);
      const second = await runCli(node, ['masterd', '-f']);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /held by a running daemon \(pid \d+\)/);
      assert.equal(await d.stop(), 0);
      writeFileSync(join(node.paths.queueDir, 'version'), '2\n');
      await assert.rejects(startDaemon(node), /Found job queue version 2, expected 1/);
    } finally {
      node.cleanup();
    }
  });
});
