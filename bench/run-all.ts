// `npm run bench`: every benchmark of the project in one run, and bench/REPORT.md from it.
//   node --import tsx bench/run-all.ts [--quick] [--no-profile] [--out bench/REPORT.md]
// 1. the machine; 2. the disk's durable-write limit (bench/fsync-rate.ts, measured before
// and after the other benchmarks, on the same file system as their queues); 3. the
// foundation's benchmark (bench/submit.ts), gnt-job's (bench/gnt-job-list.ts, if
// present) and the instance lifecycle's (bench/instances.ts), each figure also as a
// fraction of the limit where it has one; 4. CPU profiles of masterd
// (node --cpu-prof) on the submit and complete paths, summarised.
// The section of REPORT.md after the "notes" marker is written by hand and kept.
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {cpus, loadavg, release, tmpdir, totalmem} from 'node:os';
import {basename, join} from 'node:path';
import {parseArgs} from 'node:util';
import type {LuxiClient} from '../src/protocol/client.js';
import {delayOp, makeNode, startMasterd} from '../test/helpers/cluster.js';
import type {FsyncFigures} from './fsync-rate.js';

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

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{code: number | null; stdout: string; stderr: string; ms: number}> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, {cwd: REPO, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      process.stdout.write(d);
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({code, stdout, stderr, ms: performance.now() - t0}));
  });
}

async function fsyncRate(): Promise<FsyncFigures> {
  const r = await run(['--import', 'tsx', join(BENCH, 'fsync-rate.ts'), '--json', '--seconds', QUICK ? '1' : '3'], {UV_THREADPOOL_SIZE: '32'});
  if (r.code !== 0) throw new Error(`fsync-rate failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as FsyncFigures;
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
  'onConnection', 'handle', 'parseRequest', 'parseJson', 'dispatch', 'submitOne', 'submitMany', 'create', 'validateOpcode',
  'persistSerial', 'writeJob', 'toFileText', 'writeAndRename', 'formatResponse', 'stringifyJson', 'runJob', 'pump',
  'acquire', 'persist', 'startWrite', 'notify', 'waitForChange', 'query', 'autoArchive', 'write', 'Pino',
];

function summarise(title: string, profile: CpuProfile, jobs: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const key = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
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
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, v / 1000]);
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
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < n / 32; i++) await c.submitJob([delayOp(0)]);
    }));
    await untilDone(clients[0]!);
  });
  const many = await profileRun(`SubmitManyJobs, ${n} jobs in batches of 1000, submitted and completed`, n, async (client) => {
    const c = client();
    for (let done = 0; done < n; done += 1000) await c.submitManyJobs(Array.from({length: 1000}, () => [delayOp(0)]));
    await untilDone(c);
  });
  return [single, many];
}

// --- the report --------------------------------------------------------------------------

function table(head: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const load0 = loadavg();
  const samples: FsyncFigures[] = [];
  console.log('== disk: durable write limit (1/3)');
  samples.push(await fsyncRate());

  console.log('== bench/submit.ts');
  const submitArgs = QUICK ? ['--jobs', '2000', '--big', '10000', '--wake-samples', '100'] : [];
  const submit = await run(['--import', 'tsx', join(BENCH, 'submit.ts'), ...submitArgs]);
  console.log('== disk: durable write limit (2/3)');
  samples.push(await fsyncRate());
  const listBench = join(BENCH, 'gnt-job-list.ts');
  const listArgs = QUICK ? ['--levels', '1000,10000', '--runs', '3'] : [];
  let list: Awaited<ReturnType<typeof run>> | null = null;
  if (existsSync(listBench)) {
    console.log('== bench/gnt-job-list.ts');
    list = await run(['--import', 'tsx', listBench, ...listArgs]);
  }
  console.log('== bench/instances.ts');
  const instArgs = QUICK ? ['--instances', '20', '--list', '100'] : [];
  const instances = await run(['--import', 'tsx', join(BENCH, 'instances.ts'), ...instArgs]);
  console.log('== disk: durable write limit (3/3)');
  samples.push(await fsyncRate());
  // The physical limit is the best the disk showed: other load on the machine only lowers it.
  const best = (k: keyof FsyncFigures): number => Math.max(...samples.map((f) => f[k] as number));
  const limit: FsyncFigures = {
    ...samples[0]!,
    serial: best('serial'),
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

  const fsRow = (label: string, k: keyof FsyncFigures, note: string): string[] => [
    label,
    ...samples.map((f) => `${(f[k] as number).toFixed(0)}`),
    `**${best(k).toFixed(0)}**`,
    note,
  ];
  const lines: string[] = [];
  lines.push('# Performance report');
  lines.push('');
  lines.push(`Generated by \`npm run bench\` (\`bench/run-all.ts${QUICK ? ' --quick' : ''}\`) on ${started.toISOString()}; rerun it to reproduce.`);
  lines.push('Everything above the notes marker at the end is regenerated; the notes are kept.');
  lines.push('');
  lines.push('## Machine');
  lines.push('');
  lines.push(`- ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}`);
  lines.push(`- Node ${process.version}; the daemon runs with UV_THREADPOOL_SIZE=32 (bin/ganeti.js)`);
  lines.push(`- load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at the end ${load1.map((x) => x.toFixed(2)).join(' ')} (other work on the machine makes every figure noisy; the limit is measured three times in the run for that reason)`);
  lines.push(`- queue file system: the one holding ${tmpdir()} (the benchmarks' temporary GANETI_ROOTDIR)`);
  lines.push('');
  lines.push('## The limit: durable writes of small files on this disk');
  lines.push('');
  lines.push(`${limit.bytes}-byte files, each written to a temp file, fsynced, renamed over the target, and the directory fsynced (bench/fsync-rate.ts, ${limit.seconds} s per figure), measured before the benchmarks, between them and after them; the best of the three is the limit (other load only lowers it). Files per second:`);
  lines.push('');
  lines.push(
    table(
      ['write path', 'before', 'between', 'after', 'best', 'note'],
      [
        fsRow('serial: write + fsync + rename + dir fsync', 'serial', `one after the other: ${(1000 / limit.serial).toFixed(1)} ms per durable file`),
        fsRow('16 concurrent, dir fsync each', 'concurrent16', 'libuv threads'),
        fsRow('16 concurrent, group commit (shared dir fsyncs)', 'groupCommit16', '**the limit used below**: what a queue that acknowledges after a directory fsync can reach'),
        fsRow("the queue's DurableWriter.write, 16 concurrent", 'durableWriter16', 'the product code path (group commit included)'),
        fsRow('no fsync at all (not durable)', 'noFsync16', 'reference: the cost of everything except the disk'),
      ],
    ),
  );
  lines.push('');
  lines.push(`Limit used for the fractions: group commit, ${limit.groupCommit16.toFixed(0)} files/s (best of three). A fraction above 100% means the disk was faster during that benchmark than in any of the three samples.`);
  lines.push('');
  const section = (title: string, r: Awaited<ReturnType<typeof run>>, cmd: string): void => {
    lines.push(`## ${title}`);
    lines.push('');
    lines.push(`\`${cmd}\` (${(r.ms / 1000).toFixed(0)} s, exit ${r.code})`);
    lines.push('');
    const outLines = r.stdout.split('\n');
    lines.push(table(['figure', 'absolute', 'fraction of the limit'], figures(outLines, limit).map((f) => [f.line, f.absolute, f.fraction])));
    if (r.code !== 0) lines.push('', '```', r.stderr.slice(-2000), '```');
    lines.push('');
  };
  section('bench/submit.ts (masterd: submission, completion, wake-up, queries, start-up)', submit, `node --import tsx bench/submit.ts ${submitArgs.join(' ')}`.trim());
  if (list !== null) section('bench/gnt-job-list.ts (gnt-job)', list, `node --import tsx bench/gnt-job-list.ts ${listArgs.join(' ')}`.trim());
  else lines.push('## bench/gnt-job-list.ts', '', 'Not present in this tree; run-all includes it when it exists.', '');
  section('bench/instances.ts (instance lifecycle and gnt-instance list on a three-node virtual cluster)', instances, `node --import tsx bench/instances.ts ${instArgs.join(' ')}`.trim());
  lines.push('How to read the fractions: submitting a job costs one durable file write (job-N; the `serial` write is shared by concurrent submissions), so submissions/s can at most reach the group-commit rate; a short job that runs costs one more (its final status; the running state is written only if it still runs 20 ms later, jobqueue.md §8), so completions/s can at most reach half of it. Latencies are compared with one serial durable write.');
  lines.push('');
  if (profs.length > 0) {
    lines.push('## CPU profiles of masterd (node --cpu-prof)');
    lines.push('');
    lines.push('The main thread only: fsync, rename and file writes run on libuv threads and appear here only as the JavaScript around them. Times in ms of CPU samples.');
    lines.push('');
    for (const p of profs) {
      lines.push(`### ${p.title}`);
      lines.push('');
      lines.push(`Profiled ${(p.wallMs / 1000).toFixed(1)} s of daemon life, main thread busy ${(p.busyMs / 1000).toFixed(1)} s = ${((p.busyMs * 1000) / p.jobs).toFixed(0)} µs of main-thread CPU per job (start-up included).`);
      lines.push('');
      lines.push('Inclusive time of the functions that mark the paths (a function counts once per sample; async functions only for their synchronous slices):');
      lines.push('');
      lines.push(table(['function', 'ms', 'share of busy'], p.inclusive.map(([k, v]) => [k, v.toFixed(0), `${((v / p.busyMs) * 100).toFixed(1)}%`])));
      lines.push('');
      lines.push('Self time by module:');
      lines.push('');
      lines.push(table(['module', 'ms', 'share'], p.files.map(([k, v]) => [k, v.toFixed(0), `${((v / p.busyMs) * 100).toFixed(1)}%`])));
      lines.push('');
      lines.push('Top functions by self time:');
      lines.push('');
      lines.push(table(['function', 'ms', 'share'], p.self.map(([k, v]) => [k, v.toFixed(0), `${((v / p.busyMs) * 100).toFixed(1)}%`])));
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
  console.log(`== wrote ${values.out}`);
}

await main();
