// Submission, completion, wake-up latency, query and start-up figures for masterd.
// Usage: node --import tsx bench/submit.ts [--jobs N] [--clients K] [--big 100000 (0: none)]

import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {delayOp, makeNode, startDaemon, type Daemon, type TestNode} from '../test/helpers/cluster.js';

const {values} = parseArgs({
  options: {
    jobs: {type: 'string', default: '10000'},
    clients: {type: 'string', default: '32'},
    big: {type: 'string', default: '100000'},
    'wake-samples': {type: 'string', default: '300'},
  },
});
const N = Number(values.jobs);
const K = Number(values.clients);
const BIG = Number(values.big);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
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
 * releases them all at once.
 */
async function phases(c: LuxiClient, say: (line: string) => void): Promise<void> {
  const blocker = await c.submitJob([delayOp(3600)]);
  const held = (): Array<Record<string, unknown>> => [delayOp(0, {depends: [[blocker, ['success', 'error', 'canceled']]]})];
  let t0 = performance.now();
  for (let done = 0; done < N; done += 1000) await c.submitManyJobs(Array.from({length: Math.min(1000, N - done)}, held));
  const tSubmit = performance.now() - t0;
  say(
    `phase submissions alone (SubmitManyJobs, batches of 1000, held by a dependency; 2 durable writes/job: submitted, waiting): ${N} jobs in ${fmt(tSubmit)} ms = ${fmt(N / (tSubmit / 1000))} jobs/s`,
  );
  await new Promise((r) => setTimeout(r, 500));
  t0 = performance.now();
  await c.cancelJob(blocker, true);
  await untilDone(c);
  const tDone = performance.now() - t0;
  say(
    `phase completions alone (the blocker killed, ${N} held jobs run; 1 durable write/job: finished): ${fmt(tDone)} ms = ${fmt(N / (tDone / 1000))} jobs/s completed`,
  );
  await c.autoArchiveJobs(-1, 89);
}

async function main(): Promise<void> {
  const node: TestNode = await makeNode();
  let daemon: Daemon = await startDaemon(node, ['--job-queue-size-limit', String(BIG * 2 + N * 4)]);
  const out: string[] = [];
  const say = (line: string): void => {
    out.push(line);
    console.log(line);
  };
  try {
    const c = daemon.client();
    say(`machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}`);
    await phases(c, say);

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
    const blocker = await c.submitJob([delayOp(3600)]);
    const seq: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      await c.submitJob([delayOp(0, {depends: [[blocker, ['success', 'error', 'canceled']]]})]);
      seq.push(performance.now() - s);
    }
    say(
      `sequential SubmitJob on one connection (200 jobs held by a dependency): p50 ${fmt(pct(seq, 50), 2)} ms p99 ${fmt(pct(seq, 99), 2)} ms`,
    );
    await c.cancelJob(blocker, true);
    await untilDone(c);
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

    // --big 0 leaves the big queue to bench/big-queue.ts (npm run bench does).
    if (BIG === 0) return;
    let total = 0;
    for (const target of [...new Set([1000, 10000, BIG])].filter((t) => t <= BIG).sort((a, b) => a - b)) {
      await submitMany(c, target - total);
      total = target;
      await untilDone(c);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = performance.now();
        const r = await c.query('job', ['id', 'status', 'summary'], null);
        times.push(performance.now() - s);
        if (r.data.length !== target) throw new Error(`expected ${target} rows, got ${r.data.length}`);
      }
      say(`Query(job, [id,status,summary]) over ${target} jobs: ${fmt(Math.min(...times))} ms (best of 3)`);
    }
    say(`daemon RSS with ${total} live jobs: ${fmt(rssMiB(daemon.proc.pid!))} MiB`);

    await daemon.stop();
    t0 = performance.now();
    daemon = await startDaemon(node, ['--job-queue-size-limit', String(BIG * 2 + N * 4)]);
    const tStart = performance.now() - t0;
    say(
      `start-up with ${total} job files (process start to socket accepting): ${fmt(tStart)} ms; RSS ${fmt(rssMiB(daemon.proc.pid!))} MiB`,
    );
  } finally {
    await daemon.stop();
    node.cleanup();
  }
}

await main();
