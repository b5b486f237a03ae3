// A thread of the durable writer (durable-writer.ts): writes one batch of files, so that a batch
// costs the main thread one message instead of five promise round trips per file. Every file is
// written in full to its temp name first, then all are fsynced together, renamed, and the
// directory fsynced once; the answer for a file is sent only after all of that.
import {closeSync, constants as fsc, fsync, fsyncSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs';
import {promisify} from 'node:util';
import {parentPort, threadId, workerData} from 'node:worker_threads';

const fsyncAsync = promisify(fsync);

/** What the writer threads share (durable-writer.ts passes it as workerData). */
export interface WriterShared {
  /** 0, or the threadId of the writer thread that is creating or renaming files. */
  dirLock: SharedArrayBuffer;
}

const shared = workerData as WriterShared | null;
const lock = shared?.dirLock instanceof SharedArrayBuffer ? new Int32Array(shared.dirLock) : null;

/**
 * Creating or renaming a file takes its directory's lock in the kernel, and a thread that finds it
 * taken spins on the CPU as long as the holder runs; the writer threads take turns instead, asleep
 * while they wait (docs/on-disk-layout.md, "Durability").
 */
function lockDir(): void {
  if (lock === null) return;
  for (;;) {
    const holder = Atomics.compareExchange(lock, 0, 0, threadId);
    if (holder === 0) return;
    // The timeout only guards against a holder that died without the main thread seeing it.
    Atomics.wait(lock, 0, holder, 1000);
  }
}

function unlockDir(): void {
  if (lock === null) return;
  Atomics.store(lock, 0, 0);
  Atomics.notify(lock, 0, 1);
}

/** Runs `steps` in this thread's turn when `take`, else at once. */
function inTurn(take: boolean, steps: () => void): void {
  if (take) lockDir();
  try {
    steps();
  } finally {
    if (take) unlockDir();
  }
}

function fsyncHere(fd: number): Error | null {
  try {
    fsyncSync(fd);
    return null;
  } catch (err) {
    return err as Error;
  }
}

export interface BatchFile {
  tmp: string;
  target: string;
  /** Text travels to the thread as a string: a Buffer would carry its whole 8 KiB pool along. */
  data: string | Uint8Array;
}

export interface Batch {
  seq: number;
  dir: string;
  mode: number;
  files: BatchFile[];
}

/** Per file: null when it is durable, or the error; fsync marks an fsync failure. */
export type FileOutcome = null | {message: string; code?: string | undefined; fsync: boolean};

export interface BatchAnswer {
  seq: number;
  outcomes: FileOutcome[];
}

function failure(err: unknown, fsync: boolean): FileOutcome {
  const e = err as NodeJS.ErrnoException;
  return {message: e.message ?? String(err), code: e.code, fsync};
}

export async function writeBatch(batch: Batch): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = batch.files.map(() => null);
  const fds: Array<number | null> = batch.files.map(() => null);
  const drop = (i: number, outcome: FileOutcome): void => {
    outcomes[i] = outcome;
    const fd = fds[i];
    if (fd !== null && fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // The file is being dropped anyway.
      }
      fds[i] = null;
    }
    try {
      unlinkSync(batch.files[i]!.tmp);
    } catch {
      // Never created, or gone already.
    }
  };
  // A lone file (a SubmitJob) does not wait for another thread's whole batch.
  const turns = batch.files.length > 1;
  inTurn(turns, () =>
    batch.files.forEach((f, i) => {
      try {
        const fd = openSync(f.tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, batch.mode);
        fds[i] = fd;
        const data = typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
        let off = 0;
        while (off < data.length) {
          const n = writeSync(fd, data, off, data.length - off);
          if (n <= 0) throw new Error(`short write to ${f.tmp}`);
          off += n;
        }
      } catch (err) {
        drop(i, failure(err, false));
      }
    }),
  );
  // The fsyncs run at once on libuv's threads: the disk commits concurrent fsyncs as a group.
  // A lone file is fsynced here: a trip through the pool would only add latency.
  const synced = await Promise.all(
    fds.map((fd) =>
      fd === null
        ? null
        : fds.length === 1
          ? fsyncHere(fd)
          : fsyncAsync(fd).then(
              () => null,
              (err: Error) => err,
            ),
    ),
  );
  inTurn(turns, () =>
    batch.files.forEach((f, i) => {
      const fd = fds[i];
      if (fd === null || fd === undefined) return;
      const err = synced[i];
      if (err !== null && err !== undefined) {
        drop(i, failure(new Error(`fsync of ${f.tmp} failed: ${err.message}`), true));
        return;
      }
      try {
        closeSync(fd);
        fds[i] = null;
        renameSync(f.tmp, f.target);
      } catch (err) {
        drop(i, failure(err, false));
      }
    }),
  );
  if (outcomes.some((o) => o === null)) {
    try {
      const fd = openSync(batch.dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      const outcome = failure(new Error(`fsync of directory ${batch.dir} failed: ${(err as Error).message}`), true);
      outcomes.forEach((o, i) => {
        if (o === null) outcomes[i] = outcome;
      });
    }
  }
  return outcomes;
}

parentPort?.on('message', (batch: Batch) => {
  void writeBatch(batch).then((outcomes) => {
    const answer: BatchAnswer = {seq: batch.seq, outcomes};
    parentPort!.postMessage(answer);
  });
});
