// Housekeeping under a steady stream of jobs: a daemon with automatic archiving and archive
// retention runs HOUSEKEEPING_JOBS short jobs submitted over HOUSEKEEPING_SECONDS against a
// live-job limit that is far smaller than the number of jobs, and never refuses one. At the
// end no finished job stays live and no archived file outlives the retention.
//   npm test:                300 jobs over 5 s, limit 200, --auto-archive-age 1s --archive-retention 2s
//   RELIABILITY_LONG=1:   20,000 jobs over 60 s, the default limit (5,000), 2s / 4s
//   HOUSEKEEPING_JOBS=1000000 HOUSEKEEPING_SECONDS=3600 RELIABILITY_LONG=1: the million-job form
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {delayOp, makeNode, runCli, startMasterd, waitFor, type Masterd} from '../helpers/cluster.js';
import {LONG, report, setting, sleep} from './helpers.js';

const JOBS = setting('HOUSEKEEPING_JOBS', 300, 20_000);
const SECONDS = setting('HOUSEKEEPING_SECONDS', 5, 60);
const LIMIT = setting('HOUSEKEEPING_LIMIT', 200, 5000);
const AGE = LONG ? '2s' : '1s';
const RETENTION = LONG ? '4s' : '2s';

/** Archived job files and the age in seconds of the oldest one. */
function archiveFiles(archiveDir: string): {count: number; oldestS: number} {
  let count = 0;
  let oldest = Infinity;
  let buckets: string[] = [];
  try {
    buckets = readdirSync(archiveDir);
  } catch {
    return {count: 0, oldestS: 0};
  }
  for (const b of buckets) {
    let names: string[] = [];
    try {
      names = readdirSync(join(archiveDir, b));
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        oldest = Math.min(oldest, statSync(join(archiveDir, b, n)).mtimeMs);
        count++;
      } catch {
        // deleted meanwhile
      }
    }
  }
  return {count, oldestS: count === 0 ? 0 : (Date.now() - oldest) / 1000};
}

describe('queue housekeeping under load', () => {
  it(`${JOBS} jobs over ${SECONDS} s with a limit of ${LIMIT}: none refused, the queue and the archive stay bounded`, {timeout: 120_000 + SECONDS * 3000}, async () => {
    const node = await makeNode();
    let d: Masterd | null = null;
    try {
      const limitArgs = LIMIT === 5000 ? [] : ['--job-queue-size-limit', String(LIMIT)];
      d = await startMasterd(node, {args: ['--auto-archive-age', AGE, '--archive-retention', RETENTION, ...limitArgs]});
      const c = d.client({timeoutMs: 120_000});
      const refused: string[] = [];
      let submitted = 0;
      let maxLive = 0;
      let maxArchiveAgeS = 0;
      let sampled = 0;
      const started = Date.now();
      const sampler = (async () => {
        const q = d.client();
        while (submitted < JOBS) {
          const live = ((await q.queryJobs(null, ['id'])) as unknown[]).length;
          maxLive = Math.max(maxLive, live);
          maxArchiveAgeS = Math.max(maxArchiveAgeS, archiveFiles(node.paths.archiveDir).oldestS);
          sampled++;
          await sleep(250);
        }
      })();
      while (submitted < JOBS) {
        const due = Math.min(JOBS, Math.ceil((JOBS * (Date.now() - started)) / (SECONDS * 1000)));
        const n = Math.min(LONG ? 500 : 20, due - submitted);
        if (n > 0) {
          try {
            const res = await c.submitManyJobs(Array.from({length: n}, () => [delayOp(0)]));
            for (const r of res) if (r[0] !== true) refused.push(String(r[1]));
          } catch (err) {
            refused.push(`${n} jobs: ${(err as Error).message}`);
          }
          submitted += n;
        }
        await sleep(20);
      }
      const submitSeconds = (Date.now() - started) / 1000;
      await sampler;
      assert.deepEqual(refused.slice(0, 5), [], `${refused.length} submissions refused`);

      // gnt-job list --archived keeps working while housekeeping moves and deletes files.
      const listed = await runCli(node, ['job', 'list', '--archived', '--no-headers', '-o', 'id,status,archived']);
      assert.equal(listed.code, 0, listed.stderr);

      const archiveDir = node.paths.archiveDir;
      await waitFor(async () => ((await c.queryJobs(null, ['id'])) as unknown[]).length === 0, 60_000, 'every job to finish and be archived');
      await waitFor(() => archiveFiles(archiveDir).count === 0, 60_000, 'the archive to be emptied by the retention');

      const lines = readFileSync(node.paths.masterdLog, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"audit":"job-end"'))
        .map((l) => JSON.parse(l) as {status: string});
      assert.equal(lines.length, JOBS, 'one job-end line per job');
      assert.equal(lines.filter((l) => l.status === 'success').length, JOBS, 'every job succeeded');
      report(
        `housekeeping: ${JOBS} jobs submitted in ${submitSeconds.toFixed(1)} s (limit ${LIMIT}, age ${AGE}, retention ${RETENTION}): ` +
          `0 refused, at most ${maxLive} live jobs and an oldest archived file of ${maxArchiveAgeS.toFixed(1)} s in ${sampled} samples`,
      );
    } finally {
      await d?.stop();
      node.cleanup();
    }
  });
});
