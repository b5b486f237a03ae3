// `npm run bench`: every benchmark of issue 14's targets in one run (under 10 minutes on the
// 2-core machine), and bench/REPORT.md from it.
//   node --import tsx bench/run-all.ts [--quick] [--no-profile] [--out bench/REPORT.md]
// 1. the machine; 2. the disk's durable-write limit (bench/fsync-rate.ts, measured three times
// between the other benchmarks, on the same file system as their queues); 3. submission phases,
// completion, sequential and concurrent SubmitJob, wake-up (bench/submit.ts), with the floor under
// sequential SubmitJob before it (bench/seq-floor.ts: a minimal Node server and one durable write,
// in alternating rounds); command start-up paired with the stock gnt-job (bench/cli-start.ts);
// gnt-job top's first frame (bench/top-start.ts); one big queue for queries, memory, idle monitors and a restart
// (bench/big-queue.ts); node RPC at cluster scale (bench/voting.ts); 4. CPU profiles of masterd
// (node --cpu-prof) on the submit and complete paths, summarised as "where the time goes";
// 5. the targets with their figures, and the rows for the README's performance table.
// the instance lifecycle (bench/instances.ts); hostile requests and connections (bench/hostile.ts,
// issue 13). bench/gnt-job-list.ts and top-idle.ts are not part of it (big-queue.ts has their
// issue-14 figures).
// The section of REPORT.md after the "notes" marker is written by hand and kept.
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {cpus, loadavg, release, tmpdir, totalmem} from 'node:os';
import {basename, join} from 'node:path';
import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {delayOp, makeNode, startMasterd} from '../test/helpers/cluster.js';
import type {FsyncFigures} from './fsync-rate.js';
import type {FloorFigures} from './seq-floor.js';
import type {CaseFigures, HostileFigures} from './hostile.js';

const {values} = parseArgs({
  options: {
    quick: {type: 'boolean', default: false},
    'no-profile': {type: 'boolean', default: false},
    out: {type: 'string', default: join(import.meta.dirname, 'REPORT.md')},
  },
});
const QUICK = values.quick;
const BENCH = import.meta.dirname;
const REPO = join(BENCH, '..');
const NOTES_MARKER = '<!-- notes: everything below this line is kept by bench/run-all.ts -->';

type Run = {code: number | null; stdout: string; stderr: string; ms: number};

/** Runs a benchmark script; one that runs past `timeoutS` is stopped (its figures so far kept). */
function run(args: string[], env: NodeJS.ProcessEnv = {}, timeoutS = 900): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, {cwd: REPO, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(stopped after ${timeoutS} s)`;
      p.kill('SIGTERM');
    }, timeoutS * 1000);
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      process.stdout.write(d);
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr, ms: performance.now() - t0});
    });
  });
}

/**
 * The disk samples' files (and bench/seq-floor.ts's) stay until the end of the run: their removal
 * would make the creations of the benchmark right after them (bench/submit.ts after the first) pay
 * the kernel's walk past recently freed inodes on an ext4 without a journal
 * (docs/on-disk-layout.md, "Durability"), which the sample itself did not pay.
 */
const fsyncDirs: string[] = [];
process.on('exit', () => {
  for (const d of fsyncDirs) rmSync(d, {recursive: true, force: true});
});

async function fsyncRate(): Promise<FsyncFigures> {
  const r = await run(['--import', 'tsx', join(BENCH, 'fsync-rate.ts'), '--json', '--keep', '--seconds', QUICK ? '1' : '3'], {
    UV_THREADPOOL_SIZE: '32',
  });
  if (r.code !== 0) throw new Error(`fsync-rate failed: ${r.stderr}`);
  const f = JSON.parse(r.stdout.trim().split('\n').pop()!) as FsyncFigures;
  fsyncDirs.push(f.dir);
  return f;
}

// --- figures and their fraction of the limit ---------------------------------------------

interface Figure {
  line: string;
  absolute: string;
  fraction: string;
}

/**
 * Reads a benchmark's output lines generically: "= N jobs/s" is a throughput (1 durable
 * write per job to submit, 2 over the life of a short job: submit and final status; the
 * running state is written only if the job is still running 20 ms later), "p50 X ms" a
 * latency (compared with one serial durable write); anything else is kept as is.
 */
function figures(lines: string[], limit: FsyncFigures): Figure[] {
  const out: Figure[] = [];
  const writeMs = 1000 / limit.serial;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('machine:')) continue;
    const thr = /=\s*([\d.]+)\s*jobs\/s/.exec(line);
    const p50 = /p50\s+([\d.]+)\s*ms/.exec(line);
    const p99 = /p99\s+([\d.]+)\s*ms/.exec(line);
    if (thr !== null) {
      const jobs = Number(thr[1]);
      const stated = /(\d+) durable writes?\/job/.exec(line);
      const writes = stated !== null ? Number(stated[1]) : /complet/i.test(line) ? 2 : 1;
      const possible = limit.groupCommit16 / writes;
      out.push({
        line,
        absolute: `${jobs.toFixed(0)} jobs/s`,
        fraction: `${((jobs / possible) * 100).toFixed(0)}% of ${possible.toFixed(0)} jobs/s (group commit ÷ ${writes} write${writes > 1 ? 's' : ''}/job)`,
      });
    } else if (p50 !== null) {
      const a = Number(p50[1]);
      const b = p99 === null ? null : Number(p99[1]);
      out.push({
        line,
        absolute: `p50 ${a} ms${b === null ? '' : `, p99 ${b} ms`}`,
        fraction: `${(a / writeMs).toFixed(1)}×${b === null ? '' : ` / ${(b / writeMs).toFixed(1)}×`} one serial durable write (${writeMs.toFixed(1)} ms)`,
      });
    } else {
      const ms = /:\s*([\d.]+)\s*ms/.exec(line);
      out.push({line, absolute: ms !== null ? `${ms[1]} ms` : '', fraction: 'not disk-bound'});
    }
  }
  return out;
}

// --- CPU profiles ------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface ProfileSummary {
  title: string;
  wallMs: number;
  busyMs: number;
  jobs: number;
  self: Array<[string, number]>;
  files: Array<[string, number]>;
  inclusive: Array<[string, number]>;
}

const short = (url: string): string => {
  if (url === '') return '(native)';
  const u = url.replace(/^file:\/\//, '');
  if (u.startsWith(REPO)) return u.slice(REPO.length + 1).replace(/^node_modules\/([^/]+)\/.*$/, 'node_modules/$1');
  if (u.startsWith('node:')) return u;
  return basename(u);
};

/** Functions whose inclusive time tells the submit and complete paths apart. */
const KEY_FUNCTIONS = [
  'onConnection',
  'handle',
  'parseRequest',
  'parseJson',
  'dispatch',
  'submitOne',
  'submitMany',
  'create',
  'validateOpcode',
  'persistSerial',
  'writeJob',
  'toFileText',
  'writeAndRename',
  'formatResponse',
  'stringifyJson',
  'runJob',
  'pump',
  'acquire',
  'persist',
  'startWrite',
  'notify',
  'waitForChange',
  'query',
  'autoArchive',
  'write',
  'Pino',
];

function summarise(title: string, profile: CpuProfile, jobs: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const key = (n: ProfileNode): string =>
    `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const incl = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName;
    if (name === '(idle)') continue;
    busy += us;
    self.set(key(n), (self.get(key(n)) ?? 0) + us);
    const file = name === '(garbage collector)' || name === '(program)' ? name : short(n.callFrame.url);
    files.set(file, (files.get(file) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const fn = byId.get(cur)!.callFrame;
      if (!fn.url.startsWith(`file://${REPO}/dist`) && !fn.url.includes('/pino')) continue;
      const k = KEY_FUNCTIONS.includes(fn.functionName) ? `${fn.functionName} (${short(fn.url)})` : null;
      if (k !== null && !seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + us);
      }
    }
  }
  const top = (m: Map<string, number>, n: number): Array<[string, number]> =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, v / 1000]);
  return {
    title,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busy / 1000,
    jobs,
    self: top(self, 20),
    files: top(files, 12),
    inclusive: top(incl, 20),
  };
}

async function profileRun(title: string, jobs: number, drive: (clients: () => LuxiClient) => Promise<void>): Promise<ProfileSummary> {
  const node = await makeNode();
  const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-prof-'));
  try {
    const d = await startMasterd(node, {nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir], args: ['--job-queue-size-limit', '1000000']});
    try {
      await drive(() => d.client());
    } catch (err) {
      await d.stop();
      throw err;
    }
    const code = await d.stop();
    if (code !== 0) throw new Error(`masterd exited ${code} under the profiler`);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('no CPU profile written');
    return summarise(title, JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, jobs);
  } finally {
    rmSync(dir, {recursive: true, force: true});
    node.cleanup();
  }
}

async function untilDone(c: LuxiClient): Promise<void> {
  for (;;) {
    const r = await c.query('job', ['id'], ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']]);
    if (r.data.length === 0) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function profiles(): Promise<ProfileSummary[]> {
  const n = QUICK ? 2000 : 8000;
  const single = await profileRun(`SubmitJob from 32 clients, ${n} OP_TEST_DELAY(0) jobs, submitted and completed`, n, async (client) => {
    const clients = Array.from({length: 32}, client);
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < n / 32; i++) await c.submitJob([delayOp(0)]);
      }),
    );
    await untilDone(clients[0]!);
  });
  const many = await profileRun(`SubmitManyJobs, ${n} jobs in batches of 1000, submitted and completed`, n, async (client) => {
    const c = client();
    for (let done = 0; done < n; done += 1000) await c.submitManyJobs(Array.from({length: 1000}, () => [delayOp(0)]));
    await untilDone(c);
  });
  const seqN = QUICK ? 500 : 2000;
  const sequential = await profileRun(
    `sequential SubmitJob on one connection, ${seqN} jobs held by a dependency, then released and run`,
    seqN,
    async (client) => {
      const c = client();
      const blocker = await c.submitJob([delayOp(3600)]);
      for (let i = 0; i < seqN; i++) await c.submitJob([delayOp(0, {depends: [[blocker, []]]})]);
      await c.cancelJob(blocker, true);
      await untilDone(c);
    },
  );
  return [single, many, sequential];
}

// --- the report --------------------------------------------------------------------------

function table(head: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join(
    '\n',
  );
}

/** A figure of the summary: the first line of a benchmark's output that matches, and its target. */
interface Target {
  figure: string;
  readme: string;
  target: string;
  from: () => string | null;
  met: (text: string) => boolean | null;
  /** The target is stated for the full run's sizes (100,000 jobs): a --quick run cannot meet it. */
  fullSize?: boolean;
  /** A measuring reference beside a target's figure, with no target of its own. */
  reference?: boolean;
}

function verdictOf(t: Target, met: boolean | null): string {
  if (t.reference === true) return 'n/a (reference)';
  if (QUICK && t.fullSize === true) return 'n/a (--quick sizes)';
  return met === null ? '?' : met ? 'yes' : '**no**';
}

const lineOf = (r: Run | null, re: RegExp): string | null =>
  r?.stdout
    .split('\n')
    .find((l) => re.test(l))
    ?.trim() ?? null;
const num = (text: string, re: RegExp): number | null => {
  const m = re.exec(text);
  return m === null ? null : Number(m[1]);
};

/** "Where the time goes": a few sentences from a profile summary. */
function whereTheTimeGoes(p: ProfileSummary): string {
  const share = (v: number): string => `${((v / p.busyMs) * 100).toFixed(0)}%`;
  const files = p.files
    .slice(0, 5)
    .map(([k, v]) => `${k} ${share(v)}`)
    .join(', ');
  const paths = p.inclusive
    .slice(0, 6)
    .map(([k, v]) => `${k} ${share(v)}`)
    .join(', ');
  const fns = p.self
    .slice(0, 5)
    .map(([k, v]) => `${k} ${share(v)}`)
    .join(', ');
  return [
    `- **${p.title}**: ${((p.busyMs * 1000) / p.jobs).toFixed(0)} µs of main-thread CPU per job (${(p.busyMs / 1000).toFixed(1)} s busy of ${(p.wallMs / 1000).toFixed(1)} s).`,
    `  By module (self time): ${files}.`,
    `  By path (inclusive): ${paths}.`,
    `  Hottest functions: ${fns}.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const load0 = loadavg();
  const t0 = performance.now();
  const samples: FsyncFigures[] = [];
  const tsx = (script: string, args: string[], timeoutS?: number): Promise<Run> =>
    run(['--import', 'tsx', join(BENCH, script), ...args], {}, timeoutS);
  console.log('== disk: durable write limit (1/3)');
  samples.push(await fsyncRate());

  // Before bench/submit.ts, as its sequential rounds run before any job file is replaced or removed.
  console.log('== bench/seq-floor.ts');
  const floorArgs = [...(QUICK ? ['--rounds', '5', '--requests', '100'] : ['--rounds', '15', '--requests', '150']), '--keep', '--json'];
  const floor = await tsx('seq-floor.ts', floorArgs, 120);
  const floorJson = ((): FloorFigures | null => {
    try {
      return JSON.parse(floor.stdout.trim().split('\n').pop() ?? '') as FloorFigures;
    } catch {
      return null;
    }
  })();
  if (floorJson !== null) fsyncDirs.push(floorJson.dir);

  console.log('== bench/submit.ts');
  // Three rounds of the phases compared with the disk, best taken, as for the disk's samples.
  const submitArgs = QUICK ? ['--jobs', '2000', '--wake-samples', '100'] : ['--jobs', '10000', '--wake-samples', '300', '--rounds', '3'];
  const submit = await tsx('submit.ts', submitArgs);
  console.log('== disk: durable write limit (2/3)');
  samples.push(await fsyncRate());

  console.log('== bench/cli-start.ts');
  const cliArgs = QUICK ? ['--runs', '5', '--json'] : ['--runs', '11', '--json'];
  const cli = await tsx('cli-start.ts', cliArgs);
  console.log('== bench/top-start.ts');
  const topArgs = QUICK ? ['--runs', '3'] : ['--runs', '5'];
  const top = await tsx('top-start.ts', topArgs);
  console.log('== bench/big-queue.ts');
  const bigArgs = QUICK ? ['--jobs', '10000', '--idle-seconds', '3'] : ['--jobs', '100000', '--idle-seconds', '20'];
  const big = await tsx('big-queue.ts', bigArgs);
  console.log('== bench/voting.ts');
  const votingArgs = QUICK ? ['--sizes', '10', '--jobs', '300', '--rounds', '1'] : ['--sizes', '10,50', '--jobs', '1000', '--rounds', '1'];
  const voting = await tsx('voting.ts', votingArgs, QUICK ? 120 : 240);
  console.log('== bench/instances.ts');
  const instArgs = QUICK ? ['--instances', '20', '--list', '100'] : [];
  const instances = await tsx('instances.ts', instArgs, QUICK ? 120 : 300);
  console.log('== bench/retention.ts');
  const retentionArgs = QUICK ? ['--quick'] : [];
  const retention = await tsx('retention.ts', retentionArgs, QUICK ? 300 : 1200);
  console.log('== bench/hostile.ts');
  // The requests and the connections on two daemons: RSS before the connections is that of a
  // fresh daemon, not what the large requests left (it was ~480 MB, and "after" was judged
  // against it).
  const hostileArgs = QUICK ? ['--quick', '--no-connections', '--json'] : ['--no-connections', '--json'];
  const hostile = await tsx('hostile.ts', hostileArgs, QUICK ? 300 : 600);
  const connsArgs = ['--connections-only', '--count', QUICK ? '300' : '1000', '--seconds', QUICK ? '5' : '10', '--json'];
  const hostileConns = await tsx('hostile.ts', connsArgs, QUICK ? 120 : 300);
  const lastJson = (out: string): {cases: CaseFigures[]; conns: HostileFigures | null} | null => {
    try {
      return JSON.parse(out.trim().split('\n').pop() ?? '') as {cases: CaseFigures[]; conns: HostileFigures | null};
    } catch {
      return null;
    }
  };
  const hostileJson = {cases: lastJson(hostile.stdout)?.cases ?? [], conns: lastJson(hostileConns.stdout)?.conns ?? null};
  console.log('== disk: durable write limit (3/3)');
  samples.push(await fsyncRate());
  // The physical limit is the best the disk showed: other load on the machine only lowers it.
  const best = (k: keyof FsyncFigures): number => Math.max(...samples.map((f) => f[k] as number));
  const limit: FsyncFigures = {
    ...samples[0]!,
    serial: best('serial'),
    // Older fsync-rate output has no median: the mean of the serial rate stands in.
    serialP50Ms: Math.min(...samples.map((f) => f.serialP50Ms ?? 1000 / f.serial)),
    concurrent16: best('concurrent16'),
    groupCommit16: best('groupCommit16'),
    durableWriter16: best('durableWriter16'),
    noFsync16: best('noFsync16'),
  };

  let profs: ProfileSummary[] = [];
  if (!values['no-profile']) {
    console.log('== CPU profiles of masterd');
    profs = await profiles();
  }
  const load1 = loadavg();
  const minutes = (performance.now() - t0) / 60_000;

  const cliJson = ((): {pairs: Array<{name: string; oursWall: number; stockWall: number; oursCpu: number; stockCpu: number}>} | null => {
    const last = cli.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(last) as {pairs: Array<{name: string; oursWall: number; stockWall: number; oursCpu: number; stockCpu: number}>};
    } catch {
      return null;
    }
  })();
  const cliPair = (name: RegExp): string | null => {
    const p = cliJson?.pairs.find((x) => name.test(x.name));
    return p === undefined
      ? null
      : `${(p.oursWall / p.stockWall).toFixed(2)} × stock (${p.oursWall.toFixed(0)} vs ${p.stockWall.toFixed(0)} ms; CPU ${(p.oursCpu / p.stockCpu).toFixed(2)} ×)`;
  };
  const targets: Target[] = [
    {
      figure: 'SubmitManyJobs, submissions alone (batches of 1,000, 4 connections)',
      readme: 'SubmitManyJobs (batches of 1,000 from 4 connections), submissions alone, durably acknowledged',
      target: '≥ 3,000 jobs/s and ≥ 0.9 × the disk',
      from: () => {
        const l = lineOf(submit, /^phase submissions alone/);
        const v = l === null ? null : num(l, /=\s*([\d.]+)\s*jobs\/s/);
        // What bench/submit.ts says one held submission writes.
        const w = (l === null ? null : num(l, /(\d+) durable writes?\/job/)) ?? 1;
        return v === null
          ? null
          : `${v.toFixed(0)} jobs/s = ${((v * w) / limit.groupCommit16).toFixed(2)} × the disk (${w} write${w === 1 ? '' : 's'}/job)`;
      },
      met: (t) => {
        const v = num(t, /^([\d.]+) jobs/);
        const f = num(t, /= ([\d.]+) × the disk/);
        return v === null || f === null ? null : v >= 3000 && f >= 0.9;
      },
    },
    {
      figure: 'completions alone (OP_TEST_DELAY 0)',
      readme: 'OP_TEST_DELAY(0) jobs completed, completions alone',
      target: '≥ 1,500 jobs/s',
      from: () => {
        const l = lineOf(submit, /^phase completions alone/);
        const v = l === null ? null : num(l, /=\s*([\d.]+)\s*jobs\/s/);
        return v === null ? null : `${v.toFixed(0)} jobs/s`;
      },
      met: (t) => (num(t, /^([\d.]+)/) ?? 0) >= 1500,
    },
    {
      figure: 'sequential SubmitJob on one connection, p50',
      readme: 'sequential SubmitJob on one connection, p50',
      target: '≤ 1.5 × one durable write',
      from: () => {
        const l = lineOf(submit, /^sequential SubmitJob/);
        const v = l === null ? null : num(l, /p50\s+([\d.]+)/);
        // Round by round against the writes made right after each round (bench/submit.ts): the
        // disk samples' serial write, minutes away, moved 0.24-0.83 ms between runs.
        const paired = l === null ? null : num(l, /: ([\d.]+) × one durable write/);
        const rounds = l === null ? null : /median of the rounds' ratios ([\d., ]+)\)/.exec(l)?.[1];
        const writes = l === null ? null : /after each round \(p50s ([\d., ]+) ms\)/.exec(l)?.[1];
        const w = limit.serialP50Ms;
        return v === null || paired === null
          ? null
          : `${v.toFixed(2)} ms = ${paired.toFixed(2)} × one durable write made after each round (median of the rounds' ratios ${rounds}; write p50s ${writes} ms); ${(v / w).toFixed(2)} × the disk samples' serial write p50 (${w.toFixed(2)} ms)`;
      },
      met: (t) => {
        const v = num(t, /= ([\d.]+) ×/);
        return v === null ? null : v <= 1.5;
      },
    },
    {
      figure: 'sequential SubmitJob floor: a minimal Node server (bench/seq-floor.ts), p50',
      readme:
        "sequential SubmitJob floor: a minimal Node server's p50 (parse, the same durable write in a worker thread, answer), in rounds alternating with the write",
      target: 'reference (no target)',
      reference: true,
      from: () => {
        const f = floorJson;
        if (f === null) return null;
        const l = lineOf(submit, /^sequential SubmitJob/);
        const ours = l === null ? null : num(l, /p50\s+([\d.]+)/);
        return (
          `${f.ratio.thread.toFixed(2)} × one durable write (median of ${f.rounds} rounds' ratios; best rounds ${f.best.thread.toFixed(2)} vs ${f.best.write.toFixed(2)} ms; ` +
          `write inline: ${f.ratio.inline.toFixed(2)} ×; echo round trip ${f.best.echo.toFixed(3)} ms; load ${f.load[0].toFixed(2)})` +
          (ours === null ? '' : `; our daemon's p50 = ${(ours / f.best.thread).toFixed(2)} × it`)
        );
      },
      met: () => null,
    },
    {
      figure: '`gnt-job list`, empty queue',
      readme: '`gnt-job list` start-up, empty queue (paired with stock gnt-job)',
      target: '≤ 0.6 × stock',
      from: () => cliPair(/empty queue/),
      met: (t) => (num(t, /^([\d.]+) ×/) ?? 9) <= 0.6,
    },
    {
      figure: '`gnt-job --help`',
      readme: '`gnt-job --help` (paired with stock gnt-job)',
      target: '≤ 0.6 × stock',
      from: () => cliPair(/^gnt-job --help/),
      met: (t) => (num(t, /^([\d.]+) ×/) ?? 9) <= 0.6,
    },
    {
      figure: '`gnt-job list`, 1,000 jobs',
      readme: '`gnt-job list`, 1,000 jobs (paired with stock gnt-job)',
      target: '≤ 0.6 × stock',
      from: () => cliPair(/jobs$/),
      met: (t) => (num(t, /^([\d.]+) ×/) ?? 9) <= 0.6,
    },
    {
      figure: '`gnt-job top` first frame',
      readme: '`gnt-job top`: first frame / jobs shown after it (1,000 jobs)',
      target: '< 500 ms / < 300 ms',
      from: () => {
        const a = lineOf(top, /first frame/);
        const b = lineOf(top, /jobs shown/);
        const x = a === null ? null : num(a, /:\s*([\d.]+)\s*ms/);
        const y = b === null ? null : num(b, /:\s*([\d.]+)\s*ms/);
        return x === null || y === null ? null : `${x.toFixed(0)} ms / ${y.toFixed(0)} ms`;
      },
      met: (t) => {
        const m = /^([\d.]+) ms \/ ([\d.]+) ms/.exec(t);
        return m === null ? null : Number(m[1]) < 500 && Number(m[2]) < 300;
      },
    },
    {
      figure: 'idle `gnt-job top`: 1 / 3 monitors',
      fullSize: true,
      readme: 'idle `gnt-job top` cost to masterd, 1 / 3 monitors (big queue)',
      target: '≤ 1% / ≤ 3% of a core',
      from: () => {
        const a = lineOf(big, /, 1 gnt-job top/);
        const b = lineOf(big, /, 3 gnt-job top/);
        const x = a === null ? null : num(a, /masterd ([\d.]+)%/);
        const y = b === null ? null : num(b, /masterd ([\d.]+)%/);
        return x === null || y === null ? null : `${x}% / ${y}%`;
      },
      met: (t) => {
        const m = /^([\d.]+)% \/ ([\d.]+)%/.exec(t);
        return m === null ? null : Number(m[1]) <= 1 && Number(m[2]) <= 3;
      },
    },
    {
      figure: 'daemon RSS after running the big queue',
      fullSize: true,
      readme: 'daemon RSS after running the big queue (all still live)',
      target: '< 300 MiB (100,000 jobs)',
      from: () => {
        const l = lineOf(big, /^daemon RSS after running/);
        return l === null ? null : `${num(l, /:\s*([\d.]+)\s*MiB/)} MiB (${num(l, /running (\d+) jobs/)} jobs)`;
      },
      met: (t) => (num(t, /^([\d.]+)/) ?? 9999) < 300,
    },
    {
      figure: 'restart with the big queue: start-up, RSS',
      fullSize: true,
      readme: "start-up with the big queue's job files (to socket accepting), RSS 3 s and 10 s later",
      // Judged on the settled figure: V8 gives back the young generation the load grew only in a
      // collection after about 5 quiet seconds (docs/architecture.md, "Memory").
      target: 'RSS < 150 MiB (100,000 files), 10 s after start-up',
      from: () => {
        const l = lineOf(big, /^start-up with/);
        if (l === null) return null;
        return `${num(l, /accepting\): ([\d.]+) ms/)} ms, ${num(l, /, ([\d.]+) MiB 3 s later/)} MiB 3 s / ${num(l, /, ([\d.]+) MiB 10 s later/)} MiB 10 s later (${num(l, /with (\d+) job files/)} files)`;
      },
      met: (t) => (num(t, /MiB 3 s \/ ([\d.]+) MiB 10 s/) ?? 9999) < 150,
    },
    {
      figure: '`gnt-job list` over the big queue',
      fullSize: true,
      readme: '`gnt-job list` over the big queue (process start to exit)',
      target: '< 1 s (100,000 jobs)',
      from: () => {
        const l = lineOf(big, /^gnt-job list over/);
        return l === null ? null : `${num(l, /:\s*([\d.]+)\s*ms/)} ms (${num(l, /over (\d+) jobs/)} jobs)`;
      },
      met: (t) => (num(t, /^([\d.]+)/) ?? 9999) < 1000,
    },
    {
      figure: 'any single request of up to 64 MiB (bench/hostile.ts): daemon peak RSS, p99 of the others',
      fullSize: true,
      readme: "any single request of up to 64 MiB: daemon peak RSS, other clients' QueryJobs of one id p99 (worst case)",
      target: '< 1 GB and < 100 ms',
      from: () => {
        const cases = hostileJson.cases ?? [];
        if (cases.length === 0) return null;
        const rss = Math.max(...cases.map((c) => c.peakRssMb));
        const worst = cases.reduce((a, b) => ((b.p99Ms || 0) > (a.p99Ms || 0) ? b : a));
        return `${rss} MB, ${worst.p99Ms} ms (${worst.name})`;
      },
      met: (t) => {
        const m = /^([\d.]+) MB, ([\d.]+) ms/.exec(t);
        return m === null ? null : Number(m[1]) < 1024 && Number(m[2]) < 100;
      },
    },
    {
      figure:
        'hostile connections (bench/hostile.ts, fresh daemon): RSS before / during / after; new connections, connect to first answer p50 / p99; existing ones p50 / p99',
      readme:
        'hostile connections at once (never reading, 1 byte/s, 60 MiB partial) on a fresh daemon: RSS before / peak / 5 s after they went; new connections: connect to first answer p50 / p99; existing connections: QueryJobs of one id p50 / p99',
      target: 'RSS < 1 GB and back within 32 MB; new connections answered like the others (p99 < 100 ms)',
      from: () => {
        const c = hostileJson.conns;
        if (c === null || c === undefined) return null;
        return (
          `${c.count} connections: ${c.baselineRssMb} / ${c.peakRssMb} / ${c.afterRssMb} MB; new ${c.newAnswered} of ${c.newConns} answered, ` +
          `${c.newP50Ms} / ${c.newP99Ms} ms; existing ${c.p50Ms} / ${c.p99Ms} ms`
        );
      },
      met: (t) => {
        const m =
          /: (\d+) \/ (\d+) \/ (\d+) MB; new (\d+) of (\d+) answered, ([\d.]+) \/ ([\d.]+) ms; existing ([\d.]+) \/ ([\d.]+) ms/.exec(t);
        if (m === null) return null;
        const [before, peak, after, answered, tried, , newP99, , oldP99] = m.slice(1).map(Number) as number[];
        return peak! < 1024 && after! <= before! + 32 && answered === tried && newP99! < 100 && oldP99! < 100;
      },
    },
  ];

  const fsRow = (label: string, k: keyof FsyncFigures, note: string): string[] => [
    label,
    ...samples.map((f) => `${(f[k] as number).toFixed(0)}`),
    `**${best(k).toFixed(0)}**`,
    note,
  ];
  const lines: string[] = [];
  /** A hostile.ts run's printed lines (its --json line left out), and its stderr if it failed. */
  const pushHostileOutput = (r: Run): void => {
    lines.push(
      r.stdout
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('{'))
        .join('\n'),
    );
    if (r.code !== 0) lines.push('', '```', r.stderr.slice(-2000), '```');
  };
  lines.push('# Performance report');
  lines.push('');
  lines.push(
    `Generated by \`npm run bench\` (\`bench/run-all.ts${QUICK ? ' --quick' : ''}\`) on ${started.toISOString()} in ${minutes.toFixed(1)} minutes; rerun it to reproduce.`,
  );
  lines.push('Everything above the notes marker at the end is regenerated; the notes are kept.');
  lines.push('');
  lines.push('## Machine');
  lines.push('');
  lines.push(`- ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}`);
  lines.push(`- Node ${process.version}; the daemon runs with UV_THREADPOOL_SIZE=32 (bin/ganeti.js)`);
  lines.push(
    `- load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at the end ${load1.map((x) => x.toFixed(2)).join(' ')} (other work on the machine makes every figure noisy; the limit is measured three times in the run for that reason)`,
  );
  lines.push(`- queue file system: the one holding ${tmpdir()} (the benchmarks' temporary GANETI_ROOTDIR)`);
  lines.push('');
  lines.push('## Targets (issue 14)');
  lines.push('');
  lines.push(
    table(
      ['figure', 'result', 'target', 'met'],
      targets.map((t) => {
        const v = t.from();
        const m = v === null ? null : t.met(v);
        return [t.figure, v ?? '(not measured)', t.target, verdictOf(t, m)];
      }),
    ),
  );
  lines.push('');
  lines.push("### For the README's performance table");
  lines.push('');
  lines.push(
    `Copy these rows into README.md's "Performance" table, with the date (${started.toISOString().slice(0, 10)}) and the load average above; only from a run on a quiet machine (load average < 0.5 at the start) without --quick.`,
  );
  lines.push('');
  lines.push(
    table(
      ['figure', 'result', 'target'],
      targets.map((t) => [t.readme, t.from() ?? '(not measured)', t.target]),
    ),
  );
  lines.push('');
  lines.push('## The limit: durable writes of small files on this disk');
  lines.push('');
  lines.push(
    `${limit.bytes}-byte files, each written to a temp file, fsynced, renamed over the target, and the directory fsynced (bench/fsync-rate.ts, ${limit.seconds} s per figure), measured before the benchmarks, between them and after them; the best of the three is the limit (other load only lowers it). Files per second:`,
  );
  lines.push('');
  lines.push(
    table(
      ['write path', 'before', 'between', 'after', 'best', 'note'],
      [
        fsRow(
          'serial: write + fsync + rename + dir fsync',
          'serial',
          `one after the other, new temp file and new name each (as a writer thread writes a lone job file): ${(1000 / limit.serial).toFixed(2)} ms per durable file on average, median ${limit.serialP50Ms.toFixed(2)} ms`,
        ),
        fsRow('16 concurrent, dir fsync each', 'concurrent16', 'libuv threads'),
        fsRow(
          '16 concurrent, group commit (shared dir fsyncs)',
          'groupCommit16',
          '**the limit used below**: what a queue that acknowledges after a directory fsync can reach',
        ),
        fsRow("the queue's DurableWriter.write, 16 concurrent", 'durableWriter16', 'the product code path (group commit included)'),
        fsRow('no fsync at all (not durable)', 'noFsync16', 'reference: the cost of everything except the disk'),
      ],
    ),
  );
  lines.push('');
  lines.push(
    `Limit used for the fractions: group commit, ${limit.groupCommit16.toFixed(0)} files/s (best of three). bench/submit.ts runs the phases compared with it (submissions alone, completions alone, sequential SubmitJob) three times and gives its best round, so that both sides of a ratio are the best of three. A fraction above 100% means the disk was faster during that benchmark than in any of the three samples.`,
  );
  lines.push('');
  if (profs.length > 0) {
    lines.push('## Where the time goes (masterd, CPU profiles)');
    lines.push('');
    lines.push(
      "From `node --cpu-prof` of masterd's main thread (fsync, rename and file writes run on the writer threads and libuv's pool and appear here only as the JavaScript around them); masterd runs as the systemd units run it (`-f`, stderr a pipe: its log lines are the log file's JSON lines). The tables at the end have the details.",
    );
    lines.push('');
    for (const p of profs) lines.push(whereTheTimeGoes(p));
    lines.push('');
    lines.push(
      "The commands' start-up is measured in bench/cli-start.ts against Node's own start (`node -e 0`, printed there); docs/cli-startup.md says where a command's start-up time goes.",
    );
    lines.push('');
  }
  const section = (title: string, r: Run, cmd: string): void => {
    lines.push(`## ${title}`);
    lines.push('');
    lines.push(`\`${cmd}\` (${(r.ms / 1000).toFixed(0)} s, exit ${r.code})`);
    lines.push('');
    const outLines = r.stdout.split('\n').filter((l) => !l.startsWith('{'));
    lines.push(
      table(
        ['figure', 'absolute', 'fraction of the limit'],
        figures(outLines, limit).map((f) => [f.line, f.absolute, f.fraction]),
      ),
    );
    if (r.code !== 0) lines.push('', '```', r.stderr.slice(-2000), '```');
    lines.push('');
  };
  const cmd = (script: string, args: string[]): string => `node --import tsx bench/${script} ${args.join(' ')}`.trim();
  section('bench/submit.ts (masterd: submission, completion, wake-up)', submit, cmd('submit.ts', submitArgs));
  lines.push('## bench/seq-floor.ts (the floor under sequential SubmitJob)');
  lines.push('');
  lines.push(
    `\`${cmd('seq-floor.ts', floorArgs)}\` (${(floor.ms / 1000).toFixed(0)} s, exit ${floor.code}): one durable write, and a minimal Node server (parse the request, the same write, answer; a measuring reference, not a stand-in for masterd) asked by the same LuxiClient with the same SubmitJob, in alternating rounds on the queues' file system.`,
  );
  lines.push('');
  lines.push(
    '```',
    floor.stdout
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('{'))
      .join('\n'),
    '```',
  );
  if (floor.code !== 0) lines.push('', '```', floor.stderr.slice(-2000), '```');
  lines.push('');
  section('bench/cli-start.ts (command start-up, paired with the stock gnt-job)', cli, cmd('cli-start.ts', cliArgs));
  section('bench/top-start.ts (gnt-job top on a terminal)', top, cmd('top-start.ts', topArgs));
  section('bench/big-queue.ts (queries, memory, idle monitors, restart with a big queue)', big, cmd('big-queue.ts', bigArgs));
  section('bench/voting.ts (node RPC at cluster scale)', voting, cmd('voting.ts', votingArgs));
  section(
    'bench/instances.ts (instance lifecycle and gnt-instance list on a three-node virtual cluster)',
    instances,
    cmd('instances.ts', instArgs),
  );
  lines.push(
    'How to read the fractions: submitting a job costs one durable file write (job-N; the `serial` write is shared by concurrent submissions), so submissions/s can at most reach the group-commit rate; a short job that runs costs one more (its final status; the running state is written only if it still runs 20 ms later, docs/job-file.md), so completions/s can at most reach half of it. Latencies are compared with one serial durable write.',
  );
  lines.push('');
  lines.push('## bench/retention.ts (archive retention while others are served)');
  lines.push('');
  const retentionCmd = cmd('retention.ts', retentionArgs);
  lines.push(
    `\`${retentionCmd}\` (${(retention.ms / 1000).toFixed(0)} s, exit ${retention.code}): other clients' latencies while retention deletes the archived files, and for as long with retention off.`,
  );
  lines.push('');
  lines.push('```', retention.stdout.trim(), '```');
  if (retention.code !== 0) lines.push('', '```', retention.stderr.slice(-2000), '```');
  lines.push('');
  lines.push('## bench/hostile.ts (hostile requests and connections, issue 13)');
  lines.push('');
  lines.push(
    `\`${cmd('hostile.ts', hostileArgs)}\` (${(hostile.ms / 1000).toFixed(0)} s, exit ${hostile.code}): each request alone on a new connection while a prober sends QueryJobs of one id every 10 ms on its own.`,
  );
  lines.push('');
  pushHostileOutput(hostile);
  lines.push('');
  lines.push(
    `\`${cmd('hostile.ts', connsArgs)}\` (${(hostileConns.ms / 1000).toFixed(0)} s, exit ${hostileConns.code}), on a daemon of its own: the hostile connections, opened by a child process, while new connections are opened one after another and the prober goes on.`,
  );
  lines.push('');
  pushHostileOutput(hostileConns);
  lines.push('');
  if (profs.length > 0) {
    lines.push('## CPU profiles of masterd (node --cpu-prof), details');
    lines.push('');
    lines.push('The main thread only. Times in ms of CPU samples.');
    lines.push('');
    for (const p of profs) {
      lines.push(`### ${p.title}`);
      lines.push('');
      lines.push(
        `Profiled ${(p.wallMs / 1000).toFixed(1)} s of daemon life, main thread busy ${(p.busyMs / 1000).toFixed(1)} s = ${((p.busyMs * 1000) / p.jobs).toFixed(0)} µs of main-thread CPU per job (start-up included).`,
      );
      lines.push('');
      lines.push(
        'Inclusive time of the functions that mark the paths (a function counts once per sample; async functions only for their synchronous slices):',
      );
      lines.push('');
      lines.push(
        table(
          ['function', 'ms', 'share of busy'],
          p.inclusive.map(([k, v]) => [k, v.toFixed(0), `${((v / p.busyMs) * 100).toFixed(1)}%`]),
        ),
      );
      lines.push('');
      lines.push('Self time by module:');
      lines.push('');
      lines.push(
        table(
          ['module', 'ms', 'share'],
          p.files.map(([k, v]) => [k, v.toFixed(0), `${((v / p.busyMs) * 100).toFixed(1)}%`]),
        ),
      );
      lines.push('');
      lines.push('Top functions by self time:');
      lines.push('');
      lines.push(
        table(
          ['function', 'ms', 'share'],
          p.self.map(([k, v]) => [k, v.toFixed(0), `${((v / p.busyMs) * 100).toFixed(1)}%`]),
        ),
      );
      lines.push('');
    }
  }
  let notes = `${NOTES_MARKER}\n\n## Notes\n\n(none yet)\n`;
  if (existsSync(values.out)) {
    const old = readFileSync(values.out, 'utf8');
    const i = old.indexOf(NOTES_MARKER);
    if (i !== -1) notes = old.slice(i);
  }
  writeFileSync(values.out, `${lines.join('\n')}\n${notes}`);
  console.log(`== wrote ${values.out} (${minutes.toFixed(1)} minutes)`);
}

await main();
