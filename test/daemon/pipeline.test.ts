import assert from 'node:assert/strict';
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {GanetiError, LuxiClientError} from '../../src/protocol/errors.js';
import {delayOp, makeNode, waitFor, waitJob, type TestNode} from '../helpers/cluster.js';
import {startInProcessDaemon, type InProcessDaemon} from '../helpers/in-process.js';

describe('masterd job pipeline over the real socket', () => {
  let node: TestNode;
  let daemon: InProcessDaemon;

  before(async () => {
    node = await makeNode();
    daemon = await startInProcessDaemon(node, ['--job-queue-size-limit', '50']);
  });
  after(async () => {
    await daemon.stop();
    node.cleanup();
  });

  it('submits, waits, queries, archives and autoarchives', async () => {
    const c = daemon.client();
    const id = await c.submitJob([delayOp(0.05)]);
    assert.equal(id, 1, 'the first job of a fresh queue is 1');
    assert.ok(existsSync(join(node.paths.queueDir, 'job-1')), 'the job file exists once the submit is acknowledged');
    assert.equal(await waitJob(c, id), 'success');

    const q = await c.query('job', ['id', 'status', 'summary', 'opstatus', 'archived', 'nosuchfield'], null);
    assert.deepEqual(Object.keys(q), ['fields', 'data']);
    assert.deepEqual(q.fields[5], {name: 'nosuchfield', title: 'nosuchfield', kind: 'unknown', doc: "Unknown field 'nosuchfield'"});
    assert.deepEqual(q.data, [
      [
        [0, 1],
        [0, 'success'],
        [0, ['TEST_DELAY(5.0e-2)']],
        [0, ['success']],
        [0, false],
        [1, null],
      ],
    ]);

    const missing = await c.query('job', ['id', 'status'], ['|', ['==', 'id', 7], ['==', 'id', 1]]);
    assert.deepEqual(
      missing.data,
      [
        [
          [0, 7],
          [3, null],
        ],
        [
          [0, 1],
          [0, 'success'],
        ],
      ],
      'requested ids come back in filter order',
    );

    assert.equal(await c.archiveJob(id), true);
    assert.ok(existsSync(join(node.paths.queueDir, 'archive', '0', 'job-1')));
    assert.ok(!existsSync(join(node.paths.queueDir, 'job-1')));
    assert.deepEqual(await c.queryJobs([String(id)], ['id', 'status']), [[1, 'success']], 'archived jobs are found by id');
    assert.equal(await c.archiveJob(id), false, 'an archived job cannot be archived again');

    const ids = await Promise.all([c.submitJob([delayOp(0)]), c.submitJob([delayOp(0)])]);
    for (const j of ids) assert.equal(await waitJob(c, j), 'success');
    const running = await c.submitJob([delayOp(5)]);
    assert.deepEqual(await c.autoArchiveJobs(3600, 89), [0, 0], 'nothing is an hour old');
    assert.deepEqual(await c.autoArchiveJobs(-1, 89), [2, 0], 'autoarchive all takes every finished job');
    const live = await c.query('job', ['id'], null);
    assert.deepEqual(live.data, [[[0, running]]]);
    const withArchived = await c.query('job', ['id', 'archived'], null);
    assert.deepEqual(
      withArchived.data.map((r) => [r[0]![1], r[1]![1]]),
      [
        [1, true],
        [ids[0], true],
        [ids[1], true],
        [running, false],
      ],
    );
    assert.deepEqual(await c.cancelJob(running), [false, "Job no longer waiting, can't cancel (informed it anyway)"]);
    assert.deepEqual(await c.cancelJob(running, true), [true, 'SIGKILL send to the process']);
    assert.equal(await waitJob(c, running), 'error');
    const [[opresult]] = (await c.queryJobs([running], ['opresult'])) as [[unknown]];
    assert.deepEqual(opresult, [['OpExecError', ['Job killed by request']]]);
  });

  it('writes job files in Ganeti format, durably named and with mode 0640', async () => {
    const c = daemon.client();
    const reasonTs = 1795541175805849856n;
    const id = await c.submitJob([delayOp(0, {reason: [['gnt:client:test', 'pipeline', reasonTs]]})]);
    await waitJob(c, id);
    const path = join(node.paths.queueDir, `job-${id}`);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.endsWith('}\n'));
    assert.ok(text.includes('1795541175805849856'), 'nanosecond reason timestamps keep every digit');
    const job = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(job), ['id', 'ops', 'received_timestamp', 'start_timestamp', 'end_timestamp']);
    const op = (job.ops as Array<Record<string, unknown>>)[0]!;
    assert.deepEqual(Object.keys(op), [
      'input',
      'status',
      'result',
      'log',
      'priority',
      'start_timestamp',
      'exec_timestamp',
      'end_timestamp',
    ]);
    assert.equal(op.status, 'success');
    const input = op.input as Record<string, unknown>;
    assert.equal(input.OP_ID, 'OP_TEST_DELAY');
    assert.equal(input.no_locks, true, 'defaults are filled');
    const reason = input.reason as unknown[][];
    assert.equal(reason.length, 2);
    assert.deepEqual(reason[1]!.slice(0, 2), ['gnt:opcode:test_delay', `job=${id};index=0`]);
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.equal(readFileSync(join(node.paths.queueDir, 'version'), 'utf8'), '1\n');
    // The serial is written just after the job file (docs/architecture.md): soon, not with it.
    await waitFor(() => readFileSync(join(node.paths.queueDir, 'serial'), 'utf8') === `${id}\n`, 10_000, 'the serial to reach the job id');
    assert.deepEqual(
      readdirSync(node.paths.queueDir).filter((n) => n.startsWith('.')),
      [],
      'no temp files left',
    );
  });

  it('SubmitManyJobs with one invalid opcode fails as a whole and creates no job', async () => {
    const c = daemon.client();
    const serial = readFileSync(join(node.paths.queueDir, 'serial'), 'utf8');
    const live = readdirSync(node.paths.queueDir).filter((n) => n.startsWith('job-')).length;
    for (const bad of [{OP_ID: 'OP_TEST_DELAY', duration: 'soon'}, delayOp(0, {priority: 11}), {OP_ID: 'OP_NO_SUCH_THING'}]) {
      await assert.rejects(
        c.submitManyJobs([[delayOp(0)], [delayOp(0), bad], [delayOp(0)]]),
        (e: unknown) => e instanceof LuxiClientError && e.kind === 'request' && /Job 1 of the submission: /.test(e.message),
      );
    }
    assert.equal(readdirSync(node.paths.queueDir).filter((n) => n.startsWith('job-')).length, live, 'no job file was written');
    assert.equal(readFileSync(join(node.paths.queueDir, 'serial'), 'utf8'), serial, 'no job id was used');
  });

  it('SubmitManyJobs resolves relative dependencies and reports per-job failures after validation', async () => {
    const c = daemon.client();
    const res = await c.submitManyJobs([[delayOp(0.1)], [delayOp(0, {depends: [[-1, ['success']]]})], [delayOp(0, {depends: [[-5, []]]})]]);
    assert.equal(res[0]![0], true);
    assert.equal(res[1]![0], true);
    assert.deepEqual(res[2], [false, 'Unable to resolve relative job ID -5']);
    const first = res[0]![1] as number;
    const second = res[1]![1] as number;
    assert.equal(second, first + 1, 'ids are allocated as one block');
    assert.equal(await waitJob(c, second), 'success');
    const [[ops, opexec]] = (await c.queryJobs([second], ['ops', 'opexec'])) as [unknown[]];
    assert.deepEqual((ops as Array<Record<string, unknown>>)[0]!.depends, [[first, ['success']]], 'stored resolved');
    const [[end1]] = (await c.queryJobs([first], ['end_ts'])) as [unknown[]];
    const t = (ts: unknown): number => (ts as number[])[0]! + (ts as number[])[1]! / 1e6;
    assert.ok(t((opexec as unknown[])[0]) >= t(end1), 'the dependent job executed after its dependency ended');
  });

  it('honours the drain flag and the queue size limit', async () => {
    const c = daemon.client();
    assert.equal(await c.setDrainFlag(true), true);
    assert.deepEqual(await c.queryConfigValues(['drain_flag']), [true]);
    assert.ok(existsSync(join(node.paths.queueDir, 'drain')));
    await assert.rejects(
      c.submitJob([delayOp(0)]),
      (e: unknown) => e instanceof GanetiError && e.cls === 'GenericError' && e.message === 'Queue drained',
    );
    await assert.rejects(c.submitManyJobs([[delayOp(0)]]), /Queue drained/);
    const forced = await c.submitJobToDrainedQueue([delayOp(0)]);
    assert.equal(await waitJob(c, forced), 'success');
    await c.setDrainFlag(false);
    assert.ok(!existsSync(join(node.paths.queueDir, 'drain')));

    const live = (await c.query('job', ['id'], null)).data.length;
    const fill = Array.from({length: 50 - live}, () => [delayOp(0)]);
    const filled = await c.submitManyJobs(fill);
    assert.ok(filled.every((r) => r[0]));
    await assert.rejects(
      c.submitJob([delayOp(0)]),
      (e: unknown) => e instanceof GanetiError && e.cls === 'JobQueueFull' && e.args.length === 0,
    );
    await c.autoArchiveJobs(-1, 89);
    await waitJob(c, await c.submitJob([delayOp(0)]));
  });

  it('answers QueryFields, cluster and config queries', async () => {
    const c = daemon.client();
    const all = await c.queryFields('job', null);
    assert.deepEqual(Object.keys(all), ['fields']);
    assert.deepEqual(
      all.fields.map((f) => f.name),
      [
        'archived',
        'end_ts',
        'id',
        'opend',
        'opexec',
        'oplog',
        'oppriority',
        'opresult',
        'ops',
        'opstart',
        'opstatus',
        'priority',
        'received_ts',
        'start_ts',
        'status',
        'summary',
      ],
    );
    const info = await c.queryClusterInfo();
    assert.equal(info.name, 'cluster.example.com');
    assert.equal(info.master, 'node1');
    assert.deepEqual(await c.queryConfigValues(['cluster_name', 'master_node', 'bogus']), ['cluster.example.com', 'node1', null]);
    assert.deepEqual(await c.queryTags('cluster', ''), []);
    const nodes = await c.query('node', ['name', 'master', 'role'], null);
    assert.deepEqual(nodes.data, [
      [
        [0, 'node1'],
        [0, true],
        [0, 'M'],
      ],
    ]);
    await assert.rejects(c.call('QueryFilters', null, ['uuid']), (e: unknown) => e instanceof GanetiError && e.cls === 'GenericError');
  });
});
