// The audit trail: masterd's log holds exactly one INFO line per state-changing request (and
// none for queries), and one per job end.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {after, before, describe, it} from 'node:test';
import {delayOp, makeNode, waitFor, waitJob, type TestNode} from '../helpers/cluster.js';
import {startInProcessDaemon, type InProcessDaemon} from '../helpers/in-process.js';

interface AuditLine {
  level: number;
  audit: string;
  conn?: number;
  [key: string]: unknown;
}

describe('audit trail', () => {
  let node: TestNode;
  let daemon: InProcessDaemon;
  before(async () => {
    node = await makeNode();
    daemon = await startInProcessDaemon(node, ['--auto-archive-age', '0', '--max-running-jobs', '1']);
  });
  after(async () => {
    await daemon?.stop();
    node?.cleanup();
  });

  const auditLines = (): AuditLine[] =>
    readFileSync(node.paths.masterdLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"audit"'))
      .map((l) => JSON.parse(l) as AuditLine);

  it('logs one line per state-changing request and one per job end', async () => {
    const c = daemon.client();
    const expected: string[] = [];
    const one = await c.submitJob([delayOp(0, {reason: [['gnt:client:gnt-debug', 'testing the audit', 1]]})]);
    expected.push('submit');
    const many = (await c.submitManyJobs([[delayOp(0)], [delayOp(0), delayOp(0)]])).map((r) => r[1] as number);
    expected.push('submit');
    await assert.rejects(c.submitJob([{OP_ID: 'OP_TEST_DELAY', duration: 0, priority: 7}]));
    expected.push('submit');
    for (const id of [one, ...many]) assert.equal(await waitJob(c, id), 'success');

    const blocker = await c.submitJob([delayOp(30)]);
    const queued = await c.submitJob([delayOp(0)]);
    expected.push('submit', 'submit');
    await waitFor(async () => ((await c.queryJobs([blocker], ['status'])) as string[][])[0]![0] === 'running');
    assert.equal((await c.changeJobPriority(queued, 10))[0], true);
    expected.push('change-priority');
    assert.equal((await c.cancelJob(queued))[0], true);
    expected.push('cancel');
    assert.equal((await c.cancelJob(blocker, true))[0], true);
    expected.push('cancel');
    assert.equal(await waitJob(c, blocker), 'error');

    assert.equal(await c.archiveJob(one), true);
    expected.push('archive');
    await c.autoArchiveJobs(-1, 10);
    expected.push('autoarchive');
    await c.setDrainFlag(true);
    const drained = await c.submitJobToDrainedQueue([delayOp(0)]);
    await c.setDrainFlag(false);
    expected.push('drain-flag', 'submit', 'drain-flag');
    await waitJob(c, drained);
    await c.call('SetWatcherPause', Date.now() / 1000 + 3600);
    await c.call('SetWatcherPause', null);
    expected.push('watcher-pause', 'watcher-pause');
    // Reads leave no trace.
    await c.queryJobs(null, ['id', 'status']);
    await c.query('lock', ['name'], null);
    await c.queryConfigValues(['drain_flag']);

    // The log is written asynchronously: wait for every line, not only the job ends.
    await waitFor(() => auditLines().length >= expected.length + 6, 10_000, 'all audit lines');
    const lines = auditLines();
    const requests = lines.filter((l) => l.audit !== 'job-end');
    assert.deepEqual(
      requests.map((l) => l.audit),
      expected,
    );
    assert.ok(
      lines.every((l) => l.level === 30),
      'INFO',
    );
    assert.ok(
      requests.every((l) => typeof l.conn === 'number'),
      'each request line names its connection',
    );

    const [first, second, refused] = requests;
    assert.deepEqual(first!.jobs, [{id: one, ops: ['TEST_DELAY(0.0)'], reason: [['gnt:client:gnt-debug', 'testing the audit', 1]]}]);
    assert.deepEqual(
      (second!.jobs as Array<Record<string, unknown>>).map((j) => [j.id, j.ops]),
      [
        [many[0], ['TEST_DELAY(0.0)']],
        [many[1], ['TEST_DELAY(0.0)', 'TEST_DELAY(0.0)']],
      ],
    );
    assert.match(String(refused!.error), /priority/);
    const cancel = requests.find((l) => l.audit === 'cancel' && l.job === queued)!;
    assert.deepEqual(cancel.result, [true, `Dequeued job ${queued}`]);

    const ends = new Map(lines.filter((l) => l.audit === 'job-end').map((l) => [l.job as number, l]));
    assert.deepEqual(
      [...ends.keys()].sort((a, b) => a - b),
      [one, ...many, blocker, queued, drained],
    );
    assert.equal(ends.get(one)!.status, 'success');
    assert.equal(ends.get(one)!.error, null);
    assert.equal(typeof ends.get(one)!.duration, 'number');
    assert.equal(ends.get(queued)!.status, 'canceled');
    assert.equal(ends.get(blocker)!.status, 'error');
    assert.equal(ends.get(blocker)!.error, 'OpExecError: Job killed by request');
  });
});
