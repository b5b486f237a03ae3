// The figures that need a big queue, from one queue filled once (issue 14, targets 4, 5 and 6):
// Query(job, [id,status,summary]) over 1,000 / 10,000 / N jobs, `gnt-job list` over N jobs,
// the daemon's RSS after running N jobs, what idle `gnt-job top` monitors cost the daemon at N
// jobs, and after a restart with N job files: start-up time and RSS.
// Usage: node --import tsx bench/big-queue.ts [--jobs 100000] [--idle-seconds 5]
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {JobMonitor} from '../src/ui/job-monitor.js';
import {delayOp, makeNode, startDaemon, type Daemon} from '../test/helpers/cluster.js';

const {values} = parseArgs({options: {jobs: {type: 'string', default: '100000'}, 'idle-seconds': {type: 'string', default: '5'}}});
const N = Number(values.jobs);
const IDLE_S = Number(values['idle-seconds']);
const GNT_JOB = join(import.meta.dirname, '..', 'bin', 'gnt-job.js');
const TICK_S = 1 / 100; // USER_HZ on Linux

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_S;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function untilDone(c: LuxiClient): Promise<void> {
  for (;;) {
    const open = await c.query('job', ['id'], ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']]);
    if (open.data.length === 0) return;
    await sleep(200);
  }
}

function listWallMs(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [GNT_JOB, 'list'], {env, stdio: ['ignore', 'pipe', 'inherit']});
    p.stdout.resume();
    p.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`gnt-job list exited ${code}`))));
  });
}

const node = await makeNode();
const limit = ['--job-queue-size-limit', String(N + 1000)];
let daemon: Daemon = await startDaemon(node, limit);
try {
  console.log(`machine: ${cpus().length} cores, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`);
  const c = daemon.client();
  let total = 0;
  for (const level of [...new Set([1000, 10000, N])].filter((l) => l <= N).sort((a, b) => a - b)) {
    for (; total < level; total += 1000) await c.submitManyJobs(Array.from({length: Math.min(1000, level - total)}, () => [delayOp(0)]));
    total = level;
    await untilDone(c);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      const r = await c.query('job', ['id', 'status', 'summary'], null);
      times.push(performance.now() - s);
      if (r.data.length !== level) throw new Error(`expected ${level} rows, got ${r.data.length}`);
    }
    console.log(`Query(job, [id,status,summary]) over ${level} jobs: ${Math.min(...times).toFixed(0)} ms (best of 3)`);
  }
  c.close();
  await sleep(3000);
  const rssRan = rssMiB(daemon.pid());
  // masterd gives the young generation back in a collection after 6 quiet seconds (docs/architecture.md, "Memory").
  await sleep(7000);
  console.log(
    `daemon RSS after running ${N} jobs (all still in the queue): ${rssRan.toFixed(0)} MiB 3 s later, ${rssMiB(daemon.pid()).toFixed(0)} MiB 10 s later (target < 300)`,
  );

  const lists: number[] = [];
  for (let i = 0; i < 3; i++) lists.push(await listWallMs(node.env));
  console.log(
    `gnt-job list over ${N} jobs (process start to exit): ${[...lists].sort((a, b) => a - b)[1]!.toFixed(0)} ms (median of 3; target < 1000)`,
  );

  const pid = daemon.pid();
  for (const viewers of [0, 1, 3]) {
    const monitors = Array.from({length: viewers}, () => new JobMonitor({intervalMs: 50, client: {paths: node.paths}}));
    for (const m of monitors) m.start();
    // Idle means after each monitor's first full read of the table (seconds of daemon CPU for
    // three at 100,000 jobs), after its polls have slowed down for want of changes, and after
    // that read's garbage is gone: masterd collects 1 s and 7 s after the read's large answer,
    // and V8's memory reducer follows with up to three full collections of its own 10-18 s
    // after the read (250 ms of CPU over a 100,000-job heap, 1.3% of a 20 s window).
    while (!monitors.every((m) => m.getSnapshot().loaded)) await sleep(50);
    await sleep(25_000);
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(IDLE_S * 1000);
    const share = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
    for (const m of monitors) m.stop();
    console.log(
      `idle monitor cost at ${N} jobs, ${viewers} gnt-job top (50 ms polls): masterd ${(share * 100).toFixed(1)}% of a core (target ≤ ${viewers}%)`,
    );
  }

  await daemon.stop();
  const t0 = performance.now();
  daemon = await startDaemon(node, limit);
  const tStart = performance.now() - t0;
  const rssReady = rssMiB(daemon.pid());
  await sleep(3000);
  const rss3 = rssMiB(daemon.pid());
  await sleep(7000);
  console.log(
    `start-up with ${N} job files (process start to socket accepting): ${tStart.toFixed(0)} ms; RSS ${rssReady.toFixed(0)} MiB then, ${rss3.toFixed(0)} MiB 3 s later, ${rssMiB(daemon.pid()).toFixed(0)} MiB 10 s later (target < 150)`,
  );
} finally {
  await daemon.stop();
  node.cleanup();
}
