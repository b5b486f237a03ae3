// What an idle `gnt-job top` costs the daemon: masterd's CPU time (utime + stime from /proc)
// over a quiet period with no monitor, one, and three, each polling at top's default 50 ms.
//   node --import tsx bench/top-idle.ts [--jobs 100000] [--seconds 10]
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {JobMonitor} from '../src/ui/job-monitor.js';
import {delayOp, makeNode, startDaemon} from '../test/helpers/cluster.js';

const {values} = parseArgs({options: {jobs: {type: 'string', default: '100000'}, seconds: {type: 'string', default: '10'}}});
const N = Number(values.jobs);
const SECONDS = Number(values.seconds);
const TICK_S = 1 / 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_S;
}

const node = await makeNode();
const d = await startDaemon(node, ['--job-queue-size-limit', String(N + 1000)]);
try {
  const c = d.client();
  for (let done = 0; done < N; done += 1000) {
    await c.submitManyJobs(Array.from({length: Math.min(1000, N - done)}, () => [delayOp(0)]));
  }
  for (;;) {
    const open = await c.query('job', ['id'], ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']]);
    if (open.data.length === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  c.close();
  const pid = d.pid();
  for (const viewers of [0, 1, 3]) {
    const monitors = Array.from({length: viewers}, () => new JobMonitor({intervalMs: 50, client: {paths: node.paths}}));
    for (const m of monitors) m.start();
    // Let the first full load of the table pass before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const share = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
    for (const m of monitors) m.stop();
    console.log(`idle monitor cost at ${N} jobs, ${viewers} gnt-job top (50 ms polls): masterd ${(share * 100).toFixed(1)}% of a core`);
  }
} finally {
  await d.stop();
  node.cleanup();
}
