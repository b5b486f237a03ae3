// The JS heap a finished job costs the master, measured in-process (issue 14, target 5): the
// master's parts run N one-opcode jobs, then the heap is measured after a full GC; the queue is
// then opened again from its N files (a restart) and measured the same way. With
// --snapshot DIR, a heap snapshot of each state is written there.
// Usage: node --expose-gc --import tsx bench/job-memory.ts [--jobs 20000] [--snapshot DIR]
import {join} from 'node:path';
import {writeHeapSnapshot} from 'node:v8';
import {parseArgs} from 'node:util';
import {loadavg} from 'node:os';
import {delayOp, makeNode} from '../test/helpers/cluster.js';
import {openMaster} from '../test/helpers/in-process.js';

const {values} = parseArgs({options: {jobs: {type: 'string', default: '20000'}, snapshot: {type: 'string'}}});
const N = Number(values.jobs);
const gc = (globalThis as {gc?: () => void}).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function heapMiB(label: string): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await sleep(50);
    gc!();
  }
  const used = process.memoryUsage().heapUsed / 2 ** 20;
  if (values.snapshot !== undefined) writeHeapSnapshot(join(values.snapshot, `${label}.heapsnapshot`));
  return used;
}

console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
const node = await makeNode();
try {
  const base = await heapMiB('empty');
  let m = await openMaster(node, {queueSizeLimit: N + 1000});
  for (let done = 0; done < N; done += 1000) {
    await m.call('SubmitManyJobs', [Array.from({length: Math.min(1000, N - done)}, () => [delayOp(0)])]);
  }
  while ([...m.master.queue.jobs.values()].some((j) => !j.finalized)) await sleep(200);
  await sleep(500);
  const ran = await heapMiB('after-run');
  console.log(
    `after running ${N} jobs: ${(ran - base).toFixed(1)} MiB over the empty master, ${(((ran - base) * 2 ** 20) / N).toFixed(0)} B per job`,
  );
  await m.close();
  const t0 = performance.now();
  m = await openMaster(node, {queueSizeLimit: N + 1000});
  const loadMs = performance.now() - t0;
  const loaded = await heapMiB('after-restart');
  console.log(
    `after opening the queue again (${m.master.queue.jobs.size} jobs, ${loadMs.toFixed(0)} ms): ${(loaded - base).toFixed(1)} MiB, ${(((loaded - base) * 2 ** 20) / N).toFixed(0)} B per job`,
  );
  await m.close();
} finally {
  node.cleanup();
}
