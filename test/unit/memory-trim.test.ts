import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {collectGarbage, MemoryTrim} from '../../src/process/memory-trim.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(20);
  assert.ok(cond(), what);
}

describe('memory trim', () => {
  it('collects garbage on request, old objects included', async () => {
    let target: object | null = {payload: new Array(1000).fill('x')};
    const ref = new WeakRef(target);
    assert.equal(collectGarbage(), true, 'a full collection is available');
    // Survived a full collection: the object is old now, and only another full one frees it.
    assert.ok(ref.deref() !== undefined);
    target = null;
    await sleep(0);
    collectGarbage();
    assert.equal(ref.deref(), undefined, 'the old object was collected');
  });

  it('puts a collection off while it is told the daemon is busy', async () => {
    let collections = 0;
    let busy = true;
    const trim = new MemoryTrim({quietMs: 20, minWork: 10, collect: () => collections++, shrinkMs: 1000, busy: () => busy});
    trim.worked(10);
    await sleep(150);
    assert.equal(collections, 0, 'no collection while busy');
    busy = false;
    await waitFor(() => collections === 1, 'the collection once no longer busy');
    trim.stop();
  });

  it('puts a collection off while the event loop keeps working, though nothing is reported', async () => {
    let collections = 0;
    const trim = new MemoryTrim({quietMs: 20, minWork: 10, collect: () => collections++, shrinkMs: 1000});
    trim.worked(10);
    // Work that reports nothing (a large answer being written): the loop busy for 200 ms.
    const until = performance.now() + 200;
    while (performance.now() < until) {
      const slice = performance.now() + 5;
      while (performance.now() < slice) {
        // The loop's own work.
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(collections, 0, 'no collection while the loop was busy');
    await waitFor(() => collections === 1, 'the collection once the loop is quiet');
    trim.stop();
  });

  it('collects once enough work was reported and stopped, then once more unless work came meanwhile', async () => {
    let collections = 0;
    const trim = new MemoryTrim({quietMs: 20, minWork: 10, collect: () => collections++, shrinkMs: 100});
    trim.worked(9);
    await sleep(150);
    assert.equal(collections, 0, 'not before 10 units of work');
    trim.worked(1);
    await waitFor(() => collections === 2, 'the collection after the work and the one after the quiet period');
    let reported = false;
    const busy: MemoryTrim = new MemoryTrim({
      quietMs: 20,
      minWork: 10,
      collect: () => {
        collections++;
        // Work reported between the two: the second collection is left out.
        if (!reported) busy.worked(1);
        reported = true;
      },
      shrinkMs: 50,
    });
    busy.worked(10);
    await waitFor(() => collections === 3, 'the collection after the work');
    await sleep(150);
    assert.equal(collections, 3, 'no second collection once work came again');
    trim.stop();
    busy.stop();
  });

  it('collects once enough memory was reported released, counting it apart from the work', async () => {
    let collections = 0;
    const trim = new MemoryTrim({quietMs: 20, minWork: 10, collect: () => collections++, shrinkMs: 10_000, minBytes: 1000});
    trim.worked(9);
    trim.released(999);
    await sleep(150);
    assert.equal(collections, 0, 'neither 10 units of work nor 1000 bytes yet');
    trim.released(1);
    await waitFor(() => collections === 1, 'the collection after the released memory');
    trim.released(999);
    await sleep(150);
    assert.equal(collections, 1, 'the count starts again after a collection');
    trim.stop();
  });
});
