// Golden output of `gnt-job list`, `list-fields` and `info` against the real daemon, on a queue
// of fixed jobs (fixture.ts). The expected texts were produced by the stock Ganeti 3.0 gnt-job
// against the same queue (test/interop/gnt-job.test.ts compares the two live).
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {makeNode, startDaemon, type Daemon, type TestNode} from '../helpers/cluster.js';
import {gntJob, mapLimit, text, writeFixtureQueue} from './fixture.js';
import {GOLDEN} from './golden.js';

describe('gnt-job list, list-fields, info: golden output', () => {
  let node: TestNode;
  let daemon: Daemon;
  const results = new Map<string, {code: number | null; stdout: string; stderr: string}>();

  before(async () => {
    node = await makeNode();
    writeFixtureQueue(node);
    // The fixture jobs ended long ago: automatic archiving would take them away.
    daemon = await startDaemon(node, ['--auto-archive-age', '0']);
    const outputs = await mapLimit(GOLDEN, 4, (g) => gntJob(node, g.args));
    for (const [i, g] of GOLDEN.entries()) results.set(g.name, outputs[i]!);
  });
  after(async () => {
    await daemon.stop();
    node.cleanup();
  });

  for (const g of GOLDEN) {
    it(`${g.name}: gnt-job ${g.args.join(' ')}`, () => {
      const r = results.get(g.name)!;
      assert.equal(r.stdout, text(g.stdout));
      assert.equal(r.stderr, text(g.ours?.stderr ?? g.stderr));
      assert.equal(r.code, g.ours?.code ?? g.code);
    });
  }

  it('--json prints one object per job keyed by field name (null where no value)', async () => {
    const r = await gntJob(node, ['list', '--json', '-o', 'id,status,summary,received_ts,archived', '--archived', '5', '7']);
    assert.equal(r.code, 1, 'job 7 does not exist');
    assert.equal(r.stderr, 'Job ID 7 not found\n');
    assert.ok(r.stdout.endsWith('\n'));
    assert.deepEqual(JSON.parse(r.stdout), [
      {id: 5, status: 'success', summary: ['TEST_DELAY(0.25)'], received_ts: [1700000029, 0], archived: true},
      {id: 7, status: null, summary: null, received_ts: null, archived: null},
    ]);
    const all = await gntJob(node, ['list', '--json', '-o', '+foo', '--pending']);
    assert.equal(all.stdout, '[]\n');
    assert.equal(all.stderr, 'Warning: Queried for unknown fields foo\n');
    assert.equal(all.code, 14);
    const known = await gntJob(node, ['list', '--json', '-o', 'summary', '1']);
    assert.deepEqual([known.code, known.stderr], [0, '']);
    assert.deepEqual(JSON.parse(known.stdout), [{summary: ['TEST_DELAY(1.5)']}]);
  });

  it('a job named by ID that does not exist is listed as stock does, then reported on stderr with exit 1', async () => {
    const r = await gntJob(node, ['list', '-o', 'summary', '7', '1', '99']);
    assert.equal(r.stdout, 'Summary\n-\nTEST_DELAY(1.5)\n-\n');
    assert.deepEqual([r.code, r.stderr], [1, 'Job ID 7 not found\nJob ID 99 not found\n']);
    const filtered = await gntJob(node, ['list', 'id > 1000']);
    assert.deepEqual(
      [filtered.code, filtered.stdout, filtered.stderr],
      [0, 'ID Status Summary\n', ''],
      'a filter that matches nothing is not an error',
    );
  });

  it('keeps nanosecond reason timestamps exact in --json', async () => {
    const r = await gntJob(node, ['list', '--json', '-o', 'ops', '1']);
    assert.match(r.stdout, /"reason":\[\["gnt:opcode:test_delay","job=1;index=0",1700000000000000000\]\]/);
  });

  it('takes options before the first argument only (as optparse does) and the last of several status options', async () => {
    const [late, last] = await Promise.all([
      gntJob(node, ['list', '1', '--no-headers']),
      gntJob(node, ['list', '--error', '--finished', '--no-headers', '-o', 'id']),
    ]);
    assert.equal(late.code, 1);
    assert.equal(late.stdout, '');
    assert.equal(
      late.stderr,
      "Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nInvalid job ID passed: invalid literal for int() with base 10: '--no-headers'\n",
    );
    assert.equal(last.stdout, '  1\n  2\n  3\n 12\n123\n');
  });

  it('reports invalid job IDs and filters that do not parse, with the position', async () => {
    const [badId, badFilter, twoFilters, badRegex] = await Promise.all([
      gntJob(node, ['list', '1', 'x']),
      gntJob(node, ['list', 'id == 1 and']),
      gntJob(node, ['list', '-F', 'id == 1', 'id == 2']),
      gntJob(node, ['list', 'status =~ /(/']),
    ]);
    assert.equal(badId.code, 1);
    assert.equal(badId.stdout, '');
    assert.equal(
      badId.stderr,
      "Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nInvalid job ID passed: invalid literal for int() with base 10: 'x'\n",
    );
    assert.equal(badFilter.code, 1);
    assert.equal(badFilter.stdout, '');
    const lines = badFilter.stderr.split('\n');
    assert.match(
      lines[0]!,
      /^Error while parsing query filter: Failed to parse query filter 'id == 1 and': .*\(at char 11\), \(line:1, col:12\)$/,
    );
    assert.equal(lines[1], 'id == 1 and');
    assert.equal(lines[2], `${' '.repeat(11)}^`);
    assert.match(lines[3]!, /\(at char 11\), \(line:1, col:12\)$/);
    assert.equal(lines.length, 5);
    assert.equal(twoFilters.code, 1);
    assert.match(twoFilters.stderr, /Exactly one argument must be given as a filter\n$/);
    assert.equal(badRegex.code, 1);
    assert.match(badRegex.stderr, /^Error while parsing query filter: .*Invalid regular expression/);
  });

  it('info needs a job ID and refuses non-numeric ones', async () => {
    const [none, bad] = await Promise.all([gntJob(node, ['info']), gntJob(node, ['info', '1', 'abc'])]);
    assert.deepEqual([none.code, none.stdout, none.stderr], [1, '', 'Error: Command info expects at least 1 argument(s)\n']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid job ID passed: invalid literal for int\(\) with base 10: 'abc'\n$/);
  });
});
