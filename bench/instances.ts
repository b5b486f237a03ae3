// Instance lifecycle throughput and `gnt-instance list` at scale on a three-node virtual
// cluster (real masterd, three real node daemons over HTTPS, fake hypervisor, diskless).
//   node --import tsx bench/instances.ts [--instances 50] [--clients 10] [--list 500]
// 1. N instances × (add + start + stop + remove), each step a job submitted over LUXI and
//    waited for, from C parallel clients: operations per second.
// 2. `gnt-instance list` (ours and, when installed, the stock 3.0 client) with L instances
//    over the three nodes, half of them running: wall time of the whole command.
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {loadavg} from 'node:os';
import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {BIN, VirtualCluster, waitJob} from '../test/cluster/virtual-cluster.js';

const {values} = parseArgs({
  options: {
    instances: {type: 'string', default: '50'},
    clients: {type: 'string', default: '10'},
    list: {type: 'string', default: '500'},
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

async function job(c: LuxiClient, op: Record<string, unknown>): Promise<void> {
  const id = await c.submitJob([op]);
  const status = await waitJob(c, id, 120_000);
  if (status !== 'success') throw new Error(`job ${id} (${String(op.OP_ID)}) ended ${status}`);
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
    p.on('close', (code) => (code === 0 ? resolve({ms: performance.now() - t0, lines: out.split('\n').length - 2}) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

const vc = await VirtualCluster.create(3);
try {
  await vc.startNodeds(vc.nodes);
  await vc.startMasterd(vc.master);
  const clients = Array.from({length: C}, () => vc.client());
  const nodes = vc.nodes.map((n) => n.name);
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const names = Array.from({length: N}, (_, i) => `life${i}`);
  const t0 = performance.now();
  await mapLimit(names, C, async (name, w) => {
    const c = clients[w]!;
    await job(c, create(name, nodes[names.indexOf(name) % 3]!, false));
    await job(c, {OP_ID: 'OP_INSTANCE_STARTUP', instance_name: name});
    await job(c, {OP_ID: 'OP_INSTANCE_SHUTDOWN', instance_name: name});
    await job(c, {OP_ID: 'OP_INSTANCE_REMOVE', instance_name: name});
  });
  const secs = (performance.now() - t0) / 1000;
  console.log(`lifecycle: ${N} × (add+start+stop+remove) from ${C} clients: ${(4 * N)} operations in ${secs.toFixed(2)} s = ${((4 * N) / secs).toFixed(1)} ops/s`);

  if (L > 0) {
    const many = Array.from({length: L}, (_, i) => `inst${i}`);
    const t1 = performance.now();
    await mapLimit(many, C, async (name, w) => job(clients[w]!, create(name, nodes[many.indexOf(name) % 3]!, many.indexOf(name) % 2 === 0)));
    console.log(`created ${L} instances (half running) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

    const q: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await clients[0]!.query('instance', ['name', 'hypervisor', 'os', 'pnode', 'status', 'oper_ram'], null);
      q.push(performance.now() - t);
    }
    console.log(`LUXI Query of the default list fields, ${L} instances: ${Math.min(...q).toFixed(0)} ms (runs: ${q.map((x) => x.toFixed(0)).join(', ')})`);
    const env = {...vc.master.env, TZ: 'UTC'};
    const ours: number[] = [];
    const stock: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await timeCommand(process.execPath, [BIN, 'instance', 'list'], env);
      if (r.lines !== L) throw new Error(`list printed ${r.lines} rows`);
      ours.push(r.ms);
      if (existsSync(STOCK)) stock.push((await timeCommand('/usr/bin/python3', [STOCK, 'list'], {...env, PYTHONPATH: '/usr/share/ganeti/3.0'})).ms);
    }
    const best = (xs: number[]): string => `${Math.min(...xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
    console.log(`gnt-instance list, ${L} instances on 3 nodes: ours ${best(ours)}`);
    if (stock.length > 0) console.log(`gnt-instance list, ${L} instances on 3 nodes: stock 3.0 client ${best(stock)}`);
  }
  for (const c of clients) c.close();
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  await vc.cleanup();
}
