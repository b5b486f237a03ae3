// Foreign things under archive/: a named pipe must not block a read (nor a thread of the I/O
// pool), and no symbolic link, to a file or to a bucket directory, may be followed.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, openSync, closeSync, constants as fsc, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {describe, it} from 'node:test';
import {QueuedJob, QueuedOpcode} from '../../src/queue/job.js';
import {QueueStore} from '../../src/queue/store.js';

function jobText(id: number): string {
  const job = new QueuedJob(id, [new QueuedOpcode({OP_ID: 'OP_TEST_DELAY', duration: 0})]);
  job.ops[0]!.status = 'success';
  return job.toFileText();
}

describe('foreign files under archive/', () => {
  it('skips named pipes and symbolic links when reading and listing archived jobs', async () => {
    const base = mkdtempSync(join(tmpdir(), 'ganeti-ts-archive-'));
    const outside = join(base, 'outside');
    const store = new QueueStore(join(base, 'queue'));
    const fifo = join(store.archiveDir, '0', 'job-5');
    try {
      await store.open();
      mkdirSync(join(store.archiveDir, '0'));
      mkdirSync(join(outside, '1'), {recursive: true});
      writeFileSync(join(store.archiveDir, '0', 'job-4'), jobText(4));
      execFileSync('mkfifo', [fifo]);
      writeFileSync(join(outside, 'job-6'), jobText(6));
      symlinkSync(join(outside, 'job-6'), join(store.archiveDir, '0', 'job-6'));
      writeFileSync(join(outside, '1', 'job-10000'), jobText(10000));
      symlinkSync(join(outside, '1'), join(store.archiveDir, '1'));

      const read = Promise.all([4, 5, 6, 10000].map((id) => store.readJob(id, true)));
      const result = await Promise.race([read, sleep(5000, 'blocked' as const, {ref: false})]);
      if (result === 'blocked') {
        // Unblock the reader so that the process can end, then fail.
        closeSync(openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK));
        assert.fail('reading an archived job blocked on a named pipe');
      }
      assert.deepEqual(
        result.map((j) => j?.id ?? null),
        [4, null, null, null],
      );
      assert.deepEqual(await store.listArchivedIds(), [4]);
    } finally {
      rmSync(base, {recursive: true, force: true});
    }
  });
});
