// Archive retention must not hold up LUXI requests or job execution (issue 10): archive/ is
// filled with N job files 30 days old, then other clients' latencies are measured for the
// same time twice on the same queue: with retention off (--archive-retention 0), and while a
// daemon with --archive-retention 1d deletes all N files.
//   node --import tsx bench/retention.ts [--files 100000] [--quick]  (--quick: 10,000 files)
// Three clients run throughout: QueryJobs of one live job, Query of it by id, and a job
// submitted and waited for (SubmitJob + WaitForJobChange), one after the other.
import {mkdirSync, readdirSync, utimesSync, writeFileSync} from 'node:fs';
import {loadavg} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {delayOp, makeNode, startMasterd, waitFor, type Masterd, type TestNode} from '../test/helpers/cluster.js';
import {archiveBucket} from '../src/queue/job.js';

export interface RetentionPhase {
  name: string;
  seconds: number;
  deleted: number;
  series: Array<{name: string; count: number; p50: number; p99: number; max: number}>;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
}

function fill(node: TestNode, files: number): void {
  const old = new Date(Date.now() - 30 * 86400_000);
  const made = new Set<string>();
  for (let id = 1; id <= files; id++) {
    const bucket = join(node.paths.archiveDir, archiveBucket(id));
    if (!made.has(bucket)) {
      mkdirSync(bucket, {recursive: true, mode: 0o750});
      made.add(bucket);
    }
    const path = join(bucket, `job-${id}`);
    const op =
      '{"input":{"OP_ID":"OP_TEST_DELAY","duration":0},"status":"success","result":null,"log":[],"priority":0,"start_timestamp":[1700000000,0],"exec_timestamp":[1700000000,0],"end_timestamp":[1700000000,0]}';
    writeFileSync(
      path,
      `{"id":${id},"ops":[${op}],"received_timestamp":[1700000000,0],"start_timestamp":[1700000000,0],"end_timestamp":[1700000000,0]}\n`,
      {mode: 0o640},
    );
    utimesSync(path, old, old);
  }
  // Ids the archive holds were handed out: the serial is past them.
  writeFileSync(join(node.paths.queueDir, 'serial'), `${files + 10}\n`);
}

function archived(node: TestNode): number {
  let n = 0;
  for (const b of readdirSync(node.paths.archiveDir)) {
    try {
      n += readdirSync(join(node.paths.archiveDir, b)).length;
    } catch {
      // removed meanwhile
    }
  }
  return n;
}

/** Runs the three clients until `until` resolves; latencies in ms. */
async function measure(d: Masterd, liveId: number, until: () => Promise<void>): Promise<RetentionPhase['series']> {
  let running = true;
  const loop = async (name: string, once: () => Promise<unknown>): Promise<{name: string; lat: number[]}> => {
    const lat: number[] = [];
    while (running) {
      const t0 = performance.now();
      await once();
      lat.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
    return {name, lat};
  };
  const a = d.client();
  const b = d.client();
  const c = d.client({timeoutMs: 120_000});
  const loops = Promise.all([
    loop('QueryJobs of one id', () => a.queryJobs([liveId], ['id', 'status'])),
    loop('Query job by id', () => b.query('job', ['id', 'status'], ['==', 'id', liveId])),
    loop('SubmitJob + wait for success', async () => {
      const id = await c.submitJob([delayOp(0)]);
      for (;;) {
        const [row] = (await c.queryJobs([id], ['status'])) as Array<[string]>;
        if (row?.[0] === 'success') return;
        await new Promise((r) => setImmediate(r));
      }
    }),
  ]);
  await until();
  running = false;
  const out = await loops;
  for (const cl of [a, b, c]) cl.close();
  return out.map(({name, lat}) => ({name, count: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: pct(lat, 100)}));
}

export async function runRetentionBench(files: number, print: (line: string) => void): Promise<RetentionPhase[]> {
  const node = await makeNode();
  try {
    const t0 = performance.now();
    fill(node, files);
    print(
      `retention: ${files} archived job files 30 days old written in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    const phases: RetentionPhase[] = [];

    // The deletion first, timed; then the same time with retention off on a full archive.
    let d = await startMasterd(node, {args: ['--archive-retention', '1d', '--job-queue-size-limit', '1000000']});
    let seconds = 0;
    try {
      const liveId = await d.client().submitJob([delayOp(0)]);
      const start = performance.now();
      // The end of the pass from the daemon's log: counting the files left meanwhile (a listing
      // of every bucket 50 times a second) took this process's event loop from the clients.
      const series = await measure(d, liveId, () =>
        waitFor(() => d.output().includes('deleted old archived jobs'), 1_800_000, 'the retention pass to end'),
      );
      seconds = (performance.now() - start) / 1000;
      const left = archived(node);
      if (left > 0) throw new Error(`the retention pass left ${left} archived files`);
      phases.push({name: `deleting ${files} archived files (--archive-retention 1d)`, seconds, deleted: files, series});
    } finally {
      await d.stop();
    }
    fill(node, files);
    d = await startMasterd(node, {args: ['--archive-retention', '0', '--job-queue-size-limit', '1000000']});
    try {
      const liveId = await d.client().submitJob([delayOp(0)]);
      const base = Math.max(5, seconds);
      const series = await measure(d, liveId, () => new Promise((r) => setTimeout(r, base * 1000)));
      phases.push({name: `retention off, ${files} archived files kept`, seconds: base, deleted: 0, series});
    } finally {
      await d.stop();
    }
    for (const p of phases) {
      print(`${p.name}, ${p.seconds.toFixed(1)} s:`);
      for (const s of p.series) print(`  ${s.name}: ${s.count} answers, p50 / p99 / max ${s.p50} / ${s.p99} / ${s.max} ms`);
    }
    print(
      `load average at end: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    return phases;
  } finally {
    node.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const {values} = parseArgs({options: {files: {type: 'string', default: '100000'}, quick: {type: 'boolean', default: false}}});
  await runRetentionBench(values.quick ? 10_000 : Number(values.files), (line) => process.stdout.write(`${line}\n`));
}
