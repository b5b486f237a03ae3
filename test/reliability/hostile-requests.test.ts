// Issue 13, the huge forms: single requests of up to 64 MiB and 1,000 hostile connections
// against a real masterd. Asserts what must hold (the daemon stays under 1 GB RSS, answers
// every request, keeps serving others); the latencies are printed (bench/hostile.ts).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {runHostileBench} from '../../bench/hostile.js';
import {LONG, report} from './helpers.js';

describe('hostile requests: bounded memory, other clients served', () => {
  // Full size only (RELIABILITY_LONG=1, npm run test:reliability); npm test has the short
  // forms in test/daemon/luxi-server.test.ts and test/unit/bounded-parse.test.ts.
  it('any single request of up to 64 MiB, then 1,000 hostile connections', {
    skip: !LONG && 'full size: set RELIABILITY_LONG=1',
  }, async () => {
    const {cases, conns} = await runHostileBench(false, report);
    for (const c of cases) {
      assert.ok(c.peakRssMb < 1024, `${c.name}: peak RSS ${c.peakRssMb} MB`);
      assert.ok(!c.answer.startsWith('closed: ') || c.answer.includes('Failed to parse request'), `${c.name}: ${c.answer}`);
    }
    assert.ok(conns !== null);
    assert.ok(conns.peakRssMb < 1024, `hostile connections: peak RSS ${conns.peakRssMb} MB`);
    assert.ok(conns.newAnswered > 0 && conns.probes > 0, 'new and existing connections answered while the hostile connections were open');
    assert.ok(conns.afterRssMb <= conns.baselineRssMb + 64, `RSS ${conns.afterRssMb} MB after they went, ${conns.baselineRssMb} MB before`);
  });
});
