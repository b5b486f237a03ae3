import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {compileFilter} from '../../src/query/filter.js';
import {JOB_FIELDS, type JobItem} from '../../src/query/job-fields.js';
import {FinishedJob, QueuedJob, QueuedOpcode, type JobRecord} from '../../src/queue/job.js';
import {JobTable} from '../../src/queue/job-table.js';

/** An unfinished job, or (with an end) a finished one as the queue keeps it once written. */
function job(id: number, end: number | null): JobRecord {
  const op = new QueuedOpcode({OP_ID: 'OP_TEST_DELAY', duration: 0});
  const j = new QueuedJob(id, [op]);
  if (end === null) return j;
  op.status = 'success';
  op.endTimestamp = [end, 250_000];
  j.endTimestamp = [end, 250_000];
  return FinishedJob.of(j, ['TEST_DELAY(0.0)']);
}

const matches = (jobs: Iterable<JobRecord>, filter: unknown): number[] => {
  const test = compileFilter(filter, (name) => JOB_FIELDS.get(name));
  return [...jobs]
    .filter((j) => test({id: j.id, job: j} as JobItem))
    .map((j) => j.id)
    .sort((a, b) => a - b);
};

describe('job table', () => {
  it('answers a monitor poll from its indexes: the new jobs, the unfinished ones and those ended since', () => {
    const t = new JobTable();
    for (let id = 1; id <= 10_000; id++) t.set(id, job(id, id <= 9_990 ? 1_000 + id : null));
    const poll = ['|', ['>', 'id', 9_995], ['>=', 'end_ts', 1_000 + 9_985]];
    const got = t.candidates(poll);
    assert.ok(got !== null);
    assert.ok(got.length <= 20, `${got.length} candidates for 16 matching jobs out of 10,000`);
    assert.deepEqual(matches(got, poll), matches(t.values(), poll), 'the same answer as a scan of every job');
    assert.deepEqual(matches(got, poll).length, 16);
  });

  it('follows jobs that end, are archived, or come after it was asked', () => {
    const t = new JobTable();
    for (let id = 1; id <= 100; id++) t.set(id, job(id, null));
    const since = (s: number): unknown => ['>=', 'end_ts', s];
    assert.equal(t.candidates(since(5_000))!.length, 100, 'all unfinished');
    for (let id = 1; id <= 100; id++) t.set(id, job(id, 5_000 + (id % 7)));
    t.delete(3);
    t.set(101, job(101, null));
    const f = since(5_005);
    assert.deepEqual(matches(t.candidates(f)!, f), matches(t.values(), f));
    assert.ok(!t.candidates(f)!.some((j) => j.id === 3), 'an archived job is never a candidate');
    const range = ['&', ['>=', 'id', 10], ['<', 'id', 20]];
    assert.deepEqual(
      t.candidates(range)!.map((j) => j.id),
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
  });

  it('leaves filters it does not understand to a full scan', () => {
    const t = new JobTable();
    t.set(1, job(1, null));
    assert.equal(t.candidates(null), null);
    assert.equal(t.candidates(['==', 'status', 'queued']), null);
    assert.equal(t.candidates(['|', ['>', 'id', 0], ['==', 'status', 'queued']]), null);
    assert.equal(t.candidates(['<', 'id', 5]), null);
  });
});
