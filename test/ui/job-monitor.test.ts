// JobMonitor against the real daemon: the incremental polling must end up where a full query is.
import assert from 'node:assert/strict';
import {connect, createServer} from 'node:net';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {JobMonitor} from '../../src/ui/job-monitor.js';
import type {MonitorSnapshot} from '../../src/ui/model.js';
import {waitsByJob} from '../../src/ui/waits.js';
import {delayOp, makeNode, startDaemon, waitFor, waitJob, type Daemon, type TestNode} from '../helpers/cluster.js';

/** The default of `gnt-job top --interval`. */
const INTERVAL_MS = 50;

describe('JobMonitor', () => {
  let node: TestNode;
  let daemon: Daemon;
  let monitor: JobMonitor;
  const snap = (): MonitorSnapshot => monitor.getSnapshot();
  const statusOf = (id: number): string | undefined => snap().jobs.find((j) => j.id === id)?.status;

  before(async () => {
    node = await makeNode();
    daemon = await startDaemon(node, ['--max-running-jobs', '1']);
    monitor = new JobMonitor({intervalMs: INTERVAL_MS, client: {paths: node.paths}});
    monitor.start();
  });

  after(async () => {
    monitor.stop();
    await daemon.stop();
    node.cleanup();
  });

  it('shows the cluster and the jobs, newest first, as they change', async () => {
    await waitFor(() => snap().connection.state === 'up', 5000, 'connected');
    assert.deepEqual(snap().cluster, {name: 'cluster.example.com', master: 'node1', drained: false});
    const c = daemon.client();
    const a = await c.submitJob([delayOp(1.5)]);
    const b = await c.submitJob([delayOp(0.3)]);
    await waitFor(() => statusOf(b) === 'queued' && statusOf(a) === 'running', 5000, 'a running, b queued');
    assert.deepEqual(
      snap().jobs.map((j) => j.id),
      [b, a],
    );
    assert.equal(snap().jobs[0]!.summary, 'TEST_DELAY(0.3)');
    assert.equal(snap().jobs[1]!.summary, 'TEST_DELAY(1.5)');
    await waitFor(() => statusOf(b) === 'success' && statusOf(a) === 'success', 5000, 'both done');
    assert.ok(snap().jobs.every((j) => j.ended !== null && j.started !== null && j.received !== null));
  });

  it('sees every change the daemon makes (the delay is printed, not asserted)', async () => {
    const c = daemon.client();
    const watcher = daemon.client();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const id = await c.submitJob([delayOp(0.2)]);
      let prev: unknown[] | null = null;
      for (;;) {
        const res = await watcher.waitForJobChange(id, ['status'], prev, null, 10);
        if (res === 'nochange') continue;
        prev = res[0];
        if (prev[0] === 'success') break;
      }
      const t = performance.now();
      await waitFor(() => statusOf(id) === 'success', 2000, `job ${id} success`);
      delays.push(performance.now() - t);
    }
    console.log(`# change to monitor (interval ${INTERVAL_MS} ms): ${delays.map((d) => d.toFixed(0)).join(', ')} ms`);
  });

  it('agrees with a full query after many jobs ran', async () => {
    const c = daemon.client();
    await c.submitManyJobs(Array.from({length: 40}, (_, i) => [delayOp(0, i % 3 === 0 ? {priority: 10} : {})]));
    const full = async (): Promise<string> => {
      const res = await c.query('job', ['id', 'status', 'priority'], null);
      return JSON.stringify(res.data.map((r) => r.map((cell) => cell[1])).reverse());
    };
    const mine = (): string => JSON.stringify(snap().jobs.map((j) => [j.id, j.status, j.priority]));
    await waitFor(
      async () => snap().jobs.every((j) => j.status === 'success') && mine() === (await full()),
      10_000,
      'same as a full query',
    );
  });

  it('drops archived jobs, whoever archives them', async () => {
    const c = daemon.client();
    const ids = snap().jobs.map((j) => j.id);
    const first = ids.at(-1)!;
    const res = await monitor.archiveJob(first);
    assert.deepEqual(res, {ok: true, message: `Job ${first} archived`});
    assert.equal(statusOf(first), undefined);
    assert.deepEqual(await monitor.archiveJob(first), {ok: false, message: `Failed to archive job with ID '${first}'`});
    await c.autoArchiveJobs(-1, 10);
    await waitFor(() => snap().jobs.length === 0, 3000, 'all archived jobs gone');
  });

  it('applies a query filter and reports a bad one', async () => {
    const c = daemon.client();
    const ok = await c.submitJob([delayOp(0)]);
    const failing = await c.submitJob([{OP_ID: 'OP_TEST_JQUEUE', fail: true}]);
    await waitFor(() => statusOf(failing) === 'error' && statusOf(ok) === 'success', 5000, 'jobs done');
    assert.equal(await monitor.setTextFilter('status == "error"'), null);
    await waitFor(() => snap().jobs.length === 1, 2000, 'filtered');
    assert.equal(snap().jobs[0]!.id, failing);
    assert.equal(snap().textFilter, 'status == "error"');
    // A running job that stops matching leaves; one that starts matching arrives.
    assert.equal(await monitor.setTextFilter('status != "success"'), null);
    const slow = await c.submitJob([delayOp(1.5)]);
    await waitFor(() => statusOf(slow) === 'running', 5000, 'slow job shown while running');
    await waitFor(() => statusOf(slow) === undefined, 5000, 'slow job gone when it succeeded');
    assert.deepEqual(
      snap().jobs.map((j) => j.id),
      [failing],
    );

    assert.match((await monitor.setTextFilter('status ==')) ?? '', /^Error while parsing query filter: /);
    assert.match((await monitor.setTextFilter('nosuchfield == 1')) ?? '', /nosuchfield/);
    assert.equal(snap().textFilter, 'status != "success"');
    assert.equal(await monitor.setTextFilter(null), null);
    await waitFor(() => snap().jobs.length === 3, 2000, 'unfiltered');
    assert.equal(snap().textFilter, null);
  });

  it('follows the watched job: opcodes, log and result', async () => {
    const c = daemon.client();
    const id = await c.submitJob([{OP_ID: 'OP_TEST_JQUEUE'}, delayOp(0.3), {OP_ID: 'OP_TEST_JQUEUE', fail: true}]);
    monitor.watch(id);
    await waitFor(() => snap().detail?.status === 'running', 2000, 'detail running');
    await waitFor(() => snap().detail?.status === 'error', 3000, 'detail error');
    const detail = snap().detail!;
    assert.equal(detail.id, id);
    assert.deepEqual(
      detail.ops.map((o) => [o.summary, o.status]),
      [
        ['TEST_JQUEUE', 'success'],
        ['TEST_DELAY(0.3)', 'success'],
        ['TEST_JQUEUE', 'error'],
      ],
    );
    assert.equal(detail.ops[0]!.result, 'true');
    assert.equal(detail.ops[2]!.failed, true);
    assert.match(detail.ops[2]!.result!, /Opcode failure was requested/);
    assert.deepEqual(
      detail.log.map((l) => l.message),
      [' - INFO: Expanding names', ' - INFO: Executing', ' - INFO: Expanding names', ' - INFO: Executing'],
    );
    monitor.watch(123_456);
    await waitFor(() => snap().detail?.error != null, 2000, 'unknown job reported');
    assert.match(snap().detail!.error!, /Can't load job file/);
    monitor.watch(null);
    assert.equal(snap().detail, null);
  });

  it('cancels, reprioritises and drains through LUXI', async () => {
    const c = daemon.client();
    const running = await c.submitJob([delayOp(1)]);
    const queued = await c.submitJob([delayOp(1)]);
    await waitFor(() => statusOf(running) === 'running' && statusOf(queued) === 'queued', 2000, 'one running, one queued');
    assert.deepEqual(await monitor.changePriority(queued, -10), {
      ok: true,
      message: `Priorities of pending opcodes for job ${queued} have been changed to -10`,
    });
    await waitFor(() => snap().jobs.find((j) => j.id === queued)?.priority === -10, 2000, 'priority shown');
    assert.deepEqual(await monitor.cancelJob(queued), {ok: true, message: `Cancel job ${queued}: Dequeued job ${queued}`});
    assert.equal((await monitor.cancelJob(running)).ok, false);
    await waitFor(() => statusOf(queued) === 'canceled', 2000, 'canceled shown');
    assert.equal((await monitor.setDrainFlag(true)).ok, true);
    await waitFor(() => snap().cluster?.drained === true, 2000, 'drained shown');
    await monitor.setDrainFlag(false);
    await waitFor(() => snap().cluster?.drained === false, 2000, 'undrained shown');
    await waitJob(c, running);
  });

  it('resubmits the opcodes of a failed job as a new job, and refuses a good one', async () => {
    const c = daemon.client();
    const failed = await c.submitJob([{OP_ID: 'OP_TEST_JQUEUE', fail: true, comment: 'again'}]);
    assert.equal(await waitJob(c, failed), 'error');
    const res = await monitor.resubmitJob(failed);
    const m = /^Job \d+ resubmitted as job (\d+)$/.exec(res.message);
    assert.ok(res.ok && m !== null, res.message);
    const again = Number(m[1]);
    assert.equal(await waitJob(c, again), 'error');
    const ops = (await c.queryJobs([again], ['ops']))[0]?.[0];
    assert.deepEqual(
      (ops as Array<Record<string, unknown>>).map((o) => [o.OP_ID, o.fail, o.comment]),
      [['OP_TEST_JQUEUE', true, 'again']],
    );
    const good = await c.submitJob([delayOp(0)]);
    await waitJob(c, good);
    assert.deepEqual(await monitor.resubmitJob(good), {
      ok: false,
      message: `Job ${good} is success: only failed or canceled jobs can be resubmitted`,
    });
    // The next test counts the jobs the monitor shows.
    await waitFor(() => statusOf(good) === 'success' && statusOf(again) === 'error', 5000, 'the monitor up to date');
  });

  it('shows the daemon going away and reconnects when it returns', async () => {
    await daemon.stop();
    await waitFor(() => snap().connection.state === 'down', 3000, 'down');
    const down = snap().connection;
    assert.ok(down.state === 'down' && /master daemon/.test(down.reason), JSON.stringify(down));
    const count = snap().jobs.length;
    daemon = await startDaemon(node, ['--max-running-jobs', '1']);
    await waitFor(() => snap().connection.state === 'up', 10_000, 'up again');
    assert.equal(snap().jobs.length, count);
    const id = await daemon.client().submitJob([delayOp(0)]);
    await waitFor(() => statusOf(id) === 'success', 10_000, 'new job after reconnecting');
  });
});

describe('JobMonitor and the locks', () => {
  it('reads the lock table while wanted: who holds a lock and who waits for it', async () => {
    const node = await makeNode();
    const daemon = await startDaemon(node, ['--max-running-jobs', '4']);
    const monitor = new JobMonitor({intervalMs: INTERVAL_MS, client: {paths: node.paths}});
    try {
      monitor.start();
      const c = daemon.client();
      const holder = await c.submitJob([delayOp(30, {no_locks: false})]);
      const waiter = await c.submitJob([delayOp(30, {no_locks: false})]);
      const later = await c.submitJob([delayOp(0, {depends: [[holder, ['success', 'error', 'canceled']]]})]);
      monitor.setLocksWanted(true);
      const waits = () => waitsByJob(monitor.getSnapshot().locks, monitor.getSnapshot().dependencies, monitor.getSnapshot().jobs);
      await waitFor(() => waits().has(waiter) && waits().has(later), 10_000, 'the waiters known');
      assert.equal(waits().get(later)!.dependsOn, holder);
      const w = waits().get(waiter)!;
      assert.match(w.lock, /^node\//);
      assert.equal(w.mode, 'exclusive');
      assert.deepEqual(w.holders, [`job/${holder}`]);
      assert.ok(monitor.getSnapshot().locks!.some((l) => l.name === 'cluster/BGL'));
      monitor.setLocksWanted(false);
      assert.equal(monitor.getSnapshot().locks, null);
      assert.equal(monitor.getSnapshot().dependencies, null);
      await c.cancelJob(waiter);
      await c.cancelJob(holder, true);
    } finally {
      monitor.stop();
      await daemon.stop();
      node.cleanup();
    }
  });
});

describe('JobMonitor on an idle queue', () => {
  it('stops looking for archived jobs while the queue directory is unchanged, and still drops one archived later', async () => {
    const node = await makeNode();
    const daemon = await startDaemon(node);
    // A proxy in front of the daemon counts the monitor's id-only queries (its sweeps for archived jobs).
    const proxyPath = join(node.base, 'proxy.sock');
    let sweeps = 0;
    const proxy = createServer((inner) => {
      const outer = connect(node.paths.masterSocket);
      inner.on('data', (d: Buffer) => {
        sweeps += d.toString('utf8').split('"args":["job",["id"],').length - 1;
      });
      inner.pipe(outer).pipe(inner);
      inner.on('error', () => outer.destroy());
      outer.on('error', () => inner.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(proxyPath, resolve));
    const monitor = new JobMonitor({
      intervalMs: INTERVAL_MS,
      client: {paths: node.paths, socketPath: proxyPath},
      queueDir: node.paths.queueDir,
    });
    try {
      const c = daemon.client();
      const ids = [await c.submitJob([delayOp(0)]), await c.submitJob([delayOp(0)])];
      for (const id of ids) await waitJob(c, id);
      monitor.start();
      const has = (id: number): boolean => monitor.getSnapshot().jobs.some((j) => j.id === id);
      await waitFor(() => ids.every(has), 5000, 'both jobs shown');
      // The directory's mtime is trusted once 2 s old, and a sweep comes every 2 s while idle:
      // the sweeps stop a few seconds after the last change (later on a loaded machine).
      let quiet = false;
      for (let i = 0; i < 4 && !quiet; i++) {
        const seen = sweeps;
        await new Promise((r) => setTimeout(r, 4500));
        quiet = sweeps === seen;
      }
      assert.ok(quiet, `no 4.5 s without a sweep while nothing changed (${sweeps} sweeps)`);
      const before = sweeps;
      assert.equal(await c.archiveJob(ids[0]!), true);
      await waitFor(() => !has(ids[0]!), 10_000, 'the archived job gone from the table');
      assert.ok(sweeps > before, 'found by a sweep');
      assert.ok(has(ids[1]!));
    } finally {
      monitor.stop();
      proxy.close();
      await daemon.stop();
      node.cleanup();
    }
  });
});
