// Instance lifecycle throughput and `gnt-instance list` at scale on a three-node virtual
// cluster (real masterd, three real node daemons over HTTPS, fake hypervisor, diskless).
//   node --import tsx bench/instances.ts [--instances 50] [--clients 10] [--list 500]
// 1. N instances × (add + start + stop + remove), each step a job submitted over LUXI and
//    waited for, from C parallel clients: operations per second.
// 2. `gnt-instance list` (ours and, when installed, the stock 3.0 client) with L instances
//    over the three nodes, half of them running: wall time of the whole command.
// --profile: CPU profiles (node --cpu-prof) of masterd and the node daemons during part 1,
// summarised by module and function (part 2 is skipped).
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync} from 'node:fs';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {BIN, VirtualCluster} from '../test/cluster/virtual-cluster.js';

const {values} = parseArgs({
  options: {
    instances: {type: 'string', default: '50'},
    clients: {type: 'string', default: '10'},
    list: {type: 'string', default: '500'},
    profile: {type: 'boolean', default: false},
  },
});
const N = Number(values.instances);
const C = Number(values.clients);
const L = Number(values.list);
const STOCK = '/usr/share/ganeti/3.0/gnt-instance';

const create = (name: string, pnode: string, start: boolean): Record<string, unknown> => ({
  OP_ID: 'OP_INSTANCE_CREATE',
  instance_name: name,
  mode: 'create',
  disk_template: 'diskless',
  os_type: 'noop',
  pnode,
  nics: [{mode: 'openvswitch', link: 'sw0'}],
  name_check: false,
  ip_check: false,
  start,
});

/** Job ids of the lifecycle part, for the breakdown. */
const lifecycleJobs: number[] = [];

/** Submits one job and waits for its end with WaitForJobChange, as the stock client does. */
async function job(c: LuxiClient, op: Record<string, unknown>, record = false): Promise<void> {
  const id = await c.submitJob([op]);
  if (record) lifecycleJobs.push(id);
  let prev: unknown[] | null = null;
  for (;;) {
    const r = await c.waitForJobChange(id, ['status'], prev, null, 30);
    if (r === 'nochange') continue;
    prev = r[0];
    const status = String(prev[0]);
    if (status === 'success') return;
    if (status === 'error' || status === 'canceled') throw new Error(`job ${id} (${String(op.OP_ID)}) ended ${status}`);
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const ts = (t: unknown): number => (Array.isArray(t) ? Number(t[0]) + Number(t[1]) / 1e6 : NaN);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Where an opcode's time goes, from the job's own timestamps: queued (received → start),
 * waiting for locks (opstart → opexec), executing (opexec → opend: node RPCs and configuration
 * writes), finishing (opend → end: the final job file). Medians in ms, per opcode.
 */
async function breakdown(c: LuxiClient, ids: number[]): Promise<void> {
  const rows = (await c.queryJobs(ids, ['summary', 'received_ts', 'start_ts', 'end_ts', 'opstart', 'opexec', 'opend'])) as unknown[][];
  const by = new Map<string, number[][]>();
  for (const [summary, rec, start, end, opstart, opexec, opend] of rows) {
    const op = String((summary as string[])[0]).replace(/\(.*$/, '');
    const parts = [
      ts(start) - ts(rec),
      ts((opexec as unknown[])[0]) - ts((opstart as unknown[])[0]),
      ts((opend as unknown[])[0]) - ts((opexec as unknown[])[0]),
      ts(end) - ts((opend as unknown[])[0]),
      ts(end) - ts(rec),
    ];
    by.set(op, [...(by.get(op) ?? []), parts.map((x) => x * 1000)]);
  }
  for (const [op, list] of by) {
    const m = (i: number): string => median(list.map((p) => p[i]!)).toFixed(0);
    console.log(
      `  ${op.padEnd(18)} median ms: queued ${m(0)}, locks ${m(1)}, exec ${m(2)}, finish ${m(3)}, received→end ${m(4)} (${list.length} jobs)`,
    );
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (t: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({length: limit}, async (_, w) => {
      while (next < items.length) await fn(items[next++]!, w);
    }),
  );
}

function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ms: number; lines: number}> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, {env, stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) =>
      code === 0 ? resolve({ms: performance.now() - t0, lines: out.split('\n').length - 2}) : reject(new Error(`${cmd} exited ${code}`)),
    );
  });
}

interface ProfNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}

/** Self time by module and by function of the CPU profiles in `dir` (one daemon kind). */
function summariseProfiles(title: string, dir: string, ops: number): void {
  const byFile = new Map<string, number>();
  const byFn = new Map<string, number>();
  const byOurs = new Map<string, number>();
  let busy = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const prof = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {nodes: ProfNode[]; samples: number[]; timeDeltas: number[]};
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    prof.samples.forEach((id, i) => {
      const fr = byId.get(id)!.callFrame;
      if (fr.functionName === '(idle)') return;
      const us = prof.timeDeltas[i] ?? 0;
      busy += us;
      let ours = '(no frame of ours)';
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const c = byId.get(cur)!.callFrame;
        if (c.url.includes('/dist/') && !c.url.includes('/dist/json/')) {
          ours = `${c.functionName || '(anonymous)'} ${c.url.replace(/^.*\/dist\//, 'dist/')}:${c.lineNumber + 1}`;
          break;
        }
      }
      byOurs.set(ours, (byOurs.get(ours) ?? 0) + us);
      const url = fr.url
        .replace(/^file:\/\//, '')
        .replace(/^.*\/node_modules\/([^/]+)\/.*$/, 'node_modules/$1')
        .replace(/^.*\/dist\//, 'dist/');
      const file = url === '' ? fr.functionName : url;
      byFile.set(file, (byFile.get(file) ?? 0) + us);
      const fn = `${fr.functionName || '(anonymous)'} ${url}:${fr.lineNumber + 1}`;
      byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    });
  }
  const top = (m: Map<string, number>, n: number): string =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `    ${(v / 1000 / ops).toFixed(2).padStart(6)} ms/op  ${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  console.log(
    `${title}: main thread busy ${(busy / 1000 / ops).toFixed(1)} ms per operation (start-up included)\n  self time by module:\n${top(byFile, 10)}\n` +
      `  self time by function:\n${top(byFn, 10)}\n  by the nearest function of ours on the stack:\n${top(byOurs, 20)}`,
  );
}

const profDir = values.profile ? mkdtempSync(join(tmpdir(), 'ganeti-ts-instprof-')) : null;
const vc = await VirtualCluster.create(3);
if (profDir !== null) {
  for (const n of vc.nodes) {
    mkdirSync(join(profDir, n.name));
    n.env.NODE_OPTIONS = `--require ${join(import.meta.dirname, 'cpu-prof-preload.cjs')}`;
    n.env.GANETI_CPU_PROF_DIR = join(profDir, n.name);
  }
  mkdirSync(join(profDir, 'masterd'));
}
try {
  const nodeds = await vc.startNodeds(vc.nodes);
  if (profDir !== null) vc.master.env.GANETI_CPU_PROF_DIR = join(profDir, 'masterd');
  const masterd = await vc.startMasterd(vc.master);
  const cpu = (): [number, number] => [cpuMs(masterd.proc.pid), nodeds.reduce((sum, p) => sum + cpuMs(p.proc.pid), 0)];
  const clients = Array.from({length: C}, () => vc.client());
  const nodes = vc.nodes.map((n) => n.name);
  console.log(
    `load average before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );

  const names = Array.from({length: N}, (_, i) => `life${i}`);
  const cpu0 = cpu();
  const t0 = performance.now();
  await mapLimit(names, C, async (name, w) => {
    const c = clients[w]!;
    await job(c, create(name, nodes[names.indexOf(name) % 3]!, false), true);
    await job(c, {OP_ID: 'OP_INSTANCE_STARTUP', instance_name: name}, true);
    await job(c, {OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: name}, true);
    await job(c, {OP_ID: 'OP_INSTANCE_REMOVE', instance_name: name}, true);
  });
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `lifecycle: ${N} × (add+start+stop+remove) from ${C} clients: ${4 * N} operations in ${secs.toFixed(2)} s = ${((4 * N) / secs).toFixed(1)} ops/s (load ${loadavg()[0]!.toFixed(2)})`,
  );
  const cpu1 = cpu();
  // CPU per operation depends far less on other load than operations per second do.
  console.log(
    `  CPU per operation: masterd ${((cpu1[0] - cpu0[0]) / (4 * N)).toFixed(1)} ms, the three node daemons ${((cpu1[1] - cpu0[1]) / (4 * N)).toFixed(1)} ms`,
  );
  await breakdown(clients[0]!, lifecycleJobs);
  if (profDir !== null) {
    for (const c of clients) c.close();
    await masterd.stop();
    await Promise.all(nodeds.map((p) => p.stop()));
    summariseProfiles('masterd', join(profDir, 'masterd'), 4 * N);
    const nodedDir = join(profDir, 'noded');
    mkdirSync(nodedDir);
    for (const n of vc.nodes)
      for (const f of readdirSync(join(profDir, n.name))) renameSync(join(profDir, n.name, f), join(nodedDir, `${n.name}-${f}`));
    summariseProfiles('the three node daemons', nodedDir, 4 * N);
    rmSync(profDir, {recursive: true, force: true});
    process.exit(0);
  }

  if (L > 0) {
    const many = Array.from({length: L}, (_, i) => `inst${i}`);
    const t1 = performance.now();
    await mapLimit(many, C, async (name, w) =>
      job(clients[w]!, create(name, nodes[many.indexOf(name) % 3]!, many.indexOf(name) % 2 === 0)),
    );
    console.log(`created ${L} instances (half running) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

    const q: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await clients[0]!.query('instance', ['name', 'hypervisor', 'os', 'pnode', 'status', 'oper_ram'], null);
      q.push(performance.now() - t);
    }
    console.log(
      `LUXI Query of the default list fields, ${L} instances: ${Math.min(...q).toFixed(0)} ms (runs: ${q.map((x) => x.toFixed(0)).join(', ')})`,
    );
    const env = {...vc.master.env, TZ: 'UTC'};
    const ours: number[] = [];
    const stock: number[] = [];
    const bare: number[] = [];
    const help: number[] = [];
    for (let i = 0; i < 3; i++) {
      // Where the command's time goes: starting Node at all, then loading the CLI (its --help
      // loads the command without asking the daemon), then the Query and the table.
      bare.push((await timeCommand(process.execPath, ['-e', ''], env)).ms);
      help.push((await timeCommand(process.execPath, [BIN, 'instance', 'list', '--help'], env)).ms);
      const r = await timeCommand(process.execPath, [BIN, 'instance', 'list'], env);
      if (r.lines !== L) throw new Error(`list printed ${r.lines} rows`);
      ours.push(r.ms);
      if (existsSync(STOCK))
        stock.push((await timeCommand('/usr/bin/python3', [STOCK, 'list'], {...env, PYTHONPATH: '/usr/share/ganeti/3.0'})).ms);
    }
    const best = (xs: number[]): string => `${Math.min(...xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
    console.log(`gnt-instance list, ${L} instances on 3 nodes: ours ${best(ours)}`);
    console.log(`  of which: starting node alone ${best(bare)}; gnt-instance list --help (node + CLI load, no daemon) ${best(help)}`);
    if (stock.length > 0) console.log(`gnt-instance list, ${L} instances on 3 nodes: stock 3.0 client ${best(stock)}`);
  }
  for (const c of clients) c.close();
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await vc.cleanup();
}
