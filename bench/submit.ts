// Submission, completion and wake-up latency figures for masterd (queries, memory and start-up
// over a big queue are bench/big-queue.ts).
// Usage: node --import tsx bench/submit.ts [--jobs N] [--clients K] [--submitters S] [--wake-samples S] [--rounds R]
// With --rounds R the held submissions, their completions and the sequential SubmitJob run R
// times and the best round is reported (each round's figure printed too), as bench/run-all.ts
// takes the best of its three samples of the disk: other load on the machine only lowers either.

import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {delayOp, makeNode, startDaemon, type Daemon, type TestNode} from '../test/helpers/cluster.js';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {durableWriteSync} from './durable-write.js';

const {values} = parseArgs({
  options: {
    jobs: {type: 'string', default: '10000'},
    clients: {type: 'string', default: '32'},
    submitters: {type: 'string', default: '4'},
    'wake-samples': {type: 'string', default: '300'},
    rounds: {type: 'string', default: '1'},
  },
});
const N = Number(values.jobs);
const K = Number(values.clients);
const S = Number(values.submitters);
const R = Math.max(1, Number(values.rounds));

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (x: number, d = 0): string => x.toFixed(d);

async function countUnfinished(c: LuxiClient): Promise<number> {
  const r = await c.query('job', ['id'], ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']]);
  return r.data.length;
}

async function untilDone(c: LuxiClient): Promise<void> {
  while ((await countUnfinished(c)) > 0) await new Promise((r) => setTimeout(r, 20));
}

async function submitMany(c: LuxiClient, n: number, batch = 1000): Promise<number[]> {
  const ids: number[] = [];
  for (let done = 0; done < n; done += batch) {
    const res = await c.submitManyJobs(Array.from({length: Math.min(batch, n - done)}, () => [delayOp(0)]));
    for (const r of res) ids.push(r[1] as number);
  }
  return ids;
}

/** A blocker job and the jobs held by it. */
interface Held {
  blocker: number;
  ids: number[];
  submitMs: number;
}

/**
 * Submissions and completions apart: jobs held by a dependency on a running blocker cannot
 * start, so their submission competes with no completion write. S connections submit at once,
 * so that one batch's files are on their way to the disk while the next batch is read and
 * checked (one connection leaves the disk idle for that time).
 */
async function submitHeld(daemon: Daemon, c: LuxiClient): Promise<Held> {
  const blocker = await c.submitJob([delayOp(3600)]);
  const held = (): Array<Record<string, unknown>> => [delayOp(0, {depends: [[blocker, ['success', 'error', 'canceled']]]})];
  const submitters = Array.from({length: S}, () => daemon.client());
  const ids: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    submitters.map(async (cl) => {
      while (next < N) {
        const n = Math.min(1000, N - next);
        next += n;
        for (const r of await cl.submitManyJobs(Array.from({length: n}, held))) ids.push(r[1] as number);
      }
    }),
  );
  const submitMs = performance.now() - t0;
  for (const cl of submitters) cl.close();
  return {blocker, ids, submitMs};
}

/** Kills the blocker; the time until none of its held jobs is unfinished. */
async function completeHeld(c: LuxiClient, h: Held): Promise<number> {
  const lo = Math.min(...h.ids);
  const hi = Math.max(...h.ids);
  const unfinished = [
    '&',
    ['>=', 'id', lo],
    ['<=', 'id', hi],
    ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']],
  ];
  const t0 = performance.now();
  await c.cancelJob(h.blocker, true);
  while ((await c.query('job', ['id'], unfinished)).data.length > 0) await new Promise((r) => setTimeout(r, 20));
  return performance.now() - t0;
}

/** 200 durable writes of a small file in `dir`, one after the other; their p50 in ms. */
function writeRound(dir: string, round: number): number {
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    durableWriteSync(dir, `w${round}-${i}`);
    times.push(performance.now() - s);
  }
  return pct(times, 50);
}

/**
 * One client, one request after the other: what a single `gnt-job submit` waits for. The jobs are
 * held by a dependency, so that no completion write competes with the submission's; their
 * blockers are returned, still running. After each round the bench makes 200 durable writes of
 * its own on the queue's file system: this disk's write time moved 0.24-0.83 ms between runs
 * minutes apart, so the ratio is taken round by round, the median of the rounds' ratios.
 */
async function sequentialRounds(c: LuxiClient, writeDir: string, say: (line: string) => void): Promise<number[]> {
  const blockers: number[] = [];
  const rounds: number[][] = [];
  const writes: number[] = [];
  for (let r = 0; r < R; r++) {
    const blocker = await c.submitJob([delayOp(3600)]);
    blockers.push(blocker);
    const seq: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      await c.submitJob([delayOp(0, {depends: [[blocker, ['success', 'error', 'canceled']]]})]);
      seq.push(performance.now() - s);
    }
    rounds.push(seq);
    writes.push(writeRound(writeDir, r));
  }
  const best = rounds.reduce((a, b) => (pct(b, 50) < pct(a, 50) ? b : a));
  const each = R === 1 ? '' : ` (best of ${R} rounds, p50s ${rounds.map((x) => fmt(pct(x, 50), 2)).join(', ')} ms)`;
  const ratios = rounds.map((x, r) => pct(x, 50) / writes[r]!);
  say(
    `sequential SubmitJob on one connection (200 jobs held by a dependency): p50 ${fmt(pct(best, 50), 2)} ms p99 ${fmt(pct(best, 99), 2)} ms${each}; paired with 200 durable writes after each round (p50s ${writes.map((w) => fmt(w, 2)).join(', ')} ms): ${fmt(pct(ratios, 50), 2)} × one durable write (median of the rounds' ratios ${ratios.map((x) => fmt(x, 2)).join(', ')})`,
  );
  return blockers;
}

/**
 * R rounds of held submissions and of sequential SubmitJob, then R rounds of completions: a
 * completion replaces (frees) the file of each job, and on an ext4 without a journal the file
 * creations of the minutes after that pay for it (docs/on-disk-layout.md, "Durability"), which
 * the disk's samples do not; submissions after completions would measure that. The best round of
 * each phase is the figure.
 */
async function phaseRounds(daemon: Daemon, node: TestNode, c: LuxiClient, say: (line: string) => void): Promise<void> {
  const rounds: Held[] = [];
  for (let r = 0; r < R; r++) rounds.push(await submitHeld(daemon, c));
  const writeDir = join(node.base, 'writes');
  mkdirSync(writeDir);
  const seqBlockers = await sequentialRounds(c, writeDir, say);
  await new Promise((r) => setTimeout(r, 500));
  const doneMs: number[] = [];
  for (const h of rounds) doneMs.push(await completeHeld(c, h));
  for (const b of seqBlockers) await c.cancelJob(b, true);
  await untilDone(c);
  await c.autoArchiveJobs(-1, 89);
  const rate = (ms: number): string => fmt(N / (ms / 1000));
  const each = (ms: number[]): string => (R === 1 ? '' : ` (best of ${R} rounds: ${ms.map(rate).join(', ')} jobs/s)`);
  const submitMs = rounds.map((h) => h.submitMs);
  const bestSubmit = Math.min(...submitMs);
  const bestDone = Math.min(...doneMs);
  say(
    `phase submissions alone (SubmitManyJobs, batches of 1000 from ${S} connection${S === 1 ? '' : 's'} at once, held by a dependency; 1 durable write/job: submitted, the held job's file stays queued): ${N} jobs in ${fmt(bestSubmit)} ms = ${rate(bestSubmit)} jobs/s${each(submitMs)}`,
  );
  say(
    `phase completions alone (the blocker killed, ${N} held jobs run; 1 durable write/job: finished): ${fmt(bestDone)} ms = ${rate(bestDone)} jobs/s completed${each(doneMs)}`,
  );
}

async function main(): Promise<void> {
  const node: TestNode = await makeNode();
  const daemon: Daemon = await startDaemon(node, ['--job-queue-size-limit', String(N * (R + 1) + 1000)]);
  const out: string[] = [];
  const say = (line: string): void => {
    out.push(line);
    console.log(line);
  };
  try {
    const c = daemon.client();
    say(`machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}`);
    await phaseRounds(daemon, node, c, say);

    let t0 = performance.now();
    await submitMany(c, N);
    const tSubmit = performance.now() - t0;
    await untilDone(c);
    const tAll = performance.now() - t0;
    say(`mixed: SubmitManyJobs (batches of 1000): ${N} jobs submitted durably in ${fmt(tSubmit)} ms = ${fmt(N / (tSubmit / 1000))} jobs/s`);
    say(`  completed (OP_TEST_DELAY 0) in ${fmt(tAll)} ms from first submit = ${fmt(N / (tAll / 1000))} jobs/s`);
    await c.autoArchiveJobs(-1, 89);

    const clients = Array.from({length: K}, () => daemon.client());
    t0 = performance.now();
    const per = Math.ceil(N / K);
    const lat: number[] = [];
    await Promise.all(
      clients.map(async (cl) => {
        for (let i = 0; i < per; i++) {
          const s = performance.now();
          await cl.submitJob([delayOp(0)]);
          lat.push(performance.now() - s);
        }
      }),
    );
    const tSingle = performance.now() - t0;
    await untilDone(c);
    const tSingleAll = performance.now() - t0;
    say(
      `SubmitJob from ${K} clients: ${per * K} jobs in ${fmt(tSingle)} ms = ${fmt((per * K) / (tSingle / 1000))} jobs/s; ack latency p50 ${fmt(pct(lat, 50), 2)} ms p99 ${fmt(pct(lat, 99), 2)} ms`,
    );
    say(`  completed in ${fmt(tSingleAll)} ms = ${fmt((per * K) / (tSingleAll / 1000))} jobs/s`);
    await c.autoArchiveJobs(-1, 89);

    // Wake-up latency: the waiter is blocked on WaitForJobChange when the job changes.
    const wakes: number[] = [];
    const waiter = daemon.client();
    for (let i = 0; i < Number(values['wake-samples']); i++) {
      const id = await c.submitJob([delayOp(0.005)]);
      let prev: unknown[] | null = null;
      for (;;) {
        const r = await waiter.waitForJobChange(id, ['status'], prev, null, 10);
        const now = performance.timeOrigin + performance.now();
        const [info] = r as [unknown[], unknown[]];
        if (info[0] === 'success') {
          const [[end]] = (await c.queryJobs([id], ['end_ts'])) as [[[number, number]]];
          if (prev !== null) wakes.push(now - (end[0] * 1000 + end[1] / 1000));
          break;
        }
        prev = info;
      }
    }
    say(
      `WaitForJobChange wake-up (job end -> waiter has the answer): p50 ${fmt(pct(wakes, 50), 2)} ms p99 ${fmt(pct(wakes, 99), 2)} ms (${wakes.length} samples)`,
    );
    await c.autoArchiveJobs(-1, 89);
  } finally {
    await daemon.stop();
    node.cleanup();
  }
}

await main();
