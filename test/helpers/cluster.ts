// Test harness: a one-node virtual cluster on a temporary GANETI_ROOTDIR and the real
// masterd process started on it.
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {initCluster} from '../../src/config/cluster-init.js';
import {resolvePaths, type GanetiPaths} from '../../src/paths.js';
import {LuxiClient} from '../../src/protocol/client.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'ganeti.js');

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

export interface Daemon {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  client(): LuxiClient;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
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

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts `ganeti masterd -f` on the node and waits until its query socket accepts. */
export async function startDaemon(node: TestNode, args: string[] = []): Promise<Daemon> {
  const proc = spawn(process.execPath, [BIN, 'masterd', '-f', '--shutdown-linger', '0', ...args], {
    env: node.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  let dead = false;
  void exited.then(() => (dead = true));
  await waitFor(async () => dead || (await canConnect(node.paths.querySocket)), 15_000, 'masterd to listen');
  if (dead) throw new Error(`masterd exited during start-up:\n${out}`);
  const clients: LuxiClient[] = [];
  return {
    proc,
    output: () => out,
    exited,
    client: () => {
      const c = new LuxiClient({paths: node.paths});
      clients.push(c);
      return c;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      for (const c of clients) c.close();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(
  node: TestNode,
  args: string[],
  opts: {input?: string; bin?: string; env?: NodeJS.ProcessEnv} = {},
): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [opts.bin ?? BIN, ...args], {env: {...node.env, ...opts.env}, stdio: ['pipe', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.end(opts.input ?? '');
    proc.on('exit', (code) => resolve({code, stdout, stderr}));
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
