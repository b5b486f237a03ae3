// Submission, completion and wake-up latency figures for masterd (queries, memory and start-up
// over a big queue are bench/big-queue.ts).
// Usage: node --import tsx bench/submit.ts [--jobs N] [--clients K] [--submitters S] [--wake-samples S] [--rounds R]
// With --rounds R the held-submission phases and the sequential SubmitJob run R times and the best
// round is reported (each round's figure printed too), as bench/run-all.ts takes the best of its
// three samples of the disk: other load on the machine only lowers either.

import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {delayOp, makeNode, startDaemon, type Daemon, type TestNode} from '../test/helpers/cluster.js';

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

/**
 * Submissions and completions apart: jobs held by a dependency on a running blocker cannot
 * start, so their submission competes with no completion write; killing the blocker then
 * releases them all at once. S connections submit at once, so that one batch's files are on
 * their way to the disk while the next batch is read and checked (one connection leaves the
 * disk idle for that time).
 */
async function phases(daemon: Daemon, c: LuxiClient): Promise<{submitMs: number; doneMs: number}> {
  const blocker = await c.submitJob([delayOp(3600)]);
  const held = (): Array<Record<string, unknown>> => [delayOp(0, {depends: [[blocker, ['success', 'error', 'canceled']]]})];
  const submitters = Array.from({length: S}, () => daemon.client());
  let next = 0;
  let t0 = performance.now();
  await Promise.all(
    submitters.map(async (cl) => {
      while (next < N) {
        const n = Math.min(1000, N - next);
        next += n;
        await cl.submitManyJobs(Array.from({length: n}, held));
      }
    }),
  );
  const submitMs = performance.now() - t0;
  for (const cl of submitters) cl.close();
  await new Promise((r) => setTimeout(r, 500));
  t0 = performance.now();
  await c.cancelJob(blocker, true);
  await untilDone(c);
  const doneMs = performance.now() - t0;
  await c.autoArchiveJobs(-1, 89);
  return {submitMs, doneMs};
}

/** Rounds of phases(); the best round of each phase is the figure. */
async function phaseRounds(daemon: Daemon, c: LuxiClient, say: (line: string) => void): Promise<void> {
  const rounds: Array<{submitMs: number; doneMs: number}> = [];
  for (let r = 0; r < R; r++) rounds.push(await phases(daemon, c));
  const rate = (ms: number): string => fmt(N / (ms / 1000));
  const each = (k: 'submitMs' | 'doneMs'): string =>
    R === 1 ? '' : ` (best of ${R} rounds: ${rounds.map((x) => rate(x[k])).join(', ')} jobs/s)`;
  const submitMs = Math.min(...rounds.map((x) => x.submitMs));
  const doneMs = Math.min(...rounds.map((x) => x.doneMs));
  say(
    `phase submissions alone (SubmitManyJobs, batches of 1000 from ${S} connection${S === 1 ? '' : 's'} at once, held by a dependency; 1 durable write/job: submitted, the held job's file stays queued): ${N} jobs in ${fmt(submitMs)} ms = ${rate(submitMs)} jobs/s${each('submitMs')}`,
  );
  say(
    `phase completions alone (the blocker killed, ${N} held jobs run; 1 durable write/job: finished): ${fmt(doneMs)} ms = ${rate(doneMs)} jobs/s completed${each('doneMs')}`,
  );
}

async function main(): Promise<void> {
  const node: TestNode = await makeNode();
  const daemon: Daemon = await startDaemon(node, ['--job-queue-size-limit', String(N * 4)]);
  const out: string[] = [];
  const say = (line: string): void => {
    out.push(line);
    console.log(line);
  };
  try {
    const c = daemon.client();
    say(`machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}`);
    await phaseRounds(daemon, c, say);

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

    // One client, one request after the other: what a single `gnt-job submit` waits for. The jobs
    // are held by a dependency, so that no completion write competes with the submission's.
    const seqRounds: number[][] = [];
    for (let r = 0; r < R; r++) {
      const blocker = await c.submitJob([delayOp(3600)]);
      const seq: number[] = [];
      for (let i = 0; i < 200; i++) {
        const s = performance.now();
        await c.submitJob([delayOp(0, {depends: [[blocker, ['success', 'error', 'canceled']]]})]);
        seq.push(performance.now() - s);
      }
      seqRounds.push(seq);
      await c.cancelJob(blocker, true);
      await untilDone(c);
      await c.autoArchiveJobs(-1, 89);
    }
    const seqBest = seqRounds.reduce((a, b) => (pct(b, 50) < pct(a, 50) ? b : a));
    const seqEach = R === 1 ? '' : ` (best of ${R} rounds, p50s ${seqRounds.map((x) => fmt(pct(x, 50), 2)).join(', ')} ms)`;
    say(
      `sequential SubmitJob on one connection (200 jobs held by a dependency): p50 ${fmt(pct(seqBest, 50), 2)} ms p99 ${fmt(pct(seqBest, 99), 2)} ms${seqEach}`,
    );

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
