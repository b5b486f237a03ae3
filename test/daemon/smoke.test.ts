// The quick suite's end-to-end check of the real program: `ganeti masterd -f` as a process, a
// job submitted over its socket and followed to its end, `gnt-job list` run as a command, its log
// on stderr, and a clean exit on SIGTERM. The suites about the daemon's parts run in-process (helpers/in-process.ts);
// `npm run test:e2e` holds the other process suites (docs/testing.md).
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {delayOp, makeNode, REPO, runCli, startDaemon, waitJob} from '../helpers/cluster.js';

describe('masterd as a process', () => {
  it('starts, runs a job submitted over its socket, lists it with gnt-job and exits 0 on SIGTERM', async () => {
    const node = await makeNode();
    try {
      const d = await startDaemon(node);
      const c = d.client();
      const id = await c.submitJob([delayOp(0.01)]);
      assert.equal(await waitJob(c, id), 'success');
      const list = await runCli(node, ['list', '--no-headers', '--separator=|', String(id)], {bin: join(REPO, 'bin', 'gnt-job.js')});
      assert.deepEqual(list, {code: 0, stdout: `${id}|success|TEST_DELAY(1.0e-2)\n`, stderr: ''});
      assert.equal(await d.stop('SIGTERM'), 0);
      // stderr is a pipe here, as under systemd: the log file's JSON lines, not pino-pretty's text.
      const lines = d
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as {msg?: string; name?: string; job?: number; audit?: string});
      assert.ok(
        lines.some((l) => l.name === 'masterd' && l.msg === 'master daemon ready'),
        `no JSON "ready" line on stderr:\n${d.output().slice(0, 2000)}`,
      );
      assert.ok(lines.some((l) => l.audit === 'job-end' && l.job === id));
      assert.ok(!existsSync(node.paths.querySocket), 'the socket is removed');
      assert.ok(!existsSync(node.paths.masterdPidFile), 'the pid file is removed');
    } finally {
      node.cleanup();
    }
  });
});
