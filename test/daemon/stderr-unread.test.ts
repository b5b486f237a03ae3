// masterd -f logs readable lines to stderr too: a stderr nobody reads (a pipe whose reader
// hangs) must not stop the daemon. The lines are best effort: once 1 MiB waits, more are dropped.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {describe, it} from 'node:test';
import {LuxiClient} from '../../src/protocol/client.js';
import {BIN, BIN_NODE_ARGS, delayOp, makeNode, untilAnswering, waitFor} from '../helpers/cluster.js';

describe('masterd -f with an unread stderr', () => {
  it('keeps serving after far more log than a pipe holds', async () => {
    const node = await makeNode();
    // stdout ignored, stderr a pipe this test never reads from
    const proc = spawn(process.execPath, [...BIN_NODE_ARGS, BIN, 'masterd', '-f', '--shutdown-linger', '0'], {
      env: node.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const c = new LuxiClient({paths: node.paths, timeoutMs: 60_000});
    try {
      await untilAnswering(c);
      // Each job logs its submission and its end: 4,000 jobs are several hundred KiB of lines.
      for (let i = 0; i < 40; i++) await c.submitManyJobs(Array.from({length: 100}, () => [delayOp(0)]));
      await waitFor(
        async () => ((await c.queryJobs([4000], ['status'])) as Array<[string]>)[0]?.[0] === 'success',
        60_000,
        'the last job to succeed',
      );
      assert.deepEqual(await c.queryJobs([1], ['status']), [['success']]);
    } finally {
      c.close();
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      node.cleanup();
    }
  });
});
