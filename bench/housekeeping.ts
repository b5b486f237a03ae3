// Housekeeping under a steady stream of short jobs: a timeline (per second) of the live queue by
// status and of the archive, while N jobs are submitted over S seconds to a daemon started with
// --auto-archive-age/--archive-retention and the default 5,000-job limit.
//   node --import tsx bench/housekeeping.ts [--jobs 20000] [--seconds 60] [--age 2s] [--retention 4s] [--prof DIR]
import {spawn} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {loadavg} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {BIN_NODE_ARGS, delayOp, makeNode, REPO, untilAnswering, waitFor} from '../test/helpers/cluster.js';
import {LuxiClient} from '../src/protocol/client.js';

const {values} = parseArgs({
  options: {
    jobs: {type: 'string', default: '20000'},
    seconds: {type: 'string', default: '60'},
    age: {type: 'string', default: '2s'},
    retention: {type: 'string', default: '4s'},
    batch: {type: 'string', default: '500'},
    prof: {type: 'string'},
    quick: {type: 'boolean', default: false},
  },
});
const JOBS = values.quick ? 4000 : Number(values.jobs);
const SECONDS = values.quick ? 12 : Number(values.seconds);
const BATCH = Number(values.batch);

function archived(dir: string): number {
  let n = 0;
  for (const b of (() => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  })()) {
    try {
      n += readdirSync(join(dir, b)).length;
    } catch {
      // removed meanwhile
    }
  }
  return n;
}

const node = await makeNode();
const prof = values.prof === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values.prof];
const proc = spawn(
  process.execPath,
  [
    ...BIN_NODE_ARGS,
    ...prof,
    join(REPO, 'bin', 'ganeti.js'),
    'masterd',
    '-f',
    '--auto-archive-age',
    values.age,
    '--archive-retention',
    values.retention,
  ],
  {
    env: node.env,
    stdio: 'ignore',
  },
);
const c = new LuxiClient({paths: node.paths, timeoutMs: 120_000});
const q = new LuxiClient({paths: node.paths, timeoutMs: 120_000});
try {
  await untilAnswering(c);
  console.log(
    `housekeeping: ${JOBS} jobs over ${SECONDS} s in batches of ${BATCH}, age ${values.age}, retention ${values.retention}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  let submitted = 0;
  let refused = 0;
  const t0 = Date.now();
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      const r = await q.query('job', ['status'], null);
      const by: Record<string, number> = {};
      for (const row of r.data as Array<Array<[number, unknown]>>) {
        const s = String(row[0]![1]);
        by[s] = (by[s] ?? 0) + 1;
      }
      const t = ((Date.now() - t0) / 1000).toFixed(0).padStart(3);
      console.log(
        `${t} s  submitted ${String(submitted).padStart(6)} refused ${refused}  live ${String(r.data.length).padStart(5)} ${JSON.stringify(by)}  archive ${archived(node.paths.archiveDir)}`,
      );
      await new Promise((res) => setTimeout(res, 1000));
    }
  })();
  while (submitted < JOBS) {
    const due = Math.min(JOBS, Math.ceil((JOBS * (Date.now() - t0)) / (SECONDS * 1000)));
    const n = Math.min(BATCH, due - submitted);
    if (n > 0) {
      try {
        const res = await c.submitManyJobs(Array.from({length: n}, () => [delayOp(0)]));
        refused += res.filter((r) => r[0] !== true).length;
      } catch {
        refused += n;
      }
      submitted += n;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  const tSubmit = (Date.now() - t0) / 1000;
  await waitFor(async () => (await q.query('job', ['id'], null)).data.length === 0, 120_000, 'an empty queue');
  const tEmpty = (Date.now() - t0) / 1000;
  await waitFor(() => archived(node.paths.archiveDir) === 0, 120_000, 'an empty archive');
  const tArchive = (Date.now() - t0) / 1000;
  stop = true;
  await sampler;
  console.log(
    `submitted ${JOBS} in ${tSubmit.toFixed(1)} s, ${refused} refused; queue empty at ${tEmpty.toFixed(1)} s, archive empty at ${tArchive.toFixed(1)} s; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  c.close();
  q.close();
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
  node.cleanup();
}
