// The one pacer of long work: concurrent slicers take turns of the event loop.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {TimeSlicer} from '../../src/time-slice.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('TimeSlicer', () => {
  it('gives one slice per turn of the event loop to concurrent slicers, not one each', async () => {
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const slicesPerTurn = new Map<number, number>();
    const task = async (): Promise<void> => {
      const slicer = new TimeSlicer(1, 1);
      for (let i = 0; i < 5; i++) {
        busy(2);
        await slicer.step();
        slicesPerTurn.set(turn, (slicesPerTurn.get(turn) ?? 0) + 1);
      }
    };
    await Promise.all([task(), task(), task(), task()]);
    ticking = false;
    assert.equal(
      [...slicesPerTurn.values()].reduce((a, b) => a + b),
      20,
    );
    assert.equal(Math.max(...slicesPerTurn.values()), 1, `slices resumed in one turn: ${JSON.stringify([...slicesPerTurn])}`);
  });
});
