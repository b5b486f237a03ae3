// What stops masterd while one large request of bench/hostile.ts is handled: the daemon runs
// with a CPU profile (node --cpu-prof) as hostile.ts runs it; a prober sends QueryJobs of one id
// every 10 ms and notes when each was sent (monotonic clock, the profile's); for every answer
// slower than --min ms, the daemon's samples inside that wait are summed by function.
//   node --import tsx bench/hostile-stalls.ts [--only SUBSTRING] [--min 30] [--quick]
// (--only '' runs every case in hostile.ts's order, as the bench does)
// On a loaded machine a slow answer may have no daemon samples at all (this process was not
// running), or one sample stretched over tens of ms (the daemon was not): read them with the load.
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {connect} from 'node:net';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {delayOp, makeNode, startMasterd} from '../test/helpers/cluster.js';
import {hostileCases, rawCall} from './hostile.js';

const {values} = parseArgs({
  options: {only: {type: 'string', default: 'SubmitJob'}, min: {type: 'string', default: '30'}, quick: {type: 'boolean', default: false}},
});
const minMs = Number(values.min);

interface ProfNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
  parent?: ProfNode;
}

const microsNow = (): number => Number(process.hrtime.bigint() / 1000n);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

const node = await makeNode();
node.env.MALLOC_MMAP_THRESHOLD_ ??= '32768';
const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-stalls-'));
const d = await startMasterd(node, {nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250']});
const slow: Array<{sentUs: number; ms: number; during: string}> = [];
/** The case being run ('' before the first: the daemon's start-up is not listed). */
let during = '';
try {
  const c = d.client();
  const id = await c.submitJob([delayOp(0)]);
  const sock = connect(node.paths.querySocket);
  await new Promise((resolve) => sock.once('connect', resolve));
  const req = Buffer.from(`${JSON.stringify({method: 'QueryJobs', args: [[id], ['id', 'status']]})}\x03`);
  let answered: (() => void) | null = null;
  sock.on('data', () => answered?.());
  let probing = true;
  let lat: number[] = [];
  const prober = (async () => {
    while (probing) {
      const sentUs = microsNow();
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        answered = resolve;
        sock.write(req);
      });
      const ms = performance.now() - t0;
      lat.push(ms);
      if (ms > minMs && during !== '') slow.push({sentUs, ms, during});
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  console.log(`load average at start: ${load()}`);
  for (const [name, body] of hostileCases(values.quick)) {
    if (!name.includes(values.only)) continue;
    const bytes = Buffer.from(body, 'utf8');
    await new Promise((r) => setTimeout(r, 500));
    lat = [];
    during = name;
    const t0 = performance.now();
    const answer = await rawCall(node.paths.querySocket, bytes);
    const sorted = lat.sort((a, b) => a - b);
    console.log(
      `${name}: ${Math.round(performance.now() - t0)} ms, ${answer.slice(0, 50)}; ${sorted.length} answers, p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} max ${sorted.at(-1)?.toFixed(1)} ms`,
    );
  }
  probing = false;
  await prober;
  sock.destroy();
  console.log(`load average at end: ${load()}`);
} finally {
  await d.stop();
  node.cleanup();
}

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (file === undefined) throw new Error('no profile written');
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
  nodes: ProfNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
};
rmSync(dir, {recursive: true, force: true});
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
for (const n of prof.nodes) for (const child of n.children ?? []) byId.get(child)!.parent = n;
const label = (n: ProfNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const samples: Array<{t: number; dt: number; n: ProfNode}> = [];
let t = prof.startTime;
for (let i = 0; i < prof.samples.length; i++) {
  t += prof.timeDeltas[i]!;
  samples.push({t, dt: prof.timeDeltas[i + 1] ?? 0, n: byId.get(prof.samples[i]!)!});
}
const top = (m: Map<string, number>): string =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, us]) => `${(us / 1000).toFixed(1)} ${k}`)
    .join(' | ');
for (const w of slow) {
  const self = new Map<string, number>();
  const ours = new Map<string, number>();
  let busy = 0;
  let longest = 0;
  for (const s of samples) {
    if (s.t < w.sentUs || s.t > w.sentUs + w.ms * 1000 || s.n.callFrame.functionName === '(idle)') continue;
    busy += s.dt;
    longest = Math.max(longest, s.dt);
    self.set(label(s.n), (self.get(label(s.n)) ?? 0) + s.dt);
    const seen = new Set<string>();
    for (let p: ProfNode | undefined = s.n; p !== undefined; p = p.parent) {
      const k = label(p);
      if (seen.has(k) || !p.callFrame.url.includes('/dist/')) continue;
      seen.add(k);
      ours.set(k, (ours.get(k) ?? 0) + s.dt);
    }
  }
  console.log(
    `${w.during}: answer after ${w.ms.toFixed(1)} ms (sent +${((w.sentUs - prof.startTime) / 1e6).toFixed(3)} s): daemon busy ${(busy / 1000).toFixed(1)} ms, longest gap between samples ${(longest / 1000).toFixed(1)} ms (0.25 ms while it runs: a long gap is time it did not)`,
  );
  console.log(`  self: ${top(self)}`);
  console.log(`  ours: ${top(ours)}`);
}
