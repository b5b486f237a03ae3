// Test harness: a one-node virtual cluster on a temporary GANETI_ROOTDIR and the real
// masterd process started on it (also under a wrapper such as strace, or killed with -9).
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {initCluster} from '../../src/cluster/cluster-init.js';
import {resolvePaths, type GanetiPaths} from '../../src/paths.js';
import {LuxiClient} from '../../src/protocol/client.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'ganeti.js');

/** The Node options on a bin/ file's #! line, which `node <file>` would go without. */
export function shebangNodeArgs(file: string): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  const words = first.split(/\s+/);
  return first.startsWith('#!') && words.includes('node') ? words.slice(words.indexOf('node') + 1) : [];
}
/** bin/ganeti.js's: the daemons' Node options (src/process/detach.ts). */
export const BIN_NODE_ARGS = shebangNodeArgs(BIN);

export interface TestNode {
  base: string;
  root: string;
  env: NodeJS.ProcessEnv;
  paths: GanetiPaths;
  cleanup(): void;
}

export async function makeNode(hostname = 'node1', init = true): Promise<TestNode> {
  const base = mkdtempSync(join(tmpdir(), 'ganeti-ts-test-'));
  const root = join(base, hostname);
  const env: NodeJS.ProcessEnv = {...process.env, GANETI_ROOTDIR: root, GANETI_HOSTNAME: hostname};
  delete env.NODE_OPTIONS;
  const paths = resolvePaths(env);
  if (init) await initCluster(paths, {clusterName: 'cluster.example.com', primaryIp: '127.0.0.1'});
  return {base, root, env, paths, cleanup: () => rmSync(base, {recursive: true, force: true})};
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until a daemon answers `c` (for daemons started some other way than launchMasterd). */
export async function untilAnswering(c: LuxiClient, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      try {
        await c.queryConfigValues(['cluster_name']);
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    'masterd',
  );
}

/** Starts `ganeti masterd -f` on the node and waits until its query socket accepts. */
export interface Masterd {
  proc: ChildProcess;
  /** The masterd process itself (differs from proc.pid under a wrapper such as strace). */
  pid(): number;
  output(): string;
  exited: Promise<number | null>;
  alive(): boolean;
  /** Resolves once the query socket accepts, rejects if the process died first. */
  ready(timeoutMs?: number): Promise<void>;
  client(opts?: {timeoutMs?: number}): LuxiClient;
  kill9(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface LaunchOptions {
  args?: string[];
  /** Node.js options put before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** A wrapper command line put in front of node (e.g. ['strace', '-f', ...]). */
  wrapper?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Starts `ganeti masterd -f` without waiting for it. */
export function launchMasterd(node: TestNode, opts: LaunchOptions = {}): Masterd {
  const argv = [...BIN_NODE_ARGS, ...(opts.nodeArgs ?? []), BIN, 'masterd', '-f', '--shutdown-linger', '0', ...(opts.args ?? [])];
  const wrapper = opts.wrapper ?? [];
  const cmd = wrapper.length > 0 ? wrapper[0]! : process.execPath;
  const cmdArgs = wrapper.length > 0 ? [...wrapper.slice(1), process.execPath, ...argv] : argv;
  const proc = spawn(cmd, cmdArgs, {env: {...node.env, ...opts.env}, stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let dead = false;
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code, sig) => {
      dead = true;
      resolve(code ?? (sig ? -1 : null));
    }),
  );
  const clients: LuxiClient[] = [];
  const pid = (): number => {
    if (wrapper.length === 0) return proc.pid!;
    return Number(readFileSync(node.paths.masterdPidFile, 'utf8').trim());
  };
  return {
    proc,
    pid,
    output: () => out,
    exited,
    alive: () => !dead,
    async ready(timeoutMs = 20_000) {
      await waitFor(async () => dead || (await canConnect(node.paths.querySocket)), timeoutMs, 'masterd to listen');
      if (dead) throw new Error(`masterd exited during start-up:\n${out.slice(-4000)}`);
    },
    client(copts = {}) {
      const c = new LuxiClient({paths: node.paths, ...(copts.timeoutMs !== undefined ? {timeoutMs: copts.timeoutMs} : {})});
      clients.push(c);
      return c;
    },
    async kill9() {
      for (const c of clients) c.close();
      if (!dead) {
        if (wrapper.length > 0) {
          try {
            process.kill(pid(), 'SIGKILL');
          } catch {
            /* gone already */
          }
        }
        proc.kill('SIGKILL');
      }
      await exited;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      for (const c of clients) c.close();
      if (!dead) {
        if (wrapper.length > 0) process.kill(pid(), signal);
        else proc.kill(signal);
      }
      const timer = setTimeout(() => {
        if (!dead) proc.kill('SIGKILL');
      }, 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function startMasterd(node: TestNode, opts: LaunchOptions = {}): Promise<Masterd> {
  const d = launchMasterd(node, opts);
  try {
    await d.ready();
  } catch (err) {
    await d.kill9();
    throw err;
  }
  return d;
}

/** The master daemon most tests use: plain arguments, started and ready. */
export type Daemon = Masterd;
export function startDaemon(node: TestNode, args: string[] = []): Promise<Daemon> {
  return startMasterd(node, {args});
}

/** Runs the CLI to completion. */
export function runCli(
  node: TestNode,
  args: string[],
  opts: {input?: string; bin?: string; env?: NodeJS.ProcessEnv} = {},
): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const bin = opts.bin ?? BIN;
    const proc = spawn(process.execPath, [...shebangNodeArgs(bin), bin, ...args], {
      env: {...node.env, ...opts.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.end(opts.input ?? '');
    proc.on('close', (code) => resolve({code, stdout, stderr}));
  });
}

export const delayOp = (duration: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  OP_ID: 'OP_TEST_DELAY',
  duration,
  ...extra,
});

/** Waits until the job reaches a final status; returns it. */
export async function waitJob(c: LuxiClient, id: number, timeoutS = 30): Promise<string> {
  const deadline = Date.now() + timeoutS * 1000;
  let prev: unknown[] | null = null;
  let serial: number | null = null;
  for (;;) {
    const res = await c.waitForJobChange(id, ['status'], prev, serial, 10);
    if (res === 'nochange') continue;
    const [info, logs] = res;
    prev = info;
    for (const l of logs) serial = l[0];
    const st = info[0] as string;
    if (['success', 'error', 'canceled'].includes(st)) return st;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${st}`);
  }
}

/** Kills the given blocking jobs, then waits until every job still in the queue has ended. */
export async function settleQueue(c: LuxiClient, blockers: number[]): Promise<void> {
  const ids = blockers.splice(0);
  for (const id of ids) await c.cancelJob(id, true).catch(() => undefined);
  for (const id of ids) await waitJob(c, id);
  const rest = (await c.query('job', ['id'], ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']]))
    .data;
  for (const row of rest) await waitJob(c, row[0]![1] as number);
}
