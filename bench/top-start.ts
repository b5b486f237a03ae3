// `gnt-job top` start-up on a pseudo-terminal (issue 14, target 3): from process start to the
// first frame (the header line drawn), and from the first frame to the jobs shown (a job row of
// the queue), with 1,000 finished jobs in the queue. `script` gives the command a terminal of
// 120×40; its output is read as it comes. Median of the runs.
// Usage: node --import tsx bench/top-start.ts [--runs 5] [--jobs 1000]
import {spawn} from 'node:child_process';
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {delayOp, makeNode, settleQueue, startDaemon} from '../test/helpers/cluster.js';

const {values} = parseArgs({options: {runs: {type: 'string', default: '5'}, jobs: {type: 'string', default: '1000'}}});
const RUNS = Number(values.runs);
const JOBS = Number(values.jobs);
const BIN = join(import.meta.dirname, '..', 'bin', 'gnt-job.js');
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]/g;

interface Run {
  firstFrameMs: number;
  dataMs: number;
}

function once(env: NodeJS.ProcessEnv): Promise<Run> {
  const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  const cmd = `stty cols 120 rows 40; exec ${quote(process.execPath)} ${quote(BIN)} top`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: {...env, CI: 'false', TERM: 'xterm-256color'},
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let screen = '';
    let first = 0;
    let data = 0;
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`gnt-job top showed no jobs within 20 s:\n${screen.slice(-2000)}`));
    }, 20_000);
    p.stdout.on('data', (d: Buffer) => {
      screen += d.toString().replace(ANSI, ' ');
      const now = performance.now() - t0;
      if (first === 0 && /daemon:/.test(screen)) first = now;
      if (data === 0 && /TEST_DELAY/.test(screen)) {
        data = now;
        p.stdin.write('q');
      }
    });
    p.on('close', () => {
      clearTimeout(timer);
      if (first === 0 || data === 0) reject(new Error(`no frame or no data:\n${screen.slice(-2000)}`));
      else resolve({firstFrameMs: first, dataMs: data - first});
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const node = await makeNode();
const daemon = await startDaemon(node, ['--job-queue-size-limit', String(JOBS + 1000)]);
try {
  const c = daemon.client();
  for (let n = 0; n < JOBS; n += 1000) await c.submitManyJobs(Array.from({length: Math.min(1000, JOBS - n)}, () => [delayOp(0)]));
  await settleQueue(c, []);
  console.log(`machine: ${cpus().length} cores, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`);
  await once(node.env); // the file cache and the V8 code cache, not counted
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(node.env));
  const first = median(runs.map((r) => r.firstFrameMs));
  const data = median(runs.map((r) => r.dataMs));
  console.log(`gnt-job top first frame (process start to header drawn): ${first.toFixed(0)} ms (median of ${RUNS}; target < 500 ms)`);
  console.log(`gnt-job top jobs shown after the first frame, ${JOBS} jobs: ${data.toFixed(0)} ms (median of ${RUNS}; target < 300 ms)`);
} finally {
  await daemon.stop();
  node.cleanup();
}
