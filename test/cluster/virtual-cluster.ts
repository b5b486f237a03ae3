// Test harness: a virtual cluster of N nodes in one temporary directory (one GANETI_ROOTDIR
// per node, /tmp/x/nodeN with GANETI_HOSTNAME=nodeN), each node daemon on its own loopback
// address 127.A.B.N and a shared random port, and the real compiled daemons started on it.
import {spawn, type ChildProcess} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {initCluster} from '../../src/cluster/cluster-init.js';
import {writeConfig, type ConfigData} from '../../src/config/config.js';
import {ssconfValues, writeSsconf} from '../../src/config/ssconf.js';
import {InstanceLock} from '../../src/process/instance-lock.js';
import {resolvePaths, type GanetiPaths} from '../../src/paths.js';
import {LuxiClient} from '../../src/protocol/client.js';
import {shebangNodeArgs} from '../helpers/cluster.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'ganeti.js');

export interface VNode {
  name: string;
  root: string;
  ip: string;
  env: NodeJS.ProcessEnv;
  paths: GanetiPaths;
}

export interface Proc {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number>;
  /** SIGTERM (or the given signal) and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every child process of every cluster: killed when the test process exits, whatever happened. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function rand(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

export class VirtualCluster {
  readonly procs = new Set<Proc>();
  readonly nodes: VNode[];

  private constructor(
    readonly base: string,
    readonly port: number,
    names: string[],
    net: string,
  ) {
    this.nodes = names.map((name, i) => {
      const root = join(base, name);
      const env: NodeJS.ProcessEnv = {...process.env, GANETI_ROOTDIR: root, GANETI_HOSTNAME: name};
      delete env.NODE_OPTIONS;
      return {name, root, ip: `${net}.${i + 1}`, env, paths: resolvePaths(env)};
    });
  }

  /** An empty cluster directory for n nodes (nothing initialised). */
  static empty(n: number): VirtualCluster {
    const base = mkdtempSync(join(tmpdir(), 'ganeti-ts-vc-'));
    const names = Array.from({length: n}, (_, i) => `node${i + 1}`);
    return new VirtualCluster(base, rand(20000, 60000), names, `127.${rand(2, 250)}.${rand(0, 250)}`);
  }

  /**
   * n nodes, node1 the master; the first `candidates` nodes (default all) are master
   * candidates. Configuration, ssconf and certificate are written on every node as after
   * `node add`.
   */
  static async create(n: number, opts: {candidates?: number} = {}): Promise<VirtualCluster> {
    const vc = VirtualCluster.empty(n);
    const [first] = vc.nodes;
    const cfg = await initCluster(first!.paths, {clusterName: 'vc.example.com', primaryIp: first!.ip, rpcPort: vc.port});
    const template = Object.values(cfg.nodes)[0]!;
    vc.nodes.slice(1).forEach((node, i) => {
      const uuid = `00000000-0000-4000-8000-${String(i + 2).padStart(12, '0')}`;
      cfg.nodes[uuid] = {...structuredClone(template), name: node.name, uuid, primary_ip: node.ip, secondary_ip: node.ip};
    });
    const candidates = opts.candidates ?? n;
    vc.nodes.forEach((node, i) => {
      Object.values(cfg.nodes).find((x) => x.name === node.name)!.master_candidate = i < candidates;
    });
    await writeConfig(first!.paths.configFile, cfg);
    await writeSsconf(first!.paths, ssconfValues(cfg));
    for (const node of vc.nodes.slice(1)) await vc.joinNode(node, cfg);
    return vc;
  }

  /** Gives a node what `node add` would: the certificate, ssconf and (candidates) config.data. */
  async joinNode(node: VNode, cfg: ConfigData): Promise<void> {
    mkdirSync(node.paths.dataDir, {recursive: true});
    copyFileSync(this.master.paths.serverCert, node.paths.serverCert);
    await writeSsconf(node.paths, ssconfValues(cfg));
    if (Object.values(cfg.nodes).find((x) => x.name === node.name)?.master_candidate === true) {
      await writeConfig(node.paths.configFile, cfg);
    }
  }

  get master(): VNode {
    return this.nodes[0]!;
  }

  node(name: string): VNode {
    const n = this.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  spawn(node: VNode, args: string[]): Proc {
    const proc = spawn(process.execPath, [...shebangNodeArgs(BIN), BIN, ...args], {env: node.env, stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? (sig !== null ? -1 : 0))));
    const p: Proc = {
      proc,
      output: () => out,
      exited,
      stop: async (signal = 'SIGTERM') => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
        return exited;
      },
    };
    this.procs.add(p);
    live.add(proc);
    void exited.then(() => {
      this.procs.delete(p);
      live.delete(proc);
    });
    return p;
  }

  /** Starts `noded -f` on the node's address and waits until it accepts connections. */
  async startNoded(node: VNode, extra: string[] = []): Promise<Proc> {
    const p = this.spawn(node, ['noded', '-f', '-b', node.ip, '-p', String(this.port), ...extra]);
    let dead = false;
    void p.exited.then(() => (dead = true));
    await waitFor(() => dead || /node daemon ready/.test(p.output()), 15_000, `noded on ${node.name}`);
    if (dead) throw new Error(`noded on ${node.name} exited:\n${p.output()}`);
    return p;
  }

  startNodeds(nodes: VNode[]): Promise<Proc[]> {
    return Promise.all(nodes.map((n) => this.startNoded(n)));
  }

  /** Starts `masterd -f` and waits for its query socket, or for its exit (then rejects). */
  async startMasterd(node: VNode, extra: string[] = []): Promise<Proc> {
    const p = this.spawn(node, ['masterd', '-f', '--shutdown-linger', '0', ...extra]);
    let dead = false;
    void p.exited.then(() => (dead = true));
    // Ready once it says so: its signal handlers are in place from then on.
    await waitFor(() => dead || /master daemon ready/.test(p.output()), 20_000, `masterd on ${node.name}`);
    if (dead) throw new Error(`masterd on ${node.name} exited:\n${p.output()}`);
    return p;
  }

  /** Runs a daemon expected to exit by itself; one still running after timeoutMs is killed (code -1). */
  async runToExit(node: VNode, args: string[], timeoutMs = 15_000): Promise<{code: number; output: string}> {
    const p = this.spawn(node, args);
    const timer = setTimeout(() => void p.stop('SIGKILL'), timeoutMs);
    const code = await p.exited;
    clearTimeout(timer);
    return {code, output: p.output()};
  }

  /** Runs a CLI command to completion. */
  run(node: VNode, args: string[], bin = BIN): Promise<RunResult> {
    return new Promise((resolve) => {
      const proc = spawn(process.execPath, [...shebangNodeArgs(bin), bin, ...args], {env: node.env, stdio: ['ignore', 'pipe', 'pipe']});
      live.add(proc);
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      proc.on('close', (code) => {
        live.delete(proc);
        resolve({code: code ?? -1, stdout, stderr});
      });
    });
  }

  client(node: VNode = this.master): LuxiClient {
    return new LuxiClient({paths: node.paths});
  }

  /** Kills every process started here and every daemon left running in a node root; removes
   * the directory unless GANETI_TEST_KEEP is set (for debugging). */
  async cleanup(): Promise<void> {
    await Promise.all([...this.procs].map((p) => p.stop('SIGKILL')));
    for (const node of this.nodes) {
      for (const pidFile of [node.paths.masterdPidFile, node.paths.nodedPidFile]) {
        // Only a pid file whose lock is held names a live daemon: a stale one may name a
        // process that reused the pid.
        const holder = await InstanceLock.holder(pidFile);
        if (holder !== null && holder.pid !== null) process.kill(holder.pid, 'SIGKILL');
      }
    }
    if (process.env.GANETI_TEST_KEEP === undefined) rmSync(this.base, {recursive: true, force: true});
    else process.stderr.write(`kept ${this.base}\n`);
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the job is finalized; returns its status. */
export async function waitJob(c: LuxiClient, id: number, timeoutMs = 20_000): Promise<string> {
  let status = '';
  await waitFor(
    async () => {
      const [[st]] = (await c.queryJobs([id], ['status'])) as [[string]];
      status = st;
      return ['success', 'error', 'canceled'].includes(st);
    },
    timeoutMs,
    `job ${id}`,
  );
  return status;
}
