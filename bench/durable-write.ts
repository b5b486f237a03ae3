// One durable write of a small file, as the queue's writer thread makes it for a lone job file
// (src/durable/write-worker.ts; docs/on-disk-layout.md, "Durability"): a new temp file (O_EXCL)
// written from a string, fsynced, closed, renamed to a new name, and the directory fsynced.
// Synchronous calls: the least overhead per file the runtime allows. bench/fsync-rate.ts's serial
// figure and bench/seq-floor.ts's references all write through this, so that they compare the same steps.
import {closeSync, constants as fsc, fsyncSync, openSync, renameSync, writeSync} from 'node:fs';
import {join} from 'node:path';

/** A finished OP_TEST_DELAY job's file, about the size of the queue's small job files. */
export const PAYLOAD_TEXT = `{"id":1,"ops":[{"input":{"OP_ID":"OP_TEST_DELAY","duration":0},"status":"success","result":null,"log":[],"priority":0}],"received_timestamp":[1700000000,0],"end_timestamp":[1700000000,1]}\n`;

export function dirFsyncSync(dir: string): void {
  const fd = openSync(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes `dir`/`name` (a new name) hold `text`, durably; returns once the rename is on disk. */
export function durableWriteSync(dir: string, name: string, text: string = PAYLOAD_TEXT): void {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o640);
  const data = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, join(dir, name));
  dirFsyncSync(dir);
}
