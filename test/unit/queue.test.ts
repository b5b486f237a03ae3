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

  it('writes batches of several threads at once into one directory, each file whole and under its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-writer-'));
    try {
      const w = new DurableWriter();
      // Waves of 400 files (split over the threads, which take turns at creating and renaming),
      // lone writes in between, and a rewrite of every file: nothing waits for ever, nothing is lost.
      for (const round of ['a', 'b']) {
        const writes: Array<Promise<void>> = [];
        for (let wave = 0; wave < 3; wave++) {
          for (let i = 0; i < 400; i++) writes.push(w.write(dir, `job-${wave * 400 + i}`, `${round}${wave * 400 + i}\n`));
          await new Promise((r) => setImmediate(r));
          writes.push(w.write(dir, `lone-${wave}`, `${round}\n`));
        }
        await Promise.all(writes);
      }
      const names = readdirSync(dir);
      assert.equal(names.length, 1203, 'no temp file is left behind');
      for (let i = 0; i < 1200; i++) assert.equal(readFileSync(join(dir, `job-${i}`), 'utf8'), `b${i}\n`);
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

describe('job files of large opcodes (issue 13: no long synchronous work)', () => {
  /** A long string with every kind of character JSON escapes, and surrogate pairs everywhere. */
  function awkward(chars: number): string {
    const unit = 'ab"c\\d\n\u0001\u001f é 😀 \ud800x \udc00y\u2028';
    let s = 'x'.repeat(7);
    while (s.length < chars) s += unit;
    return s;
  }

  function largeJob(): QueuedJob {
    const big = new QueuedOpcode({
      OP_ID: 'OP_TEST_DELAY',
      duration: 0,
      comment: awkward(3 * 1024 * 1024),
      tags: Array.from({length: 600}, (_, i) => `t${i}`),
      reason: [['gnt:client:gnt-debug', 'test', 1700000000012345678n]],
      nested: {deep: [{deeper: {s: awkward(1024 * 1024 + 3)}}]},
    });
    const j = new QueuedJob(7, [new QueuedOpcode({OP_ID: 'OP_TEST_DELAY', duration: 1}), big]);
    j.receivedTimestamp = [1700000000, 1];
    return j;
  }

  it('writes the same bytes as toFileText, in slices between turns of the event loop', async () => {
    const j = largeJob();
    const expected = Buffer.from(j.toFileText(), 'utf8');
    const fresh = largeJob();
    assert.ok(fresh.largeInput);
    let turns = 0;
    const pause = async (): Promise<void> => {
      await new Promise((r) => setImmediate(r));
      turns++;
    };
    const bytes = await fresh.toFileBytes(pause);
    assert.ok(bytes.equals(expected), 'identical bytes');
    console.log(`# ${turns} turns of the event loop while ${bytes.length} bytes were made`);
    assert.ok(turns >= 4, `${turns} turns`);
    // Later states: the kept input bytes and the text agree too.
    fresh.ops[1]!.status = 'running';
    j.ops[1]!.status = 'running';
    assert.ok((await fresh.toFileBytes(pause)).equals(Buffer.from(j.toFileText(), 'utf8')));
    fresh.ops[1]!.status = 'success';
    j.ops[1]!.status = 'success';
    assert.equal(fresh.toFileText(), j.toFileText());
    assert.ok((await fresh.toFileBytes(pause)).equals(Buffer.from(j.toFileText(), 'utf8')));
  });

  it('QueueStore writes a large job file without holding the event loop until it is handed to the writer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-large-'));
    try {
      const order: string[] = [];
      const store = new QueueStore(dir, (path) => {
        if (path.endsWith('job-7')) order.push('handed to the writer');
      });
      const j = largeJob();
      const expected = j.toFileText();
      setImmediate(() => order.push('next turn'));
      await store.writeJob(largeJob());
      assert.deepEqual(order, ['next turn', 'handed to the writer']);
      assert.equal(readFileSync(join(dir, 'job-7'), 'utf8'), expected);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
