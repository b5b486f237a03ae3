// The floor under issue 14's "sequential SubmitJob p50 ≤ 1.5 × one durable write" on this
// machine: what the least a Node server can do per request costs, next to the durable write itself.
//   node --import tsx bench/seq-floor.ts [--rounds R] [--requests N] [--dir D] [--keep] [--json]
// In alternating rounds (the order turns each round), on the file system of the benchmarks'
// queues (os.tmpdir(), as test/helpers/cluster.ts makeNode puts GANETI_ROOTDIR):
//   write   one durable write on this process's main thread (bench/durable-write.ts, the steps
//           of bench/fsync-rate.ts's serial figure);
//   echo    a LUXI round trip to a minimal server in a child process: it parses the request
//           (0x03-terminated JSON) and answers at once;
//   thread  the same server making one durable write per request in a worker thread, as
//           masterd's writer threads do, and answering after it;
//   inline  the same with the write on the server's main thread.
// The client is the LuxiClient that bench/submit.ts measures masterd with, sending the same
// SubmitJob. The minimal server is a measuring reference, not a stand-in for the daemon: it
// checks nothing, keeps no queue and answers only with a number.
// The ratio to one durable write is the median over the rounds of each round's pair of p50s:
// the machine is shared, and a round lasts well under a second, so that load that comes and goes
// weighs on both sides of a pair alike. Each kind's best round p50 is given too (other load only raises it), as
// bench/run-all.ts takes the best of its disk samples and bench/submit.ts the best of its rounds.
import {type ChildProcess, fork} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import {cpus, loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads';
import {LuxiClient} from '../src/protocol/client.js';
import {EtxSplitter, frame} from '../src/protocol/framing.js';
import {durableWriteSync} from './durable-write.js';

export type FloorKind = 'write' | 'echo' | 'thread' | 'inline';
const KINDS: FloorKind[] = ['write', 'echo', 'thread', 'inline'];

export interface FloorFigures {
  dir: string;
  rounds: number;
  requests: number;
  /** Load average (1 min) at the start and at the end. */
  load: [number, number];
  /** Each kind's p50 per round, in ms. */
  p50s: Record<FloorKind, number[]>;
  /** Each kind's best round p50, in ms. */
  best: Record<FloorKind, number>;
  /** The median over the rounds of p50s[kind][r] / p50s.write[r] (each round's pair). */
  ratio: Record<FloorKind, number>;
  /** best[kind] / best.write. */
  bestRatio: Record<FloorKind, number>;
}

const perKind = <T>(f: (k: FloorKind) => T): Record<FloorKind, T> =>
  Object.fromEntries(KINDS.map((k) => [k, f(k)])) as Record<FloorKind, T>;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? Number.NaN;
};

/** A worker thread of the minimal server: one durable write per message, answered with its number. */
function writerThread(): void {
  const {dir} = workerData as {dir: string};
  parentPort!.on('message', (n: number) => {
    durableWriteSync(dir, `job-${n}`);
    parentPort!.postMessage(n);
  });
}

/** The minimal server (child process): parse, (write), answer; nothing else. */
function serve(kind: FloorKind, dir: string): void {
  const waiting: Array<() => void> = [];
  let worker: Worker | null = null;
  if (kind === 'thread') {
    // As src/durable/durable-writer.ts starts a thread under tsx, whose loader does not reach threads.
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    worker = new Worker(boot, {eval: true, workerData: {dir}});
    worker.on('message', () => waiting.shift()?.());
  }
  let next = 0;
  const server = createServer((sock) => {
    const splitter = new EtxSplitter();
    sock.on('data', (chunk: Buffer) => {
      for (const msg of splitter.push(chunk)) {
        JSON.parse(msg.toString('utf8'));
        const n = next++;
        const answer = (): void => void sock.write(frame(JSON.stringify({success: true, result: n})));
        if (kind === 'inline') durableWriteSync(dir, `job-${n}`);
        if (worker === null) {
          answer();
        } else {
          waiting.push(answer);
          worker.postMessage(n);
        }
      }
    });
  });
  server.listen(join(dir, 'sock'), () => process.send?.('ready'));
}

interface Server {
  child: ChildProcess;
  client: LuxiClient;
}

async function startServer(kind: FloorKind, dir: string): Promise<Server> {
  const child = fork(import.meta.filename, ['--serve', kind, '--dir', dir], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited ${code}`)));
  });
  return {child, client: new LuxiClient({socketPath: join(dir, 'sock')})};
}

export async function measureFloor(opts: {dir?: string; rounds?: number; requests?: number; keep?: boolean} = {}): Promise<FloorFigures> {
  const rounds = opts.rounds ?? 15;
  const requests = opts.requests ?? 150;
  const load0 = loadavg()[0]!;
  const base = mkdtempSync(join(opts.dir ?? tmpdir(), 'ganeti-ts-floor-'));
  const dirs = perKind((k) => join(base, k));
  for (const d of Object.values(dirs)) mkdirSync(d);
  const servers = new Map<FloorKind, Server>();
  try {
    for (const k of KINDS) if (k !== 'write') servers.set(k, await startServer(k, dirs[k]));
    // The request bench/submit.ts sends masterd for each sequential SubmitJob.
    const op = {OP_ID: 'OP_TEST_DELAY', duration: 0, depends: [[1, ['success', 'error', 'canceled']]]};
    let written = 0;
    const once = async (k: FloorKind): Promise<void> => {
      const s = servers.get(k);
      if (s === undefined) durableWriteSync(dirs.write, `job-${written++}`);
      else await s.client.submitJob([op]);
    };
    // Warm-up: connections made, JIT-compiled paths, the worker thread started.
    for (const k of KINDS) for (let i = 0; i < 50; i++) await once(k);
    const p50s = perKind((): number[] => []);
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < KINDS.length; j++) {
        const k = KINDS[(r + j) % KINDS.length]!;
        const times: number[] = [];
        for (let i = 0; i < requests; i++) {
          const t = performance.now();
          await once(k);
          times.push(performance.now() - t);
        }
        p50s[k].push(median(times));
      }
    }
    const best = perKind((k) => Math.min(...p50s[k]));
    const ratio = perKind((k) => median(p50s[k].map((x, r) => x / p50s.write[r]!)));
    const bestRatio = perKind((k) => best[k] / best.write);
    return {dir: base, rounds, requests, load: [load0, loadavg()[0]!], p50s, best, ratio, bestRatio};
  } finally {
    for (const s of servers.values()) {
      s.client.close();
      s.child.kill();
    }
    // Kept on request: on an ext4 without a journal, removing many files slows the creations of
    // whatever runs next (docs/on-disk-layout.md, "Durability"); bench/run-all.ts removes them at its end.
    if (opts.keep !== true) rmSync(base, {recursive: true, force: true});
  }
}

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      serve: {type: 'string'},
      dir: {type: 'string'},
      rounds: {type: 'string', default: '15'},
      requests: {type: 'string', default: '150'},
      keep: {type: 'boolean', default: false},
      json: {type: 'boolean', default: false},
    },
  });
  if (values.serve !== undefined) {
    serve(values.serve as FloorKind, values.dir!);
    return;
  }
  const f = await measureFloor({
    ...(values.dir !== undefined ? {dir: values.dir} : {}),
    rounds: Number(values.rounds),
    requests: Number(values.requests),
    keep: values.keep,
  });
  const ms = (x: number): string => x.toFixed(3);
  const range = (xs: number[], d: (x: number) => string): string => `${d(Math.min(...xs))}–${d(Math.max(...xs))}`;
  const p50 = (k: FloorKind): string =>
    `p50 ${ms(f.best[k])} ms in the best round, ${ms(median(f.p50s[k]))} ms in the median one (${f.rounds} rounds of ${f.requests}: ${range(f.p50s[k], ms)} ms)`;
  console.log(`machine: ${cpus().length} cores, node ${process.version}; load average ${f.load[0].toFixed(2)} at the start`);
  console.log(`one durable write (main thread, bench/durable-write.ts) in ${f.dir}: ${p50('write')}`);
  const label: Record<Exclude<FloorKind, 'write'>, string> = {
    echo: 'LUXI echo round trip (minimal server in a child process, parse and answer)',
    thread: 'minimal server, durable write in a worker thread',
    inline: 'minimal server, durable write on its main thread',
  };
  for (const k of ['echo', 'thread', 'inline'] as const) {
    const ratios = f.p50s[k].map((x, r) => x / f.p50s.write[r]!);
    console.log(
      `${label[k]}: ${f.ratio[k].toFixed(2)} × one durable write (median of the rounds' ratios, which range ${range(ratios, (x) => x.toFixed(2))}; best round over best round ${f.bestRatio[k].toFixed(2)}); ${p50(k)}`,
    );
  }
  console.log(`load average ${f.load[1].toFixed(2)} at the end`);
  if (values.json) console.log(JSON.stringify(f));
}

if (!isMainThread) writerThread();
else if (import.meta.url === `file://${process.argv[1]}`) await main();
