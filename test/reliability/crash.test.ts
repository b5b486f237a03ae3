// Crash suite: masterd is killed with SIGKILL at random moments (during start-up and
// recovery, under submissions from several client processes, in the middle of archiving)
// and restarted, RELIABILITY_CYCLES times (10 in `npm test`, 200 with RELIABILITY_LONG=1).
// The clients log every acknowledged job id to their own fsynced file before counting it;
// after every kill the queue on disk is checked against those logs, and at the end every
// job must have reached the state the restart rules (docs/architecture.md) give it.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {launchMasterd, makeNode, type Masterd, waitJob as waitJobDone} from '../helpers/cluster.js';
import {readAckLog, report, rng, scanQueue, seedFromEnv, setting, sleep, spawnDriver} from './helpers.js';

const CYCLES = setting('RELIABILITY_CYCLES', 10, 200);
const DRIVERS = setting('RELIABILITY_DRIVERS', 3, 3);
const FINAL = new Set(['success', 'error', 'canceled']);
const UNCLEAN = 'Unclean master daemon shutdown';

type KillKind = 'start-up' | 'load' | 'archive';

describe('crash: kill -9 under load', () => {
  it(`loses no acknowledged job over ${CYCLES} kill/restart cycles`, {timeout: 120_000 + CYCLES * 8_000}, async () => {
    const seed = seedFromEnv();
    const rand = rng(seed);
    report(`crash: seed ${seed} (repeat with RELIABILITY_SEED=${seed}), ${CYCLES} cycles, ${DRIVERS} client processes`);
    const node = await makeNode();
    const args = ['--job-queue-size-limit', '1000000', '--max-running-jobs', '50'];
    const logs = Array.from({length: DRIVERS}, (_, i) => join(node.base, `acks-${i}.log`));
    const allAcked = (): number[] => logs.flatMap(readAckLog);
    let d: Masterd = launchMasterd(node, {args});
    const drivers = logs.map((log, i) =>
      spawnDriver(node, {mode: 'crash', log, seed: seed + i + 1, maxBatch: 20, pauseMs: 100, longFraction: 0.02}),
    );
    /** Status of each job file as found right after the latest kill that saw it. */
    const atKill = new Map<number, string>();
    const kinds: Record<KillKind, number> = {'start-up': 0, load: 0, archive: 0};
    let archiveInFlight = 0;
    let lastSerial = 0;
    let maxFiles = 0;
    let failedByRecovery = 0;
    const t0 = Date.now();
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const r = rand();
        const kind: KillKind = r < 0.15 ? 'start-up' : r < 0.4 ? 'archive' : 'load';
        kinds[kind]++;
        if (kind === 'start-up') {
          // Anywhere from process start through loading and recovery to serving.
          await sleep(rand() * 900);
        } else {
          await d.ready();
          if (kind === 'archive') {
            const c = d.client();
            // Keep the live queue bounded (as a cluster's watcher does), then archive again
            // and kill in the middle of it.
            await c.autoArchiveJobs(-1, 89);
            await sleep(100 + rand() * 700);
            let answered = false;
            const pending = c.autoArchiveJobs(-1, 89).then(
              () => (answered = true),
              () => undefined,
            );
            await sleep(rand() * 12);
            if (!answered) archiveInFlight++;
            void pending;
          } else {
            await sleep(50 + rand() * 1200);
          }
        }
        await d.kill9();

        // The queue as the next daemon will find it.
        const acked = allAcked();
        const scan = scanQueue(node.paths);
        assert.deepEqual(scan.problems, [], `cycle ${cycle}: torn, empty or unparsable job files`);
        const missing = acked.filter((id) => !scan.jobs.has(id));
        assert.deepEqual(missing, [], `cycle ${cycle}: acknowledged jobs missing from the queue`);
        const maxAcked = acked.reduce((a, b) => Math.max(a, b), 0);
        // The serial is written after the job files it covers; the next daemon starts above the
        // serial and above every job file (docs/architecture.md, "Restart rules").
        const nextFloor = Math.max(scan.serial, ...scan.jobs.keys());
        assert.ok(nextFloor >= maxAcked, `cycle ${cycle}: serial ${scan.serial} and job files behind acknowledged job ${maxAcked}`);
        assert.ok(scan.serial >= lastSerial, `cycle ${cycle}: serial went backwards (${lastSerial} -> ${scan.serial})`);
        lastSerial = scan.serial;
        maxFiles = Math.max(maxFiles, scan.jobs.size);
        const runningNow: number[] = [];
        for (const job of scan.jobs.values()) {
          atKill.set(job.id, job.status);
          if (job.status === 'running' || job.status === 'canceling') runningNow.push(job.id);
        }

        d = launchMasterd(node, {args});
        if (runningNow.length > 0) {
          // Recovery happens before the daemon listens: once it serves, they read as failed.
          await d.ready();
          const after = scanQueue(node.paths);
          for (const id of runningNow) {
            const job = after.jobs.get(id);
            assert.equal(job?.status, 'error', `cycle ${cycle}: job ${id} was running at the kill`);
            assert.ok(
              job.ops.some(([st, res]) => st === 'error' && JSON.stringify(res).includes(UNCLEAN)),
              `cycle ${cycle}: job ${id} is not marked "${UNCLEAN}"`,
            );
          }
          failedByRecovery += runningNow.length;
        }
      }

      // Final round: no more kills. Stop the clients, let every job finish.
      await d.ready();
      const summaries = [];
      for (const drv of drivers) {
        assert.equal(await drv.stop(), 0, `driver failed:\n${drv.output().slice(-2000)}`);
        summaries.push(drv.result<{acked: number; requests: number; errors: Record<string, number>}>());
      }
      const c = d.client();
      const deadline = Date.now() + 120_000;
      for (;;) {
        const open = await c.query(
          'job',
          ['id'],
          ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']],
        );
        if (open.data.length === 0) break;
        assert.ok(Date.now() < deadline, `${open.data.length} jobs still unfinished`);
        await sleep(100);
      }
      const maxBefore = [...scanQueue(node.paths).jobs.keys()].reduce((a, b) => Math.max(a, b), 0);
      const next = await c.submitJob([{OP_ID: 'OP_TEST_DELAY', duration: 0}]);
      assert.ok(next > maxBefore, `new id ${next} not above every id ever used (${maxBefore})`);
      await waitJobDone(c, next);
      // Query shows a job's state before its file write completes: check the files after a
      // clean shutdown, which waits for every write.
      assert.equal(await d.stop(), 0);
      const acked = allAcked();
      assert.equal(new Set(acked).size, acked.length, 'a job id was acknowledged twice (id reused)');
      const scan = scanQueue(node.paths);
      assert.deepEqual(scan.problems, []);
      assert.deepEqual(scan.temps, [], 'temp files left in the queue directory');
      assert.deepEqual(
        acked.filter((id) => !scan.jobs.has(id)),
        [],
        'acknowledged jobs missing at the end',
      );
      const wrong: string[] = [];
      let requeuedRan = 0;
      for (const job of scan.jobs.values()) {
        const before = atKill.get(job.id);
        if (before === 'running' || before === 'canceling') {
          if (job.status !== 'error') wrong.push(`job ${job.id}: running at a kill, now ${job.status}`);
        } else if (before !== undefined && FINAL.has(before)) {
          if (job.status !== before) wrong.push(`job ${job.id}: was ${before} at a kill, now ${job.status}`);
        } else {
          if (before !== undefined) requeuedRan++;
          if (job.status !== 'success')
            wrong.push(`job ${job.id}: ${before ?? 'created after the last kill'}, now ${job.status} ${JSON.stringify(job.ops)}`);
        }
      }
      assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} jobs in the wrong final state`);

      const errors: Record<string, number> = {};
      for (const s of summaries) for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
      report(
        `crash: ${CYCLES} cycles in ${((Date.now() - t0) / 1000).toFixed(1)} s (kills: ${kinds['start-up']} during start-up, ` +
          `${kinds.load} under load, ${kinds.archive} while archiving, ${archiveInFlight} with AutoArchiveJobs unanswered)`,
      );
      report(
        `crash: ${acked.length} jobs acknowledged (${summaries.reduce((a, s) => a + s.requests, 0)} requests), all present; ` +
          `${scan.jobs.size} job files at the end (max ${maxFiles} at a kill), ${failedByRecovery} failed by recovery, ` +
          `${requeuedRan} requeued and run; serial ${scan.serial}`,
      );
      report(`crash: client-side errors while the daemon was down: ${JSON.stringify(errors)}`);
    } finally {
      await Promise.all(drivers.map((drv) => drv.stop()));
      await d.kill9();
      node.cleanup();
    }
  });
});
