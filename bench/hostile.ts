// Hostile requests against a real masterd: memory (RSS) and other clients' latency while one
// huge or pathological request is handled, and while 1,000 hostile connections are open.
//   node --import tsx bench/hostile.ts [--quick] [--only SUBSTRING] [--no-connections | --connections-only]
//     [--count N] [--seconds S] [--rounds R] [--plain-malloc] [--json]
// The daemon runs with -f and the allocator setting of the systemd units (MALLOC_MMAP_THRESHOLD_,
// docs/luxi.md); --plain-malloc runs it without.
// A prober sends QueryJobs of one id every 10 ms on its own connection and records how long
// each answer takes; the daemon's peak RSS is read from /proc (VmHWM, reset before each case).
import {type ChildProcess, spawn} from 'node:child_process';
import {readdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {loadavg} from 'node:os';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {delayOp, makeNode, startMasterd, type Masterd, type TestNode} from '../test/helpers/cluster.js';

export interface CaseFigures {
  name: string;
  requestBytes: number;
  ms: number;
  answer: string;
  peakRssMb: number;
  probes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function rssMb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Math.round(Number(m[1]) / 1024);
}

/** RSS of the mappings named `name` in /proc/PID/smaps ([heap]: malloc's heap, where read buffers live). */
function smapsMb(pid: number, name: string): number {
  let kb = 0;
  let inside = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inside = line.endsWith(` ${name}`);
    else if (inside && line.startsWith('Rss:')) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return Math.round(kb / 1024);
}

/** Sockets the process has open (its listening ones, clients' connections). */
function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Sends one raw request on a new connection; resolves with the answer's first 120 characters,
 * or "timeout" when no answer came within `timeoutMs` (the connection is then dropped).
 */
export async function rawCall(path: string, body: string | Buffer, timeoutMs = 120_000): Promise<string> {
  const s = await open(path);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    const done = (answer: string): void => {
      clearTimeout(timer);
      resolve(answer);
    };
    s.on('data', (d: Buffer) => {
      if (size < 4096) chunks.push(d);
      size += d.length;
      if (d.includes(3)) {
        s.destroy();
        done(`${Buffer.concat(chunks).toString('utf8').slice(0, 120)} (${size} bytes)`);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => done(`closed: ${Buffer.concat(chunks).toString('utf8').slice(0, 120)}`));
    s.write(body);
    s.write(Buffer.from([3]));
  });
}

/** QueryJobs of one id every 10 ms on one connection; latencies in ms. */
export class Prober {
  readonly latencies: number[] = [];
  private running = true;
  private done: Promise<void>;
  constructor(path: string, id: number) {
    this.done = (async () => {
      const s = await open(path);
      const req = Buffer.from(`${JSON.stringify({method: 'QueryJobs', args: [[id], ['id', 'status']]})}\x03`);
      let pending: (() => void) | null = null;
      s.on('data', () => pending?.());
      while (this.running) {
        const t0 = performance.now();
        await new Promise<void>((resolve) => {
          pending = resolve;
          s.write(req);
        });
        this.latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 10));
      }
      s.destroy();
    })();
  }
  take(): number[] {
    return this.latencies.splice(0);
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
}

async function measure(d: Masterd, prober: Prober, name: string, body: string, path: string): Promise<CaseFigures> {
  // Encoded before the prober's figures start: encoding 60 MiB stops this process's event loop
  // (the prober's) for 50-180 ms, which was counted as the daemon's.
  const bytes = Buffer.from(body, 'utf8');
  await new Promise((r) => setTimeout(r, 300));
  resetPeak(d.pid());
  prober.take();
  const t0 = performance.now();
  const answer = await rawCall(path, bytes);
  const ms = Math.round(performance.now() - t0);
  const lat = prober.take();
  return {
    name,
    requestBytes: bytes.length,
    ms,
    answer,
    peakRssMb: rssMb(d.pid(), 'VmHWM'),
    probes: lat.length,
    p50Ms: pct(lat, 50),
    p99Ms: pct(lat, 99),
    maxMs: pct(lat, 100),
  };
}

const MiB = 1024 * 1024;

function repeatList(unit: string, bytes: number, last: string): string {
  return `${unit.repeat(Math.floor(bytes / unit.length))}${last}`;
}

export function hostileCases(quick: boolean): Array<[string, string]> {
  const scale = quick ? 1 / 8 : 1;
  const ids = Array.from({length: Math.round(1_000_000 * scale)}, (_, i) => i + 1).join(',');
  const leaves = Math.round((60 * MiB * scale) / 19);
  return [
    [
      'regex ^((\\w*)*(\\w*)*(\\w*)*(\\w*)*(\\w*)*)*X$ on status',
      JSON.stringify({method: 'Query', args: ['job', ['id'], ['=~', 'status', '^((\\w*)*(\\w*)*(\\w*)*(\\w*)*(\\w*)*)*X$']]}),
    ],
    [`QueryJobs, ${Math.round(1e6 * scale)} distinct ids`, `{"method":"QueryJobs","args":[[${ids}],["id","status"]]}`],
    [
      `QueryJobs, one id ${Math.round(12e6 * scale)} times`,
      `{"method":"QueryJobs","args":[[${repeatList('1,', 24e6 * scale, '1')}],["id"]]}`,
    ],
    [
      `QueryJobs, ${Math.round(64 * scale)} MiB of ids`,
      `{"method":"QueryJobs","args":[[${repeatList('7,', 64 * MiB * scale - 64, '7')}],["id"]]}`,
    ],
    [
      `SubmitManyJobs, ${Math.round(20e6 * scale)} empty jobs`,
      `{"method":"SubmitManyJobs","args":[[${repeatList('[],', 60e6 * scale, '[]')}]]}`,
    ],
    [
      `SubmitManyJobs, ${Math.round(2e6 * scale)} tiny jobs`,
      `{"method":"SubmitManyJobs","args":[[${repeatList('[{"OP_ID":"OP_TEST_DELAY","duration":0}],', 2e6 * 42 * scale, '[]')}]]}`,
    ],
    [
      `Query, OR of ${leaves} id tests (${Math.round(60 * scale)} MiB)`,
      `{"method":"Query","args":["job",["id"],["|",${repeatList('["==","id",123456],', leaves * 19, '["==","id",1]')}]]}`,
    ],
    [
      `SubmitJob, one ${Math.round(60 * scale)} MiB string`,
      `{"method":"SubmitJob","args":[[{"OP_ID":"OP_TEST_DELAY","duration":0,"comment":"${'x'.repeat(60 * MiB * scale)}"}]]}`,
    ],
    [
      `SubmitJob, a ${Math.round(60 * scale)} MiB string of escapes`,
      `{"method":"SubmitJob","args":[[{"OP_ID":"OP_TEST_DELAY","duration":0,"comment":"${'\\u00e9\\n'.repeat((60 * MiB * scale) / 8)}"}]]}`,
    ],
    [
      `SubmitManyJobs, 12 jobs with a ${Math.round(5 * scale)} MiB string each`,
      `{"method":"SubmitManyJobs","args":[[${Array.from({length: 12}, () => `[{"OP_ID":"OP_TEST_DELAY","duration":0,"comment":"${'x'.repeat(5 * MiB * scale)}"}]`).join(',')}]]}`,
    ],
    // Refused requests whose error quotes the long value.
    [
      `SubmitJob, an unknown opcode named with ${Math.round(60 * scale)} MiB`,
      `{"method":"SubmitJob","args":[[{"OP_ID":"${'x'.repeat(60 * MiB * scale)}"}]]}`,
    ],
    [
      `QueryJobs, a field named with ${Math.round(60 * scale)} MiB`,
      `{"method":"QueryJobs","args":[[1],["${'x'.repeat(60 * MiB * scale)}"]]}`,
    ],
  ];
}

export interface HostileFigures {
  count: number;
  opened: number;
  baselineRssMb: number;
  duringRssMb: number;
  peakRssMb: number;
  afterRssMb: number;
  /** of which malloc's heap ([heap] in smaps) */
  afterHeapMb: number;
  /** the daemon's open sockets before the hostile connections and 5 s after they went (it has seen them go) */
  baselineSockets: number;
  afterSockets: number;
  /** QueryJobs of one id on a connection opened before the hostile ones */
  probes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** new connections, one after another: connect to the first answer of QueryJobs of one id */
  newConns: number;
  newAnswered: number;
  newP50Ms: number;
  newP99Ms: number;
  newMaxMs: number;
  /** the first new connection (made just after the hostile ones: it waits for them to be accepted) */
  newFirstMs: number;
  openAtEnd: number;
}

/**
 * Opens the hostile connections (in this process: it is the child the bench starts, so that
 * the clients measuring the daemon do not share an event loop with 20 GB of writes), prints
 * "ready <opened>" and keeps them until it is killed; "open <n>" on each line read from stdin.
 */
async function hostileChild(path: string, count: number): Promise<void> {
  const socks: Socket[] = [];
  const partial = Buffer.alloc(60 * MiB, 0x20);
  const pipelined = Buffer.from(`${JSON.stringify({method: 'QueryJobs', args: [[1], ['id', 'status', 'summary']]})}\x03`.repeat(20_000));
  for (let i = 0; i < count; i++) {
    const s = await open(path).catch(() => null);
    if (s === null) continue;
    s.on('error', () => undefined);
    socks.push(s);
    if (i % 3 === 0) {
      s.pause();
      s.write(pipelined);
    } else if (i % 3 === 1) {
      setInterval(() => !s.destroyed && s.write('{'), 1000);
    } else {
      s.write(partial);
    }
  }
  process.stdout.write(`ready ${socks.length}\n`);
  process.stdin.on('data', () => process.stdout.write(`open ${socks.filter((s) => !s.destroyed).length}\n`));
}

/** The hostile connections' process: resolves once they are open. */
function startHostileChild(path: string, count: number): Promise<{child: ChildProcess; opened: number; lines: string[]}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--hostile-child', path, '--count', String(count)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line.startsWith('ready ')) resolve({child, opened: Number(line.slice(6)), lines});
        i = buf.indexOf('\n');
      }
    });
    child.once('exit', (code) => reject(new Error(`the hostile clients' process exited (${code})`)));
  });
}

/**
 * `count` hostile connections at once (a third pipelining 20,000 QueryJobs and never reading, a
 * third writing one byte a second, a third sending 60 MiB without a terminator), held for
 * `seconds`: the prober's latencies on its older connection, and new connections opened one
 * after another, each timed from connect to the first answer of QueryJobs of one id.
 */
export async function hostileConnections(
  d: Masterd,
  prober: Prober,
  path: string,
  count: number,
  id: number,
  seconds = 15,
): Promise<HostileFigures> {
  await new Promise((r) => setTimeout(r, 500));
  const baselineRssMb = rssMb(d.pid(), 'VmRSS');
  const baselineSockets = socketCount(d.pid());
  resetPeak(d.pid());
  const {child, opened, lines} = await startHostileChild(path, count);
  prober.take();
  const newLat: number[] = [];
  let newConns = 0;
  let newFirstMs = NaN;
  const req = JSON.stringify({method: 'QueryJobs', args: [[id], ['id', 'status']]});
  const end = Date.now() + seconds * 1000;
  let duringRssMb = 0;
  while (Date.now() < end) {
    newConns++;
    const t0 = performance.now();
    const ans = await rawCall(path, req, Math.max(1000, end - Date.now() + 5000)).catch((err: Error) => `error ${err.message}`);
    if (ans.includes('"success":true')) newLat.push(performance.now() - t0);
    if (newConns === 1) newFirstMs = newLat.length === 1 ? Math.round(newLat[0]! * 10) / 10 : NaN;
    duringRssMb = Math.max(duringRssMb, rssMb(d.pid(), 'VmRSS'));
    await new Promise((r) => setTimeout(r, 50));
  }
  const peakRssMb = rssMb(d.pid(), 'VmHWM');
  const lat = prober.take();
  child.stdin!.write('\n');
  await new Promise((r) => setTimeout(r, 500));
  const openLine = lines.filter((l) => l.startsWith('open ')).pop();
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 5000));
  const afterHeapMb = smapsMb(d.pid(), '[heap]');
  const afterSockets = socketCount(d.pid());
  return {
    count,
    opened,
    baselineRssMb,
    duringRssMb,
    peakRssMb,
    afterRssMb: rssMb(d.pid(), 'VmRSS'),
    afterHeapMb,
    baselineSockets,
    afterSockets,
    probes: lat.length,
    p50Ms: pct(lat, 50),
    p99Ms: pct(lat, 99),
    maxMs: pct(lat, 100),
    newConns,
    newAnswered: newLat.length,
    newP50Ms: pct(newLat, 50),
    newP99Ms: pct(newLat, 99),
    newMaxMs: pct(newLat, 100),
    newFirstMs,
    openAtEnd: openLine === undefined ? -1 : Number(openLine.slice(5)),
  };
}

export function hostileLine(c: HostileFigures): string {
  return (
    `hostile connections (${c.count}, ${c.opened} opened: never reading, 1 byte/s, 60 MiB partial): RSS ${c.baselineRssMb} MB before, ` +
    `${c.duringRssMb} MB at most during (peak ${c.peakRssMb}), ${c.afterRssMb} MB 5 s after they went (malloc heap ${c.afterHeapMb} MB), open sockets ${c.baselineSockets} before / ${c.afterSockets} after; ` +
    `new connections: ${c.newAnswered} of ${c.newConns} answered, connect to first answer p50 / p99 / max ${c.newP50Ms} / ${c.newP99Ms} / ${c.newMaxMs} ms (the first ${c.newFirstMs} ms); ` +
    `QueryJobs of one id on an existing connection: ${c.probes} answers, p50 / p99 / max ${c.p50Ms} / ${c.p99Ms} / ${c.maxMs} ms; ` +
    `hostile connections still open at the end: ${c.openAtEnd}`
  );
}

export async function runHostileBench(
  quick: boolean,
  print: (line: string) => void,
  select: {
    only?: string | undefined;
    connections?: boolean;
    count?: number | undefined;
    seconds?: number | undefined;
    rounds?: number | undefined;
    /** without the allocator setting the detached daemon and the systemd units give it */
    plainMalloc?: boolean;
  } = {},
): Promise<{cases: CaseFigures[]; conns: HostileFigures | null}> {
  const node: TestNode = await makeNode();
  // Run with -f as the systemd unit runs it: with its allocator setting (docs/luxi.md).
  if (select.plainMalloc === true) delete node.env.MALLOC_MMAP_THRESHOLD_;
  else node.env.MALLOC_MMAP_THRESHOLD_ ??= '32768';
  print(`daemon environment: MALLOC_MMAP_THRESHOLD_=${node.env.MALLOC_MMAP_THRESHOLD_ ?? '(unset)'}`);
  const d = await startMasterd(node);
  try {
    const c = d.client();
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await c.submitJob([delayOp(0)]));
    const path = node.paths.querySocket;
    const prober = new Prober(path, ids[0]!);
    print(
      `load average at start: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}; daemon RSS ${rssMb(d.pid(), 'VmRSS')} MB`,
    );
    print('| request | bytes | handled in (ms) | answer | daemon peak RSS (MB) | prober answers | p50 / p99 / max (ms) |');
    print('|---|---|---|---|---|---|---|');
    const cases: CaseFigures[] = [];
    for (const [name, body] of hostileCases(quick)) {
      if (select.only !== undefined && !name.includes(select.only)) continue;
      const f = await measure(d, prober, name, body, path);
      cases.push(f);
      print(
        `| ${f.name} | ${f.requestBytes} | ${f.ms} | ${f.answer.replace(/\|/g, '\\|').slice(0, 90)} | ${f.peakRssMb} | ${f.probes} | ${f.p50Ms} / ${f.p99Ms} / ${f.maxMs} |`,
      );
    }
    let conns: HostileFigures | null = null;
    if (select.connections !== false) {
      // Further rounds show whether what the first left in the daemon's RSS is reused or grows.
      for (let round = 1; round <= (select.rounds ?? 1); round++) {
        conns = await hostileConnections(d, prober, path, select.count ?? (quick ? 300 : 1000), ids[0]!, select.seconds ?? 15);
        print(`${round > 1 ? `round ${round}: ` : ''}${hostileLine(conns)}`);
      }
    }
    print(
      `load average at end: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    await prober.stop();
    if (!d.alive()) throw new Error('the daemon died');
    return {cases, conns};
  } finally {
    await d.stop();
    node.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const {values} = parseArgs({
    options: {
      quick: {type: 'boolean', default: false},
      only: {type: 'string'},
      'no-connections': {type: 'boolean', default: false},
      'connections-only': {type: 'boolean', default: false},
      count: {type: 'string'},
      seconds: {type: 'string'},
      rounds: {type: 'string'},
      'hostile-child': {type: 'string'},
      json: {type: 'boolean', default: false},
      'plain-malloc': {type: 'boolean', default: false},
    },
  });
  if (values['hostile-child'] !== undefined) {
    await hostileChild(values['hostile-child'], Number(values.count ?? 1000));
  } else {
    const figures = await runHostileBench(values.quick, (line) => process.stdout.write(`${line}\n`), {
      only: values['connections-only'] ? '\u0000none' : values.only,
      connections: !values['no-connections'],
      count: values.count === undefined ? undefined : Number(values.count),
      seconds: values.seconds === undefined ? undefined : Number(values.seconds),
      rounds: values.rounds === undefined ? undefined : Number(values.rounds),
      plainMalloc: values['plain-malloc'],
    });
    // For bench/run-all.ts: the figures as the last line.
    if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  }
}
