// Fault suite: the queue's disk fills up or turns read-only under a running masterd, and
// node daemons hang or answer garbage. Acknowledged jobs must survive, no partial file may
// ever become job-N, the daemon must stay up and recover when the fault goes away.
// Disk full needs root (a 64 KiB tmpfs on the queue directory); read-only uses a read-only
// remount of that tmpfs as root and a mode-0555 queue directory otherwise.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {chmodSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createServer as createHttpsServer} from 'node:https';
import {createServer as createTcpServer, type Server, type Socket} from 'node:net';
import type {AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import {readConfig, writeConfig} from '../../src/config/config.js';
import {GanetiError} from '../../src/protocol/errors.js';
import {loadClusterTls} from '../../src/rpc/certificate.js';
import {delayOp, makeNode, type Masterd, startMasterd, type TestNode, waitJob} from '../helpers/cluster.js';
import {isRoot, mountTmpfs, remount, report, scanQueue, sleep} from './helpers.js';

/** Every acknowledged id is on disk in a parsable file, and no job-N is torn. */
function checkQueue(node: TestNode, acked: number[], what: string): ReturnType<typeof scanQueue> {
  const scan = scanQueue(node.paths);
  assert.deepEqual(scan.problems, [], `${what}: torn or unparsable job files`);
  assert.deepEqual(
    acked.filter((id) => !scan.jobs.has(id)),
    [],
    `${what}: acknowledged jobs missing`,
  );
  return scan;
}

/** Waits until every live job is finished according to the daemon. */
async function settle(d: Masterd, timeoutMs = 20_000): Promise<void> {
  const c = d.client();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await c.query(
      'job',
      ['id', 'status'],
      ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']],
    );
    if (open.data.length === 0) return;
    if (Date.now() > deadline) throw new Error(`jobs still unfinished: ${JSON.stringify(open.data.slice(0, 5))}`);
    await sleep(50);
  }
}

/**
 * After the fault is gone and the daemon restarted: every acknowledged job ran, and what
 * the daemon reports agrees with the files.
 */
async function checkAfterRestart(node: TestNode, d: Masterd, acked: number[], what: string): Promise<void> {
  await settle(d);
  const c = d.client();
  // A final status is reported by WaitForJobChange only once it is on disk (Query may be ahead).
  for (const id of acked) await waitJob(c, id);
  const scan = checkQueue(node, acked, what);
  const wrong: string[] = [];
  for (const id of acked) {
    const onDisk = scan.jobs.get(id)!;
    const status = ((await c.queryJobs([id], ['status'])) as unknown[][])[0]?.[0];
    if (status !== onDisk.status) wrong.push(`job ${id}: daemon says ${String(status)}, file says ${onDisk.status}`);
    // Jobs finished while the disk was bad may end as error ("Unclean master daemon
    // shutdown") if their last write never happened; anything else must have succeeded.
    if (
      onDisk.status !== 'success' &&
      !(onDisk.status === 'error' && JSON.stringify(onDisk.ops).includes('Unclean master daemon shutdown'))
    ) {
      wrong.push(`job ${id}: ${onDisk.status} ${JSON.stringify(onDisk.ops)}`);
    }
  }
  assert.deepEqual(wrong, [], `${what}: jobs in an unexpected state after recovery`);
}

describe('faults: the queue disk', () => {
  it('disk full: submissions fail cleanly, nothing acknowledged is lost, the daemon recovers', {
    skip: !isRoot && 'needs root for a tmpfs (mount -t tmpfs -o size=64k)',
    timeout: 90_000,
  }, async (t) => {
    const node = await makeNode();
    const unmount = mountTmpfs(node.paths.queueDir, '64k');
    let d: Masterd | null = null;
    try {
      d = await startMasterd(node, {args: ['--job-queue-size-limit', '100000']});
      const c = d.client();
      const acked: number[] = [];
      const errors: string[] = [];
      // Job files growing from 0.2 to 9 KiB: the first ones fit, later writes end in a short
      // write at a page boundary or find no page at all.
      for (let i = 0; i < 400 && errors.length < 12; i++) {
        const comment = 'x'.repeat(Math.min(9000, 200 + i * 500) + Math.floor(Math.random() * 300));
        try {
          if (i % 3 === 0) {
            const res = await c.submitManyJobs(Array.from({length: 5}, () => [delayOp(0, {comment})]));
            for (const r of res) if (r[0]) acked.push(r[1] as number);
          } else {
            acked.push(await c.submitJob([delayOp(0, {comment})]));
          }
        } catch (err) {
          assert.ok(err instanceof GanetiError, `a full disk gives a decodable Ganeti error, got ${String(err)}`);
          errors.push(err.message);
        }
      }
      assert.ok(errors.length > 0, 'the disk never filled up');
      assert.ok(acked.length > 0);
      assert.ok(d.alive(), 'the daemon survives a full disk');
      checkQueue(node, acked, 'disk full');
      assert.ok(
        errors.some((e) => /ENOSPC|no space/i.test(e)),
        `the error says why: ${errors[0]}`,
      );
      // Still serving: queries and WaitForJobChange of an acknowledged job work.
      assert.ok((await c.query('job', ['id'], null)).data.length >= 1);
      await c.waitForJobChange(acked[0]!, ['status'], null, null, 1);
      report(`faults: disk full after ${acked.length} acknowledged jobs; ${errors.length} submissions refused, e.g. "${errors[0]}"`);

      // Space returns.
      remount(node.paths.queueDir, 'size=8m');
      const later = await c.submitJob([delayOp(0)]);
      acked.push(later);
      assert.equal(await waitJob(c, later), 'success', 'submissions work again once space returns');
      await settle(d);
      // Every acknowledged job reached its final state; once WaitForJobChange reports it,
      // it must be on disk, without a restart (failed writes are retried).
      for (const id of acked) assert.equal(await waitJob(c, id), 'success');
      const reported = checkQueue(node, acked, 'space returned');
      const stale = acked.filter((id) => reported.jobs.get(id)!.status !== 'success');
      report(
        `faults: after space returned: ${stale.length} of ${acked.length} acknowledged job files older than the final state WaitForJobChange reported`,
      );
      // A job whose last write failed waits for its retry before WaitForJobChange reports
      // its final state.
      await t.test('a final state is reported only once it is on disk, also after failed writes', () => {
        assert.deepEqual(stale, [], 'final states reported by WaitForJobChange but not on disk');
      });
      await sleep(1500); // the retry writes them
      const retried = checkQueue(node, acked, 'space returned, after the retry');
      assert.deepEqual(
        acked.filter((id) => retried.jobs.get(id)!.status !== 'success'),
        [],
        'failed writes are retried once space returns',
      );

      assert.equal(await d.stop(), 0);
      d = await startMasterd(node, {args: ['--job-queue-size-limit', '100000']});
      await checkAfterRestart(node, d, acked, 'disk full, after restart');
      assert.equal(await d.stop(), 0);
      d = null;
    } finally {
      await d?.kill9();
      unmount();
      node.cleanup();
    }
  });

  it('read-only queue: submissions fail cleanly, queries keep working, the daemon recovers', {timeout: 90_000}, async () => {
    const node = await makeNode();
    const q = node.paths.queueDir;
    const unmount = isRoot ? mountTmpfs(q, '16m') : () => undefined;
    const setReadOnly = (ro: boolean): void => {
      if (isRoot) remount(q, ro ? 'ro' : 'rw');
      else chmodSync(q, ro ? 0o555 : 0o750);
    };
    let d: Masterd | null = null;
    try {
      d = await startMasterd(node);
      const c = d.client();
      const acked = (await c.submitManyJobs(Array.from({length: 20}, () => [delayOp(0)]))).map((r) => r[1] as number);
      for (const id of acked) await waitJob(c, id);
      // Jobs that are running when the disk turns read-only.
      const running = (await c.submitManyJobs(Array.from({length: 4}, () => [delayOp(0.6), delayOp(0)]))).map((r) => r[1] as number);
      acked.push(...running);
      await sleep(150);
      setReadOnly(true);
      const refused: string[] = [];
      for (let i = 0; i < 5; i++) {
        await assert.rejects(i % 2 === 0 ? c.submitJob([delayOp(0)]) : c.submitManyJobs([[delayOp(0)], [delayOp(0)]]), (err: unknown) => {
          assert.ok(err instanceof GanetiError, `decodable error, got ${String(err)}`);
          refused.push(err.message);
          return true;
        });
      }
      assert.ok(
        refused.every((m) => /EROFS|EACCES|read-only|permission/i.test(m)),
        `the error says why: ${refused[0]}`,
      );
      await assert.rejects(c.call('SetDrainFlag', true), (err: unknown) => {
        assert.ok(err instanceof GanetiError && err.cls === 'JobQueueError', `a queue error, got ${String(err)}`);
        assert.match(err.message, /^Cannot set the drain flag: .*(EROFS|EACCES)/);
        return true;
      });
      assert.equal((await c.query('job', ['id'], ['==', 'id', acked[0]!])).data.length, 1, 'queries keep working');
      await sleep(1000); // the running jobs reach their end while their writes fail
      assert.ok(d.alive(), 'the daemon survives a read-only queue');
      checkQueue(node, acked, 'read-only');
      setReadOnly(false);
      const later = await c.submitJob([delayOp(0)]);
      acked.push(later);
      assert.equal(await waitJob(c, later), 'success', 'submissions work again');
      report(`faults: read-only queue: submissions refused with "${refused[0]}"`);
      assert.equal(await d.stop(), 0);
      d = await startMasterd(node);
      await checkAfterRestart(node, d, acked, 'read-only, after restart');
      assert.equal(await d.stop(), 0);
      d = null;
    } finally {
      await d?.kill9();
      if (!isRoot) chmodSync(q, 0o750);
      unmount();
      node.cleanup();
    }
  });

  // A job whose file write fails while it runs goes on in memory; the queue writes it again
  // once the disk is back, and never archives a file that is older than its job.
  it('a job whose writes failed during the fault is finished and written once the disk is back', {timeout: 60_000}, async () => {
    const node = await makeNode();
    const q = node.paths.queueDir;
    const unmount = isRoot ? mountTmpfs(q, '16m') : () => undefined;
    const setReadOnly = (ro: boolean): void => {
      if (isRoot) remount(q, ro ? 'ro' : 'rw');
      else chmodSync(q, ro ? 0o555 : 0o750);
    };
    let d: Masterd | null = null;
    try {
      d = await startMasterd(node);
      const c = d.client();
      const running = (await c.submitManyJobs(Array.from({length: 4}, () => [delayOp(0.5), delayOp(0)]))).map((r) => r[1] as number);
      await sleep(150);
      setReadOnly(true);
      await sleep(800);
      setReadOnly(false);
      await settle(d, 5000);
      // Failed writes are retried every second: the files catch up shortly after the disk.
      let scan = scanQueue(node.paths);
      for (let t = 0; t < 50 && running.some((id) => scan.jobs.get(id)?.status !== 'success'); t++) {
        await sleep(100);
        scan = scanQueue(node.paths);
      }
      assert.deepEqual(
        running.map((id) => scan.jobs.get(id)?.status),
        running.map(() => 'success'),
        'the files of jobs that finished during the fault are brought up to date',
      );
      assert.equal(await d.stop(), 0);
      d = null;
    } finally {
      await d?.kill9();
      if (!isRoot) chmodSync(q, 0o750);
      unmount();
      node.cleanup();
    }
  });

  it('AutoArchiveJobs never archives a job file older than the job', {
    skip: !isRoot && 'needs root for a tmpfs',
    timeout: 60_000,
  }, async () => {
    const node = await makeNode();
    const q = node.paths.queueDir;
    const unmount = mountTmpfs(q, '256k');
    let d: Masterd | null = null;
    try {
      d = await startMasterd(node);
      const c = d.client();
      const ids = (await c.submitManyJobs(Array.from({length: 4}, () => [delayOp(0.5)]))).map((r) => r[1] as number);
      await sleep(150);
      // Fill the disk while they run: their final writes fail, renames still work.
      try {
        writeFileSync(join(q, 'filler'), Buffer.alloc(1024 * 1024));
      } catch {
        /* ENOSPC once the disk is full: expected */
      }
      await sleep(800);
      const [archived] = await c.autoArchiveJobs(-1, 5);
      const scan = scanQueue(node.paths);
      const stale = ids.filter((id) => scan.jobs.get(id)?.archived === true && scan.jobs.get(id)?.status !== 'success');
      report(`faults: disk full: AutoArchiveJobs archived ${archived} jobs; ${stale.length} archived files say "running"`);
      assert.deepEqual(stale, [], 'archived job files read as running');
      // Space returns: the files are brought up to date, then archiving works.
      rmSync(join(q, 'filler'), {force: true});
      await sleep(1500);
      const [later] = await c.autoArchiveJobs(-1, 5);
      const after = scanQueue(node.paths);
      assert.equal(archived + later, ids.length, 'every job archived once the disk is back');
      assert.deepEqual(
        ids.map((id) => [after.jobs.get(id)?.archived, after.jobs.get(id)?.status]),
        ids.map(() => [true, 'success']),
      );
      assert.equal(await d.stop(), 0);
      d = null;
    } finally {
      await d?.kill9();
      rmSync(join(q, 'filler'), {force: true});
      unmount();
      node.cleanup();
    }
  });
});

// A submission is refused as a whole if one of its writes fails; the job files that were
// written are removed again, so that a refused job never runs after a restart.
describe('faults: refused submissions', () => {
  it('a refused SubmitManyJobs leaves no job file behind, and none of its jobs runs after a restart', {
    skip: !isRoot && 'needs root for a tmpfs',
    timeout: 60_000,
  }, async () => {
    const node = await makeNode();
    const q = node.paths.queueDir;
    const unmount = mountTmpfs(q, '64k');
    let d: Masterd | null = null;
    try {
      d = await startMasterd(node);
      const c = d.client();
      // Fill the disk, then free three pages: room for the serial's temp file and two jobs.
      const filler = join(q, 'filler');
      try {
        writeFileSync(filler, Buffer.alloc(1024 * 1024));
      } catch {
        /* ENOSPC: the disk is full now */
      }
      truncateSync(filler, Math.max(0, statSync(filler).size - 3 * 4096));
      const before = new Set(scanQueue(node.paths).jobs.keys());
      await assert.rejects(c.submitManyJobs(Array.from({length: 6}, () => [delayOp(0, {comment: 'y'.repeat(1500)})])), GanetiError);
      const leftovers = [...scanQueue(node.paths).jobs.keys()].filter((id) => !before.has(id));
      const known = (await c.query('job', ['id'], null)).data.length;
      report(
        `faults: refused SubmitManyJobs left ${leftovers.length} job files (${JSON.stringify(leftovers)}); the daemon knows ${known} jobs`,
      );
      rmSync(filler, {force: true});
      assert.equal(await d.stop(), 0);
      d = await startMasterd(node);
      const ran = (await d.client().query('job', ['id'], null)).data.map((r) => r[0]![1] as number);
      assert.deepEqual(leftovers, [], 'job files of the refused submission on disk');
      assert.deepEqual(ran, [], 'jobs of the refused submission loaded after a restart');
      assert.equal(await d.stop(), 0);
      d = null;
    } finally {
      await d?.kill9();
      unmount();
      node.cleanup();
    }
  });
});

describe('faults: node daemons that hang or answer garbage', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  after(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });

  const listen = async (server: Server): Promise<number> => {
    servers.push(server);
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  it('OP_TEST_DELAY on such a node fails with a clear error within the RPC timeout; the daemon stays healthy', {
    timeout: 90_000,
  }, async () => {
    const node = await makeNode();
    let d: Masterd | null = null;
    try {
      const tls = loadClusterTls(node.paths.serverCert);
      assert.ok(tls !== null, 'the cluster has a certificate');
      const ports: Record<string, number> = {
        // TCP accepted, nothing ever said (the TLS handshake never completes).
        'hang-tcp': await listen(createTcpServer(() => undefined)),
        // Random bytes instead of TLS.
        'garbage-tcp': await listen(
          createTcpServer((s) => {
            s.on('error', () => undefined);
            s.end(randomBytes(512));
          }),
        ),
        // Valid TLS and HTTP, then nothing.
        'hang-https': await listen(createHttpsServer({cert: tls.cert, key: tls.key}, () => undefined)),
        // Valid TLS and HTTP 200 with a body that is not a node daemon answer.
        'garbage-https': await listen(
          createHttpsServer({cert: tls.cert, key: tls.key}, (_req, res) => {
            res.writeHead(200, {'Content-Type': 'application/json'});
            res.end('{"not": [an answer');
          }),
        ),
        // Valid TLS, then a broken HTTP response.
        'garbage-http': await listen(
          createHttpsServer({cert: tls.cert, key: tls.key}, (req) => {
            req.socket.end('HTTP/1.1 ???\r\n\x00\x01\x02 garbage\r\n\r\n');
          }),
        ),
      };
      const cfg = await readConfig(node.paths.configFile);
      const template = Object.values(cfg.nodes)[0]!;
      let n = 2;
      for (const [name, port] of Object.entries(ports)) {
        const uuid = `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`;
        cfg.nodes[uuid] = {
          ...structuredClone(template),
          name,
          uuid,
          primary_ip: '127.0.0.1',
          secondary_ip: '127.0.0.1',
          // hang-https is also a master candidate: queue replication to it must never
          // hold up an acknowledgement.
          master_candidate: name === 'hang-https',
          rpc_port: port,
        };
      }
      await writeConfig(node.paths.configFile, cfg);
      d = await startMasterd(node, {args: ['--no-voting', '--yes-do-it']});
      const c = d.client();
      const started = Date.now();
      const ids = new Map<string, number>();
      for (const name of Object.keys(ports)) ids.set(name, await c.submitJob([delayOp(0, {on_nodes: [name]})]));

      // While those RPCs hang, the daemon keeps serving and running other jobs.
      const lat: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const id = await c.submitJob([delayOp(0)]);
        lat.push(performance.now() - t);
        assert.equal(await waitJob(c, id, 5), 'success');
      }
      // Printed, not asserted (timings belong to bench/): every submission above was answered and ran.
      report(`faults: 20 submissions while node RPCs hang: max ${Math.max(...lat).toFixed(0)} ms`);

      const outcome: string[] = [];
      for (const [name, id] of ids) {
        assert.equal(await waitJob(c, id, 60), 'error', `job on ${name}`);
        const result = ((await c.queryJobs([id], ['opresult'])) as unknown[][])[0]?.[0];
        const text = JSON.stringify(result);
        assert.match(text, new RegExp(`rpc call to node ${name}`), `the error names the node: ${text}`);
        // test-delay's RPC timeout is duration + 5 s: a node that never answers fails the call
        // with that timeout (or the shorter connection timeout); a node that answers garbage
        // fails it at once, without waiting for any timeout.
        const timeout = /timeout after (\d+) ms/.exec(text);
        if (name.startsWith('hang')) assert.ok(timeout !== null && Number(timeout[1]) <= 5000, `${name} fails by the RPC timeout: ${text}`);
        else assert.equal(timeout, null, `${name} fails without waiting: ${text}`);
        outcome.push(`${name}: ${text.slice(0, 160)}`);
      }
      report(`faults: node RPC failures (all within ${((Date.now() - started) / 1000).toFixed(1)} s):\n  ${outcome.join('\n  ')}`);
      assert.ok(d.alive());
      assert.equal(await waitJob(c, await c.submitJob([delayOp(0)]), 5), 'success', 'still healthy');
      assert.equal(await d.stop(), 0);
      d = null;
    } finally {
      await d?.kill9();
      node.cleanup();
    }
  });
});
