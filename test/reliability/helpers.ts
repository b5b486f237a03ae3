// Shared parts of the reliability suites (crash, faults, fuzz, load, security): an offline
// scanner of the on-disk queue, the client-driver processes, tmpfs mounts and small
// statistics. The daemon launcher is the common one in ../helpers/cluster.ts.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {join} from 'node:path';
import {parseJobFile} from '../../src/queue/job.js';
import type {GanetiPaths} from '../../src/paths.js';
import type {TestNode} from '../helpers/cluster.js';

export const LONG = process.env.RELIABILITY_LONG === '1';

/** An integer setting: the env var if set, else the long or the short default. */
export function setting(name: string, short: number, long: number): number {
  const v = process.env[name];
  if (v !== undefined && v !== '') {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${v}'`);
    return n;
  }
  return LONG ? long : short;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Prints a line to the test's output that shows up in the runner's report (the "numbers"). */
export function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

// --- the queue on disk -------------------------------------------------------------------

export interface JobOnDisk {
  id: number;
  status: string;
  archived: boolean;
  /** Per opcode: [status, result]. */
  ops: Array<[string, unknown]>;
}

export interface QueueScan {
  jobs: Map<number, JobOnDisk>;
  /** Files named job-N that do not parse, are empty, or carry the wrong id. */
  problems: string[];
  /** Leftover temp files (.job-N.*.tmp) in the queue directory. */
  temps: string[];
  /** The serial file's value: 0 when missing, NaN when unreadable. */
  serial: number;
}

const JOB_NAME = /^job-([1-9][0-9]*|0)$/;

/** Reads every job file (live and archived) the way the daemon would, without the daemon. */
export function scanQueue(paths: GanetiPaths): QueueScan {
  const jobs = new Map<number, JobOnDisk>();
  const problems: string[] = [];
  const temps: string[] = [];
  const visit = (dir: string, archived: boolean): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!archived && name.startsWith('.') && name.endsWith('.tmp')) temps.push(name);
      const m = JOB_NAME.exec(name);
      if (m === null) continue;
      const id = Number(m[1]);
      const path = join(dir, name);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        problems.push(`${path}: ${(err as Error).message}`);
        continue;
      }
      if (text.length === 0) {
        problems.push(`${path}: empty`);
        continue;
      }
      try {
        const job = parseJobFile(text, id, archived);
        if (jobs.has(id)) problems.push(`job ${id} exists twice (live and archived)`);
        jobs.set(id, {id, status: job.status, archived, ops: job.ops.map((op) => [op.status, op.result])});
      } catch (err) {
        problems.push(`${path}: ${(err as Error).message} (${text.length} bytes)`);
      }
    }
  };
  visit(paths.queueDir, false);
  const archive = join(paths.queueDir, 'archive');
  if (existsSync(archive)) {
    for (const b of readdirSync(archive)) {
      if (b.startsWith('.')) continue;
      if (statSync(join(archive, b)).isDirectory()) visit(join(archive, b), true);
    }
  }
  let serial = Number.NaN;
  try {
    const text = readFileSync(join(paths.queueDir, 'serial'), 'utf8');
    if (/^\d+\n?$/.test(text)) serial = Number(text);
  } catch (err) {
    // A queue that was never opened has no serial yet (0); a lost one shows as going backwards.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') serial = 0;
  }
  return {jobs, problems, temps, serial};
}

/** The ids a driver acknowledged, from its fsynced log (a torn last line is ignored). */
export function readAckLog(path: string): number[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline is not acknowledged yet
  return lines.filter((l) => l !== '').map(Number);
}

// --- driver processes -------------------------------------------------------------------

export const DRIVER = join(import.meta.dirname, 'helpers-driver.ts');

export interface DriverProc {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** The last JSON line the driver printed on stdout (its summary). */
  result<T>(): T;
  stop(): Promise<number | null>;
}

/** Runs test/reliability/helpers-driver.ts in its own process with the given config. */
export function spawnDriver(node: TestNode, config: Record<string, unknown>): DriverProc {
  const env = {...node.env};
  delete env.NODE_TEST_CONTEXT;
  const proc = spawn(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(config)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  return {
    proc,
    output: () => stdout + stderr,
    exited,
    result<T>(): T {
      const lines = stdout.trim().split('\n');
      return JSON.parse(lines[lines.length - 1]!) as T;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

// --- tmpfs --------------------------------------------------------------------------------

/** Mounts a tmpfs of `size` (e.g. '64k') on dir; returns the unmount function. Root only. */
export function mountTmpfs(dir: string, size: string): () => void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0750`, 'tmpfs', dir]);
  let mounted = true;
  const unmount = (): void => {
    if (!mounted) return;
    try {
      execFileSync('umount', [dir]);
    } catch {
      execFileSync('umount', ['-l', dir]);
    }
    mounted = false;
  };
  process.once('exit', unmount);
  return unmount;
}

export function remount(dir: string, options: string): void {
  execFileSync('mount', ['-o', `remount,${options}`, dir]);
}

// --- raw LUXI ---------------------------------------------------------------------------

const PARSE_ERROR_PREFIX = '{"success":false,"result":"Failed to parse request: ';

export interface RawResult {
  /** The answer frames received, decoded as UTF-8. */
  replies: string[];
  /** The server closed the connection. */
  closed: boolean;
  /** Neither all expected answers nor a close arrived in time. */
  timedOut: boolean;
}

/**
 * Writes `chunks` (one write each, in order) to a new connection, half-closes when `end`,
 * and collects answers until `expect` frames arrived, the server closed, or the timeout.
 */
export function rawExchange(path: string, chunks: Buffer[], expect: number, timeoutMs: number, end = false): Promise<RawResult> {
  return new Promise((resolve) => {
    const s: Socket = connect(path);
    const bufs: Buffer[] = [];
    let frames = 0;
    let closed = false;
    let settled = false;
    const finish = (timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      const all = Buffer.concat(bufs);
      const replies: string[] = [];
      let start = 0;
      for (let i = all.indexOf(3); i !== -1; i = all.indexOf(3, start)) {
        replies.push(all.subarray(start, i).toString('utf8'));
        start = i + 1;
      }
      resolve({replies, closed, timedOut});
    };
    let lingering = false;
    s.on('data', (d: Buffer) => {
      bufs.push(d);
      for (const b of d) if (b === 3) frames++;
      if (frames >= expect && !lingering) {
        // After a parse error the server closes the connection: give it the chance to.
        const all = Buffer.concat(bufs);
        const lastStart = all.lastIndexOf(3, all.length - 2) + 1;
        if (all.subarray(lastStart).toString('utf8').startsWith(PARSE_ERROR_PREFIX)) {
          lingering = true;
          setTimeout(() => finish(false), 2000);
        } else {
          finish(false);
        }
      }
    });
    s.on('close', () => {
      closed = true;
      finish(false);
    });
    s.on('error', () => undefined);
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      if (end) s.end();
    });
    const timer = setTimeout(() => finish(true), timeoutMs);
  });
}

// --- statistics ---------------------------------------------------------------------------

export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32) so a failing run can be repeated with RELIABILITY_SEED. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFromEnv(): number {
  const s = process.env.RELIABILITY_SEED;
  return s !== undefined && s !== '' ? Number(s) : Math.floor(Math.random() * 2 ** 31);
}
