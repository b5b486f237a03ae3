// Hostile requests against a real masterd: memory (RSS) and other clients' latency while one
// huge or pathological request is handled, and while 1,000 hostile connections are open.
//   node --import tsx bench/hostile.ts [--quick] [--only SUBSTRING] [--no-connections]
// A prober sends QueryJobs of one id every 10 ms on its own connection and records how long
// each answer takes; the daemon's peak RSS is read from /proc (VmHWM, reset before each case).
import {readFileSync, writeFileSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {loadavg} from 'node:os';
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

/** Sends one raw request on a new connection; resolves with the answer's first 120 characters. */
async function rawCall(path: string, body: string | Buffer): Promise<string> {
  const s = await open(path);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    s.on('data', (d: Buffer) => {
      if (size < 4096) chunks.push(d);
      size += d.length;
      if (d.includes(3)) {
        s.destroy();
        resolve(`${Buffer.concat(chunks).toString('utf8').slice(0, 120)} (${size} bytes)`);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(`closed: ${Buffer.concat(chunks).toString('utf8').slice(0, 120)}`));
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
  await new Promise((r) => setTimeout(r, 300));
  resetPeak(d.pid());
  prober.take();
  const t0 = performance.now();
  const answer = await rawCall(path, body);
  const ms = Math.round(performance.now() - t0);
  const lat = prober.take();
  return {
    name,
    requestBytes: Buffer.byteLength(body),
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
  ];
}

export interface HostileFigures {
  baselineRssMb: number;
  peakRssMb: number;
  afterRssMb: number;
  probes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  servedDuring: number;
  openAtPeak: number;
}

/** 1,000 hostile connections at once: non-readers, 1-byte-per-second writers, 60 MiB partials. */
export async function hostileConnections(d: Masterd, prober: Prober, path: string, count: number): Promise<HostileFigures> {
  await new Promise((r) => setTimeout(r, 500));
  const baselineRssMb = rssMb(d.pid(), 'VmRSS');
  resetPeak(d.pid());
  prober.take();
  const socks: Socket[] = [];
  const partial = Buffer.alloc(60 * MiB, 0x20);
  const pipelined = Buffer.from(`${JSON.stringify({method: 'QueryJobs', args: [[1], ['id', 'status', 'summary']]})}\x03`.repeat(20_000));
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < count; i++) {
    const s = await open(path).catch(() => null);
    if (s === null) continue;
    s.on('error', () => undefined);
    socks.push(s);
    if (i % 3 === 0) {
      s.pause();
      s.write(pipelined);
    } else if (i % 3 === 1) {
      const t = setInterval(() => !s.destroyed && s.write('{'), 1000);
      timers.push(t);
    } else {
      s.write(partial);
    }
  }
  let servedDuring = 0;
  const end = Date.now() + 15_000;
  let openAtPeak = 0;
  while (Date.now() < end) {
    const ans = await rawCall(path, JSON.stringify({method: 'QueryConfigValues', args: [['cluster_name']]}));
    if (ans.includes('"success":true')) servedDuring++;
    openAtPeak = Math.max(openAtPeak, socks.filter((s) => !s.destroyed).length);
    await new Promise((r) => setTimeout(r, 200));
  }
  const peakRssMb = rssMb(d.pid(), 'VmHWM');
  const lat = prober.take();
  for (const t of timers) clearInterval(t);
  for (const s of socks) s.destroy();
  await new Promise((r) => setTimeout(r, 5000));
  return {
    baselineRssMb,
    peakRssMb,
    afterRssMb: rssMb(d.pid(), 'VmRSS'),
    probes: lat.length,
    p50Ms: pct(lat, 50),
    p99Ms: pct(lat, 99),
    maxMs: pct(lat, 100),
    servedDuring,
    openAtPeak,
  };
}

export async function runHostileBench(
  quick: boolean,
  print: (line: string) => void,
  select: {only?: string | undefined; connections?: boolean} = {},
): Promise<{cases: CaseFigures[]; conns: HostileFigures | null}> {
  const node: TestNode = await makeNode();
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
      conns = await hostileConnections(d, prober, path, quick ? 300 : 1000);
      print(
        `hostile connections (${quick ? 300 : 1000}: never reading, 1 byte/s, 60 MiB partial): RSS ${conns.baselineRssMb} MB before, peak ${conns.peakRssMb} MB, ` +
          `${conns.afterRssMb} MB 5 s after they went; normal requests answered during: ${conns.servedDuring}; hostile connections still open at most: ${conns.openAtPeak}; ` +
          `prober ${conns.probes} answers, p50 / p99 / max ${conns.p50Ms} / ${conns.p99Ms} / ${conns.maxMs} ms`,
      );
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
    options: {quick: {type: 'boolean', default: false}, only: {type: 'string'}, 'no-connections': {type: 'boolean', default: false}},
  });
  await runHostileBench(values.quick, (line) => process.stdout.write(`${line}\n`), {
    only: values.only,
    connections: !values['no-connections'],
  });
}
