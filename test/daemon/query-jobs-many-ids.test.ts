// QueryJobs with very many ids must not read them all in one turn of the event loop: other
// clients are answered between the slices (issue 13: one request may not stall the others).
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {queryJobsOldStyle} from '../../src/daemon/queries.js';
import {StreamedList} from '../../src/json/sliced-stringify.js';
import {delayOp, makeNode, waitFor, type TestNode} from '../helpers/cluster.js';
import {openMaster, type InProcessMaster} from '../helpers/in-process.js';

describe('QueryJobs of many ids', () => {
  let node: TestNode;
  let m: InProcessMaster;
  let id = 0;
  before(async () => {
    node = await makeNode();
    m = await openMaster(node);
    id = (await m.call('SubmitJob', [[delayOp(0)]])) as number;
    await waitFor(async () => ((await m.call('QueryJobs', [[id], ['status']])) as unknown[][])[0]![0] === 'success', 10_000, 'the job');
  });
  after(async () => {
    await m.close();
    node.cleanup();
  });

  it('reads the ids a slice at a time and answers every one', async () => {
    const n = 200_000;
    let reads = 0;
    const ids = new Proxy(
      Array.from({length: n}, (_, i) => i + 1),
      {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      },
    );
    const answer = queryJobsOldStyle(m.master.services.queries, ids, ['id', 'status']);
    await new Promise((r) => setImmediate(r));
    assert.ok(reads < n, `all ${n} ids were read before the event loop had a turn`);
    const res = await answer;
    assert.ok(res instanceof StreamedList);
    const rows: unknown[][] = [];
    for await (const batch of res.batches) rows.push(...(batch as unknown[][]));
    assert.equal(rows.length, n);
    assert.deepEqual(rows[id - 1], [id, 'success']);
    assert.deepEqual(rows[n - 1], [n, null]);
  });
});
