// Durations past Node's timer limit (2^31 - 1 ms, about 24.8 days) must not end at once.
import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import {describe, it} from 'node:test';
import {longSleep, setLongTimeout} from '../../src/long-timeout.js';
import {nodeProcedures} from '../../src/noded/procedures.js';
import {delayOp, makeNode} from '../helpers/cluster.js';
import {openMaster} from '../helpers/in-process.js';

const TRILLION_SECONDS = 1e12;

describe('durations beyond the timer limit', () => {
  it('a chained timer waits past 2^31 ms and can be cleared; short ones still fire', async () => {
    let fired = false;
    const t = setLongTimeout(() => (fired = true), 2 ** 31 + 1000);
    await sleep(100);
    assert.equal(fired, false);
    t.clear();
    await longSleep(5);
    const stop = new AbortController();
    const long = longSleep(Infinity, stop.signal);
    stop.abort(new Error('stopped'));
    await assert.rejects(long, /stopped/);
  });

  it('OP_TEST_DELAY of 1e12 s keeps running until it is killed', async () => {
    const node = await makeNode();
    const m = await openMaster(node);
    try {
      const id = (await m.call('SubmitJob', [[delayOp(TRILLION_SECONDS)]])) as number;
      await sleep(300);
      assert.deepEqual(await m.call('QueryJobs', [[id], ['status']]), [['running']]);
      assert.deepEqual(await m.call('CancelJob', [id, true]), [true, 'SIGKILL send to the process']);
      const [info] = (await m.call('WaitForJobChange', [id, ['status', 'opresult'], null, null, 10])) as unknown[][];
      assert.deepEqual(info, ['error', [['OpExecError', ['Job killed by request']]]]);
    } finally {
      await m.close();
      node.cleanup();
    }
  });

  it("noded's test_delay of 1e12 s keeps sleeping until its caller goes away", async () => {
    const node = await makeNode();
    try {
      const gone = new AbortController();
      let ended = false;
      const call = Promise.resolve(nodeProcedures(node.paths).get('test_delay')!([TRILLION_SECONDS], gone.signal)).finally(
        () => (ended = true),
      );
      await sleep(200);
      assert.equal(ended, false, 'still sleeping');
      gone.abort(new Error('caller closed'));
      await assert.rejects(call, /caller closed/);
    } finally {
      node.cleanup();
    }
  });
});
