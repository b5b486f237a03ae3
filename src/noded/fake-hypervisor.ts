// Ganeti's `fake` hypervisor on a node (docs/instances.md): one file per running instance in
// $ROOT/var/run/ganeti/fake-hypervisor/, named after the instance, holding "0\n<MiB>\n<vcpus>\n".
// The file exists exactly while the instance runs; nothing else is started.
import {existsSync, promises as fsp, readFileSync} from 'node:fs';
import {cpus} from 'node:os';
import {join} from 'node:path';
import {writeFileDurable} from '../durable/files.js';
import {stringifyJson} from '../json/lossless.js';
import type {GanetiPaths} from '../paths.js';
import {RpcFailure} from './rpc-failure.js';

export interface HvInstanceInfo {
  memory: number;
  vcpus: number;
  state: number;
  time: number;
}

/** The parts of the instance dict the master sends (hvparams/beparams already filled). */
export interface InstanceDict {
  name: string;
  hypervisor: string;
  beparams: {minmem: number; maxmem: number; vcpus: number};
}

const NAME = /^[a-z0-9_-][a-z0-9._-]{0,254}$/i;
/** hv_base's RUNNING state. */
const STATE_RUNNING = 0;

export function instanceName(value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value) || value.includes('..')) {
    throw new RpcFailure(`Invalid instance name ${JSON.stringify(value)}`);
  }
  return value;
}

function whole(v: unknown, what: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new RpcFailure(`Invalid instance parameter ${what}`);
  return n;
}

export function instanceDict(value: unknown): InstanceDict {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RpcFailure('Invalid instance: expected an object');
  const v = value as Record<string, unknown>;
  const name = instanceName(v.name);
  if (v.hypervisor !== 'fake') throw new RpcFailure(`Hypervisor '${String(v.hypervisor)}' not supported`);
  const be = (v.beparams ?? {}) as Record<string, unknown>;
  return {
    name,
    hypervisor: 'fake',
    beparams: {minmem: whole(be.minmem, 'minmem'), maxmem: whole(be.maxmem, 'maxmem'), vcpus: whole(be.vcpus, 'vcpus')},
  };
}

interface MemInfo {
  total: number;
  free: number;
  dom0: number;
}

function hostMemory(): MemInfo {
  const kib: Record<string, number> = {};
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m !== null) kib[m[1]!] = Number(m[2]);
  }
  const mib = (k: string): number => Math.floor((kib[k] ?? 0) / 1024);
  return {total: mib('MemTotal'), free: mib('MemFree') + mib('Buffers') + mib('Cached'), dom0: mib('Active')};
}

export class FakeHypervisor {
  readonly dir: string;
  readonly reasonDir: string;

  constructor(paths: GanetiPaths) {
    this.dir = join(paths.runDir, 'fake-hypervisor');
    this.reasonDir = join(paths.runDir, 'instance-reason');
  }

  private file(name: string): string {
    return join(this.dir, instanceName(name));
  }

  isRunning(name: string): boolean {
    return existsSync(this.file(name));
  }

  async list(): Promise<string[]> {
    try {
      return (await fsp.readdir(this.dir)).filter((n) => NAME.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async info(name: string): Promise<HvInstanceInfo | null> {
    let text: string;
    try {
      text = await fsp.readFile(this.file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const [, memory = '0', vcpus = '0'] = text.split('\n');
    return {memory: Number.parseInt(memory, 10) || 0, vcpus: Number.parseInt(vcpus, 10) || 0, state: STATE_RUNNING, time: 0};
  }

  async allInfo(): Promise<Record<string, HvInstanceInfo>> {
    const out: Record<string, HvInstanceInfo> = {};
    for (const name of await this.list()) {
      const info = await this.info(name);
      if (info !== null) out[name] = info;
    }
    return out;
  }

  /** Host memory as the fake hypervisor reports it: the running instances' memory is not free. */
  async nodeInfo(): Promise<Record<string, number>> {
    const mem = hostMemory();
    const used = Object.values(await this.allInfo()).reduce((sum, i) => sum + i.memory, 0);
    return {
      memory_total: mem.total,
      memory_dom0: mem.dom0,
      memory_free: mem.free - Math.min(mem.free, used),
      cpu_total: cpus().length,
      cpu_dom0: 0,
      cpu_nodes: 1,
      cpu_sockets: 1,
    };
  }

  /** The memory a starting instance gets: maxmem, down to minmem when the node is short. */
  async startupMemory(inst: InstanceDict): Promise<number> {
    const free = (await this.nodeInfo()).memory_free ?? 0;
    return Math.max(inst.beparams.minmem, Math.min(inst.beparams.maxmem, free));
  }

  async markUp(inst: InstanceDict, memory: number): Promise<void> {
    await fsp.mkdir(this.dir, {recursive: true, mode: 0o775});
    await writeFileDurable(this.file(inst.name), `0\n${memory}\n${inst.beparams.vcpus}\n`, 0o600);
  }

  async markDown(name: string): Promise<void> {
    await fsp.rm(this.file(name), {force: true});
  }

  /** Keeps the reason trail of the last start or stop, as Ganeti's noded does. */
  async storeReason(name: string, reason: unknown, action: string): Promise<void> {
    const trail = Array.isArray(reason) ? [...(reason as unknown[])] : [];
    trail.push([`gnt:daemon:noded:${action}`, '', BigInt(Date.now()) * 1_000_000n]);
    await fsp.mkdir(this.reasonDir, {recursive: true, mode: 0o755});
    await writeFileDurable(join(this.reasonDir, instanceName(name)), stringifyJson(trail), 0o644);
  }
}
