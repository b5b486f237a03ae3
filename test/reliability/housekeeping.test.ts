// Housekeeping under a steady stream of jobs: a daemon with automatic archiving and archive
// retention runs short jobs submitted at a steady rate against a live-job limit far smaller
// than the number of jobs, and never refuses one. At the end no finished job stays live and
// no archived file outlives the retention.
//   npm test:                  300 jobs over 5 s, limit 200, --auto-archive-age 1s --archive-retention 2s
//   npm run test:reliability (RELIABILITY_LONG=1):
//                           20,000 jobs over 60 s, the default limit (5,000), 2s / 4s
//                        1,000,000 jobs over 3,000 s (the same 333 jobs/s), the default limit, 2s / 4s
// HOUSEKEEPING_JOBS/_SECONDS/_LIMIT change the first form, HOUSEKEEPING_MILLION_JOBS/_SECONDS
// the second.
import assert from 'node:assert/strict';
import {createReadStream, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {describe, it} from 'node:test';
import {delayOp, makeNode, runCli, startMasterd, waitFor, type Masterd} from '../helpers/cluster.js';
import {LONG, report, setting, sleep} from './helpers.js';

const JOBS = setting('HOUSEKEEPING_JOBS', 300, 20_000);
const SECONDS = setting('HOUSEKEEPING_SECONDS', 5, 60);
const LIMIT = setting('HOUSEKEEPING_LIMIT', 200, 5000);
const MILLION_JOBS = setting('HOUSEKEEPING_MILLION_JOBS', 1_000_000, 1_000_000);
const MILLION_SECONDS = setting('HOUSEKEEPING_MILLION_SECONDS', 3000, 3000);
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

/** The audit trail's job-end lines by status (read as a stream: a million jobs log ~300 MB). */
async function jobEnds(logPath: string): Promise<Map<string, number>> {
  const by = new Map<string, number>();
  const lines = createInterface({input: createReadStream(logPath, {encoding: 'utf8'}), crlfDelay: Infinity});
  for await (const line of lines) {
    if (!line.includes('"audit":"job-end"')) continue;
    const status = (JSON.parse(line) as {status: string}).status;
    by.set(status, (by.get(status) ?? 0) + 1);
  }
  return by;
}

async function steadyStream(jobs: number, seconds: number, limit: number): Promise<void> {
  const node = await makeNode();
  let d: Masterd | null = null;
  try {
    const limitArgs = limit === 5000 ? [] : ['--job-queue-size-limit', String(limit)];
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
      while (submitted < jobs) {
        const live = ((await q.queryJobs(null, ['id'])) as unknown[]).length;
        maxLive = Math.max(maxLive, live);
        maxArchiveAgeS = Math.max(maxArchiveAgeS, archiveFiles(node.paths.archiveDir).oldestS);
        sampled++;
        await sleep(250);
      }
    })();
    // A steady rate of jobs/seconds: a client that fell behind (a loaded machine slows its
    // submissions) catches up by at most one second's worth, never in a burst faster than
    // the rate (which a full queue rightly refuses); submitSeconds tells how long it took.
    const rate = jobs / seconds;
    let credit = 0;
    let last = started;
    while (submitted < jobs) {
      const now = Date.now();
      credit = Math.min(credit + (rate * (now - last)) / 1000, Math.max(rate, LONG ? 500 : 20));
      last = now;
      const n = Math.min(LONG ? 500 : 20, Math.floor(credit), jobs - submitted);
      if (n > 0) {
        credit -= n;
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

    const ends = await jobEnds(node.paths.masterdLog);
    assert.equal(
      [...ends.values()].reduce((a, b) => a + b, 0),
      jobs,
      'one job-end line per job',
    );
    assert.equal(ends.get('success'), jobs, 'every job succeeded');
    report(
      `housekeeping: ${jobs} jobs submitted in ${submitSeconds.toFixed(1)} s (limit ${limit}, age ${AGE}, retention ${RETENTION}): ` +
        `0 refused, at most ${maxLive} live jobs and an oldest archived file of ${maxArchiveAgeS.toFixed(1)} s in ${sampled} samples`,
    );
  } finally {
    await d?.stop();
    node.cleanup();
  }
}

describe('queue housekeeping under load', () => {
  it(
    `${JOBS} jobs over ${SECONDS} s with a limit of ${LIMIT}: none refused, the queue and the archive stay bounded`,
    {timeout: 120_000 + SECONDS * 3000},
    () => steadyStream(JOBS, SECONDS, LIMIT),
  );
  it(
    `${MILLION_JOBS} jobs over ${MILLION_SECONDS} s with the default limit: none refused, the queue and the archive stay bounded`,
    {timeout: 600_000 + MILLION_SECONDS * 3000, skip: !LONG && 'a million jobs: npm run test:reliability (RELIABILITY_LONG=1)'},
    () => steadyStream(MILLION_JOBS, MILLION_SECONDS, 5000),
  );
});
