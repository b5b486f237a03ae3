// Where masterd's main thread spends its time on the submit and complete paths: a CPU profile
// (node --cpu-prof) of the daemon while SubmitManyJobs submits N jobs that then run, or with
// --sequential while one client submits N jobs one after the other, or with --held while
// SubmitManyJobs submits them in batches of 1000 (both held by a dependency, so that only the
// submission path is profiled until the end).
//   node --import tsx bench/profile-masterd.ts [--jobs 4000] [--sequential | --held [--submit-only]] [--repo DIR]
// --submit-only (with --held): the held jobs never run, so that only submissions are profiled.
// --repo profiles the daemon of another checkout (e.g. an older commit, for a before/after).
import {spawn} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {delayOp, makeNode, REPO, shebangNodeArgs, untilAnswering} from '../test/helpers/cluster.js';
import {LuxiClient} from '../src/protocol/client.js';

const {values} = parseArgs({
  options: {
    jobs: {type: 'string', default: '4000'},
    sequential: {type: 'boolean', default: false},
    held: {type: 'boolean', default: false},
    'submit-only': {type: 'boolean', default: false},
    repo: {type: 'string', default: REPO},
  },
});
const N = Number(values.jobs);

interface Node {
  id: number;
  callFrame: {functionName: string; url: string};
  children?: number[];
}

const node = await makeNode();
const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-prof-'));
try {
  const proc = spawn(
    process.execPath,
    [
      ...shebangNodeArgs(join(values.repo, 'bin', 'ganeti.js')),
      '--cpu-prof',
      '--cpu-prof-dir',
      dir,
      join(values.repo, 'bin', 'ganeti.js'),
      'masterd',
      '-f',
      '--job-queue-size-limit',
      String(N * 2),
    ],
    {env: node.env, stdio: 'ignore'},
  );
  const c = new LuxiClient({paths: node.paths});
  await untilAnswering(c);
  const t0 = performance.now();
  const lat: number[] = [];
  if (values.sequential) {
    const blocker = await c.submitJob([delayOp(3600)]);
    for (let i = 0; i < N; i++) {
      const s = performance.now();
      await c.submitJob([delayOp(0, {depends: [[blocker, []]]})]);
      lat.push(performance.now() - s);
    }
    await c.cancelJob(blocker, true);
  } else if (values.held) {
    const blocker = await c.submitJob([delayOp(3600)]);
    for (let done = 0; done < N; done += 1000) {
      await c.submitManyJobs(Array.from({length: 1000}, () => [delayOp(0, {depends: [[blocker, []]]})]));
    }
    console.log(`held SubmitManyJobs: ${(N / ((performance.now() - t0) / 1000)).toFixed(0)} jobs/s`);
    if (!values['submit-only']) await c.cancelJob(blocker, true);
  } else {
    for (let done = 0; done < N; done += 1000) await c.submitManyJobs(Array.from({length: 1000}, () => [delayOp(0)]));
  }
  const tSubmit = performance.now() - t0;
  if (values.sequential) {
    lat.sort((a, b) => a - b);
    console.log(`sequential SubmitJob: p50 ${lat[lat.length >> 1]!.toFixed(2)} ms, mean ${(tSubmit / N).toFixed(2)} ms`);
  }
  for (; !values['submit-only']; ) {
    const r = await c.query('job', ['id'], ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']]);
    if (r.data.length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tAll = performance.now() - t0;
  c.close();
  proc.kill('SIGTERM');
  // --submit-only: the blocker still runs; a second signal stops it at once.
  const second = values['submit-only'] ? setTimeout(() => proc.kill('SIGTERM'), 300) : undefined;
  await new Promise((r) => proc.on('exit', r));
  clearTimeout(second);
  const p = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!), 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const k of n.children ?? []) parent.set(k, n.id);
  const self = new Map<string, number>();
  const selfFn = new Map<string, number>();
  const incl = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') return;
    busy += us;
    const where = n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/') || n.callFrame.functionName;
    self.set(where, (self.get(where) ?? 0) + us);
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${where}:${(n.callFrame as {lineNumber?: number}).lineNumber ?? 0}`;
    selfFn.set(fn, (selfFn.get(fn) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!f.url.includes('/dist/') || f.functionName === '') continue;
      const k = `${f.functionName} (${f.url.replace(/^.*\/dist\//, '')})`;
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + us);
      }
    }
  });
  console.log(
    `${N} jobs: submitted in ${tSubmit.toFixed(0)} ms, all done in ${tAll.toFixed(0)} ms; main thread busy ${(busy / 1000).toFixed(0)} ms = ${(busy / N).toFixed(0)} µs per job`,
  );
  const top = (m: Map<string, number>, k: number): string[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => `  ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / N).toFixed(0).padStart(4)} µs/job  ${name}`);
  console.log('self time by file:');
  console.log(top(self, 10).join('\n'));
  console.log('inclusive time, functions of dist/:');
  console.log(top(incl, 14).join('\n'));
  console.log('self time by function:');
  console.log(top(selfFn, 20).join('\n'));
} finally {
  rmSync(dir, {recursive: true, force: true});
  node.cleanup();
}
