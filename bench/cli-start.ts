// Command start-up, paired with the stock Python gnt-job (issue 14, target 2: each ≤ 0.6 × stock):
// `gnt-job list` on an empty queue, `gnt-job --help`, `gnt-job list` with 1,000 jobs, and for
// reference `gnt-job list --help` and a bare `node -e 0`. Ours and stock run alternately
// against the same daemon (which of the two goes first alternates too); each figure is the
// median of the runs, wall time (process start to exit) and CPU time (user + system of the
// process and its threads, from bash's `times`). The ratio of the medians is the figure that
// counts; the median of the per-pair ratios is printed beside it.
// Usage: node --import tsx bench/cli-start.ts [--runs 11] [--jobs 1000] [--json]
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {delayOp, makeNode, settleQueue, startDaemon} from '../test/helpers/cluster.js';

const {values} = parseArgs({
  options: {
    runs: {type: 'string', default: '11'},
    jobs: {type: 'string', default: '1000'},
    json: {type: 'boolean', default: false},
  },
});
const RUNS = Number(values.runs);
const JOBS = Number(values.jobs);
// Started as an operator types it: the file itself, through its #! line (which drops
// NODE_EXTRA_CA_CERTS, see docs/cli-startup.md), as stock's is through its own.
const GNT_JOB = join(import.meta.dirname, '..', 'bin', 'gnt-job');
const STOCK_DIR = '/usr/share/ganeti/3.0';
const STOCK = [`${STOCK_DIR}/gnt-job`, '/usr/sbin/gnt-job'].find((p) => existsSync(p));

interface Sample {
  wallMs: number;
  cpuMs: number;
  stdout: string;
}

/**
 * One run under bash, which times the command alone: wall time from $EPOCHREALTIME around it,
 * CPU time from `times` (getrusage of the children: every thread of the command).
 */
function timed(argv: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const script = 's=$EPOCHREALTIME; "$@" >"$OUT" 2>/dev/null; e=$EPOCHREALTIME; echo "$s $e"; times';
  return new Promise((resolve, reject) => {
    const out = `/dev/shm/ganeti-ts-cli-start-${process.pid}.out`;
    const p = spawn('bash', ['-c', script, 'bash', ...argv], {env: {...env, OUT: out}, stdio: ['ignore', 'pipe', 'inherit']});
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.on('close', async (code) => {
      if (code !== 0) return reject(new Error(`bash exited ${code}`));
      const [times, , children] = text.trim().split('\n');
      const [s, e] = times!.split(' ').map(Number);
      const secs = (t: string): number => {
        const m = /(\d+)m([\d.]+)s/.exec(t)!;
        return Number(m[1]) * 60 + Number(m[2]);
      };
      const [user, sys] = children!.trim().split(/\s+/).map(secs);
      const {readFileSync, rmSync} = await import('node:fs');
      const stdout = readFileSync(out, 'utf8');
      rmSync(out, {force: true});
      resolve({wallMs: (e! - s!) * 1000, cpuMs: (user! + sys!) * 1000, stdout});
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Pair {
  name: string;
  oursWall: number;
  stockWall: number;
  oursCpu: number;
  stockCpu: number;
  /** median of the per-run ratios ours/stock (wall) */
  pairedWall: number;
  target: boolean;
}

async function paired(name: string, args: string[], env: NodeJS.ProcessEnv, target: boolean): Promise<Pair> {
  const ours: Sample[] = [];
  const stock: Sample[] = [];
  const stockEnv = {...env, PYTHONPATH: STOCK_DIR};
  // One of each first, not counted: the file cache and our V8 code cache.
  await timed([GNT_JOB, ...args], env);
  await timed(['/usr/bin/python3', STOCK!, ...args], stockEnv);
  for (let i = 0; i < RUNS; i++) {
    const a = (): Promise<Sample> => timed([GNT_JOB, ...args], env);
    const b = (): Promise<Sample> => timed(['/usr/bin/python3', STOCK!, ...args], stockEnv);
    if (i % 2 === 0) {
      ours.push(await a());
      stock.push(await b());
    } else {
      stock.push(await b());
      ours.push(await a());
    }
  }
  if (ours[0]!.stdout !== stock[0]!.stdout && !args.includes('--help')) {
    throw new Error(`gnt-job ${args.join(' ')}: ours and stock print different output`);
  }
  const pair: Pair = {
    name,
    oursWall: median(ours.map((s) => s.wallMs)),
    stockWall: median(stock.map((s) => s.wallMs)),
    oursCpu: median(ours.map((s) => s.cpuMs)),
    stockCpu: median(stock.map((s) => s.cpuMs)),
    pairedWall: median(ours.map((s, i) => s.wallMs / stock[i]!.wallMs)),
    target,
  };
  const r = pair.oursWall / pair.stockWall;
  console.log(
    `${name}: ours ${pair.oursWall.toFixed(0)} ms, stock ${pair.stockWall.toFixed(0)} ms = ${r.toFixed(2)} × stock` +
      ` (per-pair median ${pair.pairedWall.toFixed(2)}); CPU ${pair.oursCpu.toFixed(0)} vs ${pair.stockCpu.toFixed(0)} ms = ${(pair.oursCpu / pair.stockCpu).toFixed(2)} × stock` +
      `${target ? `; target ≤ 0.6: ${r <= 0.6 ? 'met' : 'NOT met'}` : ''}`,
  );
  return pair;
}

async function main(): Promise<void> {
  if (STOCK === undefined) {
    console.log('stock gnt-job not installed: nothing to pair with');
    return;
  }
  const load0 = loadavg()[0]!;
  console.log(`machine: ${cpus().length} cores, node ${process.version}, load average ${load0.toFixed(2)}, median of ${RUNS} paired runs`);
  const node = await makeNode();
  const daemon = await startDaemon(node, ['--job-queue-size-limit', String(JOBS + 1000)]);
  const pairs: Pair[] = [];
  let bare = 0;
  try {
    pairs.push(await paired('gnt-job list, empty queue', ['list'], node.env, true));
    // Node reads and parses the certificates NODE_EXTRA_CA_CERTS names when it starts, before
    // any of our code runs (this development machine sets it for every process); our #! line
    // drops it, so both pairs should match.
    const noCerts = {...node.env};
    delete noCerts.NODE_EXTRA_CA_CERTS;
    if (node.env.NODE_EXTRA_CA_CERTS !== undefined) {
      pairs.push(await paired('gnt-job list without NODE_EXTRA_CA_CERTS, queue empty (reference)', ['list'], noCerts, false));
    }
    pairs.push(await paired('gnt-job --help', ['--help'], node.env, true));
    pairs.push(await paired('gnt-job list --help (reference)', ['list', '--help'], node.env, false));
    const c = daemon.client();
    for (let n = 0; n < JOBS; n += 1000) await c.submitManyJobs(Array.from({length: Math.min(1000, JOBS - n)}, () => [delayOp(0)]));
    await settleQueue(c, []);
    pairs.push(await paired(`gnt-job list, ${JOBS} jobs`, ['list'], node.env, true));
    const nodes: number[] = [];
    for (let i = 0; i < RUNS; i++) nodes.push((await timed([process.execPath, '-e', '0'], node.env)).wallMs);
    bare = median(nodes);
    console.log(
      `node -e 0 (Node's own start, the floor for ours): ${bare.toFixed(0)} ms = ${(bare / pairs[0]!.stockWall).toFixed(2)} × stock gnt-job list`,
    );
    if (node.env.NODE_EXTRA_CA_CERTS !== undefined) {
      const without: number[] = [];
      for (let i = 0; i < RUNS; i++) without.push((await timed([process.execPath, '-e', '0'], noCerts)).wallMs);
      console.log(`node -e 0 without NODE_EXTRA_CA_CERTS=${node.env.NODE_EXTRA_CA_CERTS}: ${median(without).toFixed(0)} ms`);
    }
  } finally {
    await daemon.stop();
    node.cleanup();
  }
  console.log(`load average at the end ${loadavg()[0]!.toFixed(2)}`);
  if (values.json) console.log(JSON.stringify({runs: RUNS, load: [load0, loadavg()[0]], pairs, nodeBareMs: bare}));
}

await main();
