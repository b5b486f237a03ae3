import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {describe, it} from 'node:test';
import type {LuxiClient} from '../../src/protocol/client.js';
import {GanetiError} from '../../src/protocol/errors.js';
import {delayOp, launchMasterd, makeNode, startDaemon, waitFor, waitJob} from '../helpers/cluster.js';

async function statusOf(c: LuxiClient, id: number): Promise<string> {
  const [[st]] = (await c.queryJobs([id], ['status'])) as [unknown[]];
  return st as string;
}

describe('signals', () => {
  it('a SIGTERM sent the moment the socket appears still ends in a clean shutdown', async () => {
    const node = await makeNode();
    try {
      for (let round = 0; round < 3; round++) {
        const d = launchMasterd(node);
        // Poll without yielding to timers: signal within the same millisecond the socket exists.
        while (!existsSync(node.paths.querySocket) && d.alive()) await new Promise((r) => setImmediate(r));
        d.proc.kill('SIGTERM');
        assert.equal(await d.exited, 0, `round ${round}: exit status after an early SIGTERM\n${d.output().slice(-2000)}`);
        assert.ok(!existsSync(node.paths.masterdPidFile), 'pid file removed');
      }
    } finally {
      node.cleanup();
    }
  });

  it('first SIGTERM drains: refuses submissions, keeps answering, finishes running jobs, leaves queued ones', async () => {
    const node = await makeNode();
    try {
      let d = await startDaemon(node, ['--max-running-jobs', '1']);
      let c = d.client();
      const running = await c.submitJob([delayOp(1), delayOp(0)]);
      const queued = await c.submitJob([delayOp(0)]);
      await waitFor(async () => (await statusOf(c, running)) === 'running');
      d.proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(d.proc.exitCode, null, 'still running while a job executes');
      await assert.rejects(
        c.submitJob([delayOp(0)]),
        (e: unknown) => e instanceof GanetiError && e.cls === 'JobQueueError' && e.message === 'Job queue is shutting down, refusing job',
      );
      assert.equal(await statusOf(c, running), 'running', 'queries are answered while draining');
      assert.equal(await statusOf(c, queued), 'queued');
      const code = await d.exited;
      assert.equal(code, 0);
      assert.ok(!existsSync(node.paths.querySocket), 'socket removed');
      assert.ok(!existsSync(node.paths.masterdPidFile), 'pid file removed');

      d = await startDaemon(node);
      c = d.client();
      const [[opstatus]] = (await c.queryJobs([running], ['opstatus'])) as [unknown[]];
      assert.equal((opstatus as string[])[0], 'success', 'the running opcode completed before exit');
      assert.equal(await waitJob(c, running), 'success', 'the rest of the job runs after restart');
      assert.equal(await waitJob(c, queued), 'success', 'queued jobs run after restart');
      await d.stop();
    } finally {
      node.cleanup();
    }
  });

  it('a second signal exits at once; the interrupted job is failed at the next start', async () => {
    const node = await makeNode();
    try {
      let d = await startDaemon(node);
      let c = d.client();
      const id = await c.submitJob([delayOp(30)]);
      await waitFor(async () => (await statusOf(c, id)) === 'running');
      d.proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      d.proc.kill('SIGTERM');
      // A drain would wait out the 30-s opcode and exit 0: 143 is the second signal's exit.
      assert.equal(await d.exited, 143);
      d = await startDaemon(node);
      c = d.client();
      const [[st, res]] = (await c.queryJobs([id], ['status', 'opresult'])) as [unknown[]];
      assert.equal(st, 'error');
      assert.deepEqual(res, [['OpExecError', ['Unclean master daemon shutdown']]]);
      await d.stop('SIGINT');
    } finally {
      node.cleanup();
    }
  });
});
