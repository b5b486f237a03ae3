// A full log file system must not stop the master daemon: it keeps serving, submissions
// succeed and are durable, the lines it could not write are counted and reported once space
// returns, and SIGTERM still ends it cleanly. Needs root for a small tmpfs on var/log/ganeti.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {delayOp, makeNode, type Masterd, startMasterd, waitFor, waitJob} from '../helpers/cluster.js';
import {isRoot, mountTmpfs, rawExchange, report, scanQueue, setting} from './helpers.js';

const QUERIES = 15_000;

/** Fills the file system of `dir` up to the last block. */
function fill(dir: string): void {
  execFileSync('sh', ['-c', `dd if=/dev/zero of=${join(dir, 'filler')} bs=4096 2>/dev/null; true`]);
}

describe('log file system full', () => {
  it('the daemon keeps serving, submissions are durable, dropped lines are reported, SIGTERM exits', {
    skip: !isRoot && 'needs root to mount a tmpfs',
    timeout: 180_000,
  }, async () => {
    const jobs = setting('LOG_FULL_JOBS', 200, 5000);
    const node = await makeNode();
    mkdirSync(node.paths.logDir, {recursive: true});
    const unmount = mountTmpfs(node.paths.logDir, '4m');
    let d: Masterd | null = null;
    try {
      fill(node.paths.logDir);
      // -d: a debug line per request, so that the log has plenty to say.
      d = await startMasterd(node, {args: ['-d']});
      const c = d.client();
      const acked: number[] = [];
      const started = Date.now();
      for (let i = 0; i < jobs; i += 50) {
        const res = await c.submitManyJobs(Array.from({length: Math.min(50, jobs - i)}, () => [delayOp(0)]));
        for (const [ok, id] of res) {
          assert.equal(ok, true, `submission refused: ${String(id)}`);
          acked.push(id as number);
        }
      }
      acked.push(await c.submitJob([delayOp(0)]));
      for (const id of acked) assert.equal(await waitJob(c, id), 'success');
      // More to log than the daemon keeps for later (1 MiB): a debug line per request.
      const query = Buffer.from(`{"method": "QueryJobs", "args": [[${acked[0]}], ["status"]]}\x03`.repeat(QUERIES));
      const answers = await rawExchange(node.paths.querySocket, [query], QUERIES, 120_000);
      assert.equal(answers.replies.length, QUERIES, 'every query answered');
      const ms = Date.now() - started;
      const scan = scanQueue(node.paths);
      assert.deepEqual(
        acked.filter((id) => scan.jobs.get(id)?.status !== 'success'),
        [],
        'every job is on disk, finished',
      );

      rmSync(join(node.paths.logDir, 'filler'));
      await c.queryJobs([acked[0]!], ['status']);
      const log = (): string => readFileSync(node.paths.masterdLog, 'utf8');
      await waitFor(
        () => /log lines were dropped while the log file could not be written/.test(log()),
        20_000,
        'the report of dropped lines',
      );
      const dropped = Number(/"dropped":(\d+)/.exec(log())![1]);
      assert.ok(dropped > 0);

      fill(node.paths.logDir);
      acked.push(await c.submitJob([delayOp(0)]));
      assert.equal(await waitJob(c, acked.at(-1)!), 'success');
      const stopped = Date.now();
      assert.equal(await d.stop('SIGTERM'), 0, 'clean exit on SIGTERM with the log full');
      d = null;
      report(
        `log full: ${acked.length} jobs submitted and run and ${QUERIES} queries answered in ${ms} ms with var/log full; ${dropped} log lines dropped and reported ` +
          `once space returned; SIGTERM with the log full again: exit 0 after ${Date.now() - stopped} ms`,
      );
      assert.ok(!existsSync(node.paths.querySocket), 'the socket is gone');
    } finally {
      await d?.kill9();
      unmount();
      node.cleanup();
    }
  });
});
