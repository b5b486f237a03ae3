import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {BGL, LockAbortedError, LockManager} from '../../src/daemon/locks.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('lock manager', () => {
  it('shares shared locks and serialises exclusive ones', async () => {
    const m = new LockManager();
    await m.acquire('a', [{level: 'cluster', names: [BGL], shared: true}], 0);
    await m.acquire('b', [{level: 'cluster', names: [BGL], shared: true}], 0);
    await m.acquire('a', [{level: 'node', names: ['n1'], shared: false}], 0);
    let bGot = false;
    const b = m.acquire('b', [{level: 'node', names: ['n1'], shared: false}], 0).then(() => (bGot = true));
    await tick();
    assert.equal(bGot, false);
    m.release('a');
    await b;
    assert.equal(bGot, true);
  });

  it('grants waiters by priority, then FIFO', async () => {
    const m = new LockManager();
    await m.acquire('holder', [{level: 'node', names: ['n'], shared: false}], 0);
    const order: string[] = [];
    const req = (owner: string, prio: number): Promise<void> =>
      m.acquire(owner, [{level: 'node', names: ['n'], shared: false}], prio).then(() => {
        order.push(owner);
        m.release(owner);
      });
    const all = [req('low', 10), req('n1', 0), req('high', -10), req('n2', 0)];
    await tick();
    m.release('holder');
    await Promise.all(all);
    assert.deepEqual(order, ['high', 'n1', 'n2', 'low']);
  });

  it('aborting a wait releases what was already taken', async () => {
    const m = new LockManager();
    await m.acquire('x', [{level: 'node', names: ['b'], shared: false}], 0);
    const ac = new AbortController();
    const p = m.acquire('y', [{level: 'node', names: ['a', 'b'], shared: false}], 0, ac.signal);
    await tick();
    ac.abort();
    await assert.rejects(p, LockAbortedError);
    const rows = m.rows();
    assert.deepEqual(
      rows.find((r) => r.name === 'node/a'),
      undefined,
      'node/a was released and forgotten',
    );
    assert.deepEqual(rows.find((r) => r.name === 'node/b')?.owner, ['x']);
    assert.deepEqual(
      rows.find((r) => r.name === 'cluster/BGL'),
      {name: 'cluster/BGL', mode: null, owner: null, pending: []},
    );
  });

  it('acquires in level order regardless of request order (no deadlock)', async () => {
    const m = new LockManager();
    const one = m.acquire(
      '1',
      [
        {level: 'node', names: ['n'], shared: false},
        {level: 'cluster', names: [BGL], shared: false},
      ],
      0,
    );
    const two = m.acquire(
      '2',
      [
        {level: 'cluster', names: [BGL], shared: false},
        {level: 'node', names: ['n'], shared: false},
      ],
      0,
    );
    await one;
    m.release('1');
    await two;
    m.release('2');
  });
});
