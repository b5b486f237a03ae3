import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {delayOp, makeNode, runCli, startDaemon, waitJob} from '../helpers/cluster.js';

describe('restart', () => {
  // Recovery of the queue at start-up (no crash involved): recovery.test.ts, in-process.

  it('keeps acknowledged jobs across kill -9 and continues the serial', async () => {
    const node = await makeNode();
    try {
      let d = await startDaemon(node);
      let c = d.client();
      const blocker = await c.submitJob([delayOp(30)]);
      await waitJob(c, await c.submitJob([delayOp(0)]));
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
