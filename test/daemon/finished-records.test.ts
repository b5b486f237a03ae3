// A finished job is kept in memory as a small record once its final state is on disk, and its
// file answers for the rest (docs/queries.md): every job field must still answer exactly what
// the file holds, through every way of asking, before and after a restart.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type {QueryResult} from '../../src/protocol/luxi-contract.js';
import {plainValue} from '../../src/query/fields.js';
import {JOB_FIELDS} from '../../src/query/job-fields.js';
import {parseJobFile, QueuedJob} from '../../src/queue/job.js';
import {delayOp, makeNode, waitFor, type TestNode} from '../helpers/cluster.js';
import {openMaster, type InProcessMaster} from '../helpers/in-process.js';

const FIELDS = [...JOB_FIELDS.keys()];

describe('finished jobs kept as records', () => {
  let node: TestNode;
  let m: InProcessMaster;
  const ids: number[] = [];

  before(async () => {
    node = await makeNode();
    m = await openMaster(node, {maxRunningJobs: 1});
    const submit = async (ops: unknown[]): Promise<number> => {
      const id = (await m.call('SubmitJob', [ops])) as number;
      ids.push(id);
      return id;
    };
    const blocker = await submit([delayOp(60)]);
    const dequeued = await submit([delayOp(0)]);
    assert.deepEqual(await m.call('CancelJob', [dequeued]), [true, `Dequeued job ${dequeued}`]);
    assert.deepEqual(await m.call('CancelJob', [blocker, true]), [true, 'SIGKILL send to the process']);
    await submit([{OP_ID: 'OP_TEST_JQUEUE'}, delayOp(0.01), {OP_ID: 'OP_TEST_JQUEUE', fail: true}]);
    await submit([delayOp(0, {comment: 'ünïcode', priority: -10})]);
    await submit([{OP_ID: 'OP_TEST_JQUEUE', comment: 'logs'}, {OP_ID: 'OP_TEST_JQUEUE'}]);
    // Settled: each job is finished, written, and the queue keeps only its record.
    await waitFor(() =>
      ids.every((id) => m.master.queue.jobs.get(id)?.finalized === true && !(m.master.queue.jobs.get(id) instanceof QueuedJob)),
    );
  });

  after(async () => {
    await m.close();
    node.cleanup();
  });

  /** Every field of a job as its file holds it. */
  function fromFile(id: number): unknown[] {
    const job = parseJobFile(readFileSync(join(node.paths.queueDir, `job-${id}`), 'utf8'), id);
    return FIELDS.map((f) => JOB_FIELDS.get(f)!.get({id, job}));
  }

  async function checkEveryWay(when: string): Promise<void> {
    const expected = new Map(ids.map((id) => [id, fromFile(id)]));
    const statuses = new Set(ids.map((id) => (expected.get(id)![FIELDS.indexOf('status')] as [number, string])[1]));
    assert.deepEqual(statuses, new Set(['canceled', 'error', 'success']), 'jobs of every final status');
    const filters: unknown[] = [null, ['|', ...ids.map((id) => ['==', 'id', id])], ['>=', 'end_ts', 0], ['!', ['==', 'status', 'running']]];
    for (const filter of filters) {
      const res = (await m.call('Query', ['job', FIELDS, filter])) as QueryResult;
      assert.deepEqual(
        res.data.map((row) => row[0]![1]),
        ids,
        `${when}, filter ${JSON.stringify(filter)}: every job`,
      );
      for (const row of res.data) assert.deepEqual(row, expected.get(row[0]![1] as number), `${when}, filter ${JSON.stringify(filter)}`);
    }
    // The default fields of gnt-job list and the monitor's, alone (answered from the records).
    const light = ['id', 'status', 'priority', 'summary', 'received_ts', 'start_ts', 'end_ts'];
    const res = (await m.call('Query', ['job', light, null])) as QueryResult;
    for (const row of res.data) {
      const all = expected.get(row[0]![1] as number)!;
      assert.deepEqual(
        row,
        light.map((f) => all[FIELDS.indexOf(f)]),
        `${when}: list fields`,
      );
    }
    const old = (await m.call('QueryJobs', [ids, FIELDS])) as unknown[][];
    assert.deepEqual(
      old,
      ids.map((id) => expected.get(id)!.map((v) => plainValue(v as [number, unknown]))),
      `${when}: QueryJobs`,
    );
    for (const id of ids) {
      const [info, log] = (await m.call('WaitForJobChange', [id, FIELDS, null, null, 0])) as [unknown[], unknown[]];
      assert.deepEqual(
        info,
        expected.get(id)!.map((v) => plainValue(v as [number, unknown])),
        `${when}: WaitForJobChange of job ${id}`,
      );
      const oplog = (expected.get(id)![FIELDS.indexOf('oplog')] as [number, unknown[][]])[1];
      assert.deepEqual(log, oplog.flat(), `${when}: the log of job ${id}`);
    }
  }

  it('answers every field as the job file holds it', async () => {
    await checkEveryWay('settled');
  });

  it('answers the same after a restart, which loads finished jobs as records', async () => {
    await m.close();
    m = await openMaster(node, {maxRunningJobs: 1});
    for (const id of ids) assert.ok(!(m.master.queue.jobs.get(id) instanceof QueuedJob), `job ${id} loaded as a record`);
    await checkEveryWay('after a restart');
  });

  it('reads an archived job from the archive, and cancel and priority changes see finished jobs as before', async () => {
    const [first] = ids;
    assert.equal(await m.call('ArchiveJob', [first]), true);
    const res = (await m.call('Query', ['job', ['id', 'archived', 'opstatus'], ['==', 'id', first]])) as QueryResult;
    assert.deepEqual(res.data, [
      [
        [0, first],
        [0, true],
        [0, ['error']],
      ],
    ]);
    const last = ids.at(-1)!;
    assert.deepEqual(await m.call('CancelJob', [last]), [false, `Job ${last} not found in queue`]);
    assert.deepEqual(await m.call('ChangeJobPriority', [last, 10]), [false, `Job ${last} is finished`]);
  });
});
