import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {DurableWriter} from '../../src/durable/durable-writer.js';
import {archiveBucket, parseJobFile, QueuedJob, QueuedOpcode, type OpStatus} from '../../src/queue/job.js';
import {QueueStore} from '../../src/queue/store.js';

function job(...statuses: OpStatus[]): QueuedJob {
  const j = new QueuedJob(
    1,
    statuses.map(() => new QueuedOpcode({OP_ID: 'OP_TEST_DELAY', duration: 1})),
  );
  for (const [i, s] of statuses.entries()) j.ops[i]!.status = s;
  return j;
}

describe('job status derivation (docs/job-file.md)', () => {
  const table: Array<[OpStatus[], string]> = [
    [['queued', 'queued'], 'queued'],
    [['success', 'success', 'queued'], 'queued'],
    [['waiting', 'queued'], 'waiting'],
    [['success', 'success', 'waiting', 'queued'], 'waiting'],
    [['success', 'running', 'queued'], 'running'],
    [['success', 'success', 'canceling', 'canceling'], 'canceling'],
    [['canceled', 'canceled'], 'canceled'],
    [['success', 'success', 'success', 'success', 'error', 'error'], 'error'],
    [['success', 'success'], 'success'],
  ];
  for (const [ops, status] of table) {
    it(`${ops.join(',')} -> ${status}`, () => assert.equal(job(...ops).status, status));
  }

  it('job priority is the minimum over unfinished opcodes', () => {
    const j = job('success', 'queued', 'queued');
    j.ops[0]!.priority = -20;
    j.ops[1]!.priority = 10;
    j.ops[2]!.priority = 0;
    assert.equal(j.priority, 0);
    assert.equal(job('success', 'error').priority, 0);
  });

  it('archive buckets hold 10000 jobs each', () => {
    assert.equal(archiveBucket(9999), '0');
    assert.equal(archiveBucket(10000), '1');
    assert.equal(archiveBucket(123456), '12');
  });

  it('round-trips a job file and keeps foreign keys except livelock/process_id', () => {
    const text =
      '{"id": 5, "ops": [{"input": {"OP_ID": "OP_TEST_DELAY", "duration": 1.5, "reason": [["a", "b", 1700000000012345678]]}, ' +
      '"status": "success", "result": null, "log": [[1, [1700000000, 5], "message", "hi"]], "start_timestamp": [1700000000, 130001], ' +
      '"exec_timestamp": [1700000000, 131000], "end_timestamp": [1700000001, 632002]}], "received_timestamp": [1700000000, 123456], ' +
      '"start_timestamp": [1700000000, 130001], "end_timestamp": [1700000001, 632002], "livelock": null, "process_id": 12, "custom": {"k": 1}}\n';
    const j = parseJobFile(text, 5);
    assert.equal(j.status, 'success');
    assert.equal(j.ops[0]!.priority, 0, 'a missing priority reads as 0');
    assert.equal(j.logSerial, 1);
    const out = j.toFileText();
    assert.ok(out.includes('1700000000012345678'));
    assert.ok(out.includes('"custom":{"k":1}'));
    assert.ok(!out.includes('livelock') && !out.includes('process_id'));
    assert.deepEqual(parseJobFile(out, 5).toFileText(), out);
    assert.throws(() => parseJobFile(text, 6), /expected 6/);
    assert.throws(() => parseJobFile('{"id": 5, "ops": []}', 5), /no opcodes/);
    assert.throws(() => parseJobFile('{"id": 5, "ops": [{"status": "bogus"}]}', 5), /invalid status/);
  });
});

describe('durable writer', () => {
  it('never leaves a partial file under the final name when a write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-writer-'));
    try {
      const w = new DurableWriter();
      await w.write(dir, 'job-1', 'first\n');
      w.fault = () => {
        throw Object.assign(new Error('No space left on device'), {code: 'ENOSPC'});
      };
      await assert.rejects(w.write(dir, 'job-1', 'second, longer content\n'), /No space left/);
      assert.equal(readFileSync(join(dir, 'job-1'), 'utf8'), 'first\n', 'the old content stays');
      assert.deepEqual(readdirSync(dir), ['job-1'], 'the temp file is removed');
      w.fault = undefined;
      await Promise.all(Array.from({length: 50}, (_, i) => w.write(dir, `job-${i + 2}`, `${i}\n`)));
      assert.equal(readdirSync(dir).length, 51);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('allocates ids monotonically and persists the serial', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-store-'));
    try {
      const s = new QueueStore(join(dir, 'queue'));
      await s.open();
      assert.deepEqual(s.reserveIds(3), [1, 2, 3]);
      await s.persistSerial();
      assert.equal(readFileSync(join(dir, 'queue', 'serial'), 'utf8'), '3\n');
      const again = new QueueStore(join(dir, 'queue'));
      await again.open();
      assert.deepEqual(again.reserveIds(1), [4]);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
