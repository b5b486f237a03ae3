// gnt-job start-up and `gnt-job list` wall time (process start to exit, output read through a
// pipe) with 1,000 / 10,000 / 100,000 jobs in the queue, against the real daemon.
// Targets: start-up (`gnt-job list` on an empty queue) < 300 ms; `gnt-job list` with 100,000
// jobs < 1 s. The stock Python gnt-job is measured too when it is installed, for reference.
// Usage: node --import tsx bench/gnt-job-list.ts [--levels 1000,10000,100000] [--runs 5]
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {cpus} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {delayOp, makeNode, startDaemon, type Daemon, type TestNode} from '../test/helpers/cluster.js';

const {values} = parseArgs({
  options: {
    levels: {type: 'string', default: '1000,10000,100000'},
    runs: {type: 'string', default: '5'},
  },
});
const LEVELS = values.levels.split(',').map(Number);
const RUNS = Number(values.runs);
const GNT_JOB = join(import.meta.dirname, '..', 'bin', 'gnt-job.js');
const STOCK = '/usr/share/ganeti/3.0/gnt-job';
const BATCH = 1000;

interface Run {
  ms: number;
  bytes: number;
  code: number | null;
}

/** Wall time of one command, its stdout drained through a pipe. */
function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const proc = spawn(cmd, args, {env, stdio: ['ignore', 'pipe', 'inherit']});
    let bytes = 0;
    proc.stdout.on('data', (d: Buffer) => (bytes += d.length));
    proc.on('exit', (code) => resolve({ms: performance.now() - t0, bytes, code}));
  });
}

async function measure(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  runs: number,
): Promise<{median: number; min: number; max: number; bytes: number}> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const r = await timeCommand(cmd, args, env);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}`);
    times.push(r.ms);
    bytes = r.bytes;
  }
  times.sort((a, b) => a - b);
  return {median: times[Math.floor(times.length / 2)]!, min: times[0]!, max: times.at(-1)!, bytes};
}

const fmt = (m: {median: number; min: number; max: number}): string =>
  `${m.median.toFixed(0)} ms (median of ${RUNS}; min ${m.min.toFixed(0)}, max ${m.max.toFixed(0)})`;

async function fill(c: LuxiClient, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n += BATCH) {
    const res = await c.submitManyJobs(Array.from({length: Math.min(BATCH, to - n)}, () => [delayOp(0)]));
    const failed = res.find((r) => !r[0]);
    if (failed !== undefined) throw new Error(`submission failed: ${String(failed[1])}`);
  }
  // Let them finish, so that every run lists the same table.
  const pending = ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']];
  while ((await c.query('job', ['id'], pending)).data.length > 0) await new Promise((r) => setTimeout(r, 100));
}

async function main(): Promise<void> {
  const node: TestNode = await makeNode();
  const daemon: Daemon = await startDaemon(node, ['--job-queue-size-limit', '200000']);
  const ours = (args: string[]): Promise<{median: number; min: number; max: number; bytes: number}> =>
    measure(process.execPath, [GNT_JOB, ...args], node.env, RUNS);
  const stockEnv = {...node.env, PYTHONPATH: '/usr/share/ganeti/3.0'};
  const haveStock = existsSync(STOCK);
  try {
    const c = daemon.client();
    console.log(`machine: ${cpus().length} cores, node ${process.version}`);
    // Warm the file cache before the first figure.
    await timeCommand(process.execPath, [GNT_JOB, 'list'], node.env);
    console.log(`gnt-job list --help (start-up without the daemon): ${fmt(await ours(['list', '--help']))}`);
    console.log(`gnt-job list, empty queue (start-up): ${fmt(await ours(['list']))}`);
    if (haveStock) {
      const stock = await measure('/usr/bin/python3', [STOCK, 'list'], stockEnv, RUNS);
      console.log(`stock gnt-job list (Python, reference), empty queue: ${fmt(stock)}`);
    }

    let have = 0;
    for (const level of LEVELS) {
      const t0 = performance.now();
      await fill(c, have, level);
      have = level;
      const fillS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const q = await c.query('job', ['id', 'status', 'summary'], null);
      const queryMs = performance.now() - t1;
      if (q.data.length !== level) throw new Error(`expected ${level} jobs, the daemon lists ${q.data.length}`);
      const list = await ours(['list']);
      console.log(`gnt-job list, ${level} jobs: ${fmt(list)}, ${(list.bytes / 1024).toFixed(0)} KiB output`);
      console.log(
        `  Query call alone (LUXI round trip in an open client), ${level} jobs: ${queryMs.toFixed(0)} ms (queue filled in ${fillS.toFixed(1)} s)`,
      );
      if (haveStock) {
        const stock = await measure('/usr/bin/python3', [STOCK, 'list'], stockEnv, Math.min(RUNS, 3));
        console.log(`  stock gnt-job list (Python, reference), ${level} jobs: ${fmt(stock)}`);
      }
    }
  } finally {
    await daemon.stop();
    node.cleanup();
  }
}

await main();
