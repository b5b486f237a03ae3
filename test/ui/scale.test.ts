// Timing is measured with React's production build, which `gnt-job top` uses: this import must
// come first, and this file has no JSX (its runtime import would be hoisted above it). The
// development build spends ~100 ms per frame diffing the 10,000-row props.
import './production.js';
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {createElement} from 'react';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../src/ui/app.js';
import {FakeSource, job, jobs, KEYS, settle} from './fake-source.js';

afterEach(cleanup);

const SIZE = {columns: 110, rows: 30};
const tableLines = (frame: string | undefined): string[] => (frame ?? '').split('\n').filter((l) => /^[> ][* ]\s*\d+ [a-z]/.test(l));

describe('App with 10,000 jobs', () => {
  it('draws only the visible rows and answers every key with a frame', async () => {
    const source = new FakeSource({jobs: jobs(10_000, 'success')});
    const app = render(createElement(App, {source, size: SIZE}));
    assert.equal(tableLines(app.lastFrame()).length, SIZE.rows - 1 - 3 - 1 - 1);
    assert.match(app.lastFrame()!, /rows 1–24 of 10,000/);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const before = app.frames.length;
      const t = performance.now();
      app.stdin.write('j');
      while (app.frames.length === before) await new Promise((r) => setImmediate(r));
      times.push(performance.now() - t);
    }
    app.stdin.write(KEYS.pageDown);
    await settle();
    app.stdin.write('G');
    await settle();
    assert.match(tableLines(app.lastFrame()).at(-1)!, /^> +1 success/);
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1]!;
    // Printed, not asserted: timing belongs to bench/, not to a test.
    console.log(`# key to frame with 10,000 jobs: median ${median.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`);
  });

  it('redraws at most ten times a second however often the data changes', async () => {
    const source = new FakeSource({jobs: jobs(10_000, 'success')});
    const app = render(createElement(App, {source, size: SIZE}));
    await settle(150);
    const before = app.frames.length;
    const t = performance.now();
    let n = 10_001;
    while (performance.now() - t < 1000) {
      source.set({jobs: [job(n++, 'queued'), ...source.snapshot.jobs]});
      await new Promise((r) => setTimeout(r, 2));
    }
    const frames = app.frames.length - before;
    await settle(150);
    console.log(`# ${n - 10_001} data changes in 1 s gave ${frames} frames`);
    // The first change is drawn at once, then at most one frame per 100 ms.
    assert.ok(frames <= 11, `${frames} frames`);
    assert.match(tableLines(app.lastFrame())[0]!, new RegExp(`^> ${n - 1} queued`));
  });
});
