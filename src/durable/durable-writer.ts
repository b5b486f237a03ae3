// Durable, atomic file replacement for the job queue: the files are written by a few threads in
// batches (write-worker.ts), each batch committed with one directory fsync.
// write-file-atomic is not used here: it ignores short writes (a truncated file is renamed
// into place on a full disk and reported as success), never fsyncs the directory, and
// leaves non-dot temp files behind after a crash.
import {promises as fsp, constants as fsc, statSync} from 'node:fs';
import {join} from 'node:path';
import {Worker} from 'node:worker_threads';
import type {Batch, BatchAnswer, BatchFile, FileOutcome, WriterShared} from './write-worker.js';

/** fsync failed: the data may be lost and retrying cannot tell (Linux drops the dirty pages). */
export class FsyncError extends Error {}

/** Test hook: called before each write with the target path; throwing simulates an I/O error. */
export type WriteFault = (path: string, bytes: number) => void;

/** Coalesces directory fsyncs: every caller waits for one fsync that began after its request. */
class DirSyncer {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly dir: string) {}

  sync(): Promise<void> {
    if (this.running === null) {
      this.running = this.run().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.next ??= this.running.then(
      () => {
        this.next = null;
        return this.sync();
      },
      () => {
        this.next = null;
        return this.sync();
      },
    );
    return this.next;
  }

  private async run(): Promise<void> {
    const fd = await fsp.open(this.dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    try {
      await fd.sync();
    } catch (err) {
      throw new FsyncError(`fsync of directory ${this.dir} failed: ${(err as Error).message}`);
    } finally {
      await fd.close();
    }
  }
}

const dirSyncers = new Map<string, DirSyncer>();

/** fsyncs a directory; concurrent requests for one directory share fsyncs (see DirSyncer). */
export function syncDirectory(dir: string): Promise<void> {
  let s = dirSyncers.get(dir);
  if (s === undefined) {
    s = new DirSyncer(dir);
    dirSyncers.set(dir, s);
  }
  return s.sync();
}

export interface DurableWriterOptions {
  mode?: number;
  fault?: WriteFault | undefined;
}

interface PendingFile {
  dir: string;
  file: BatchFile;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Threads of write-worker.ts and the files waiting for one. Files requested in the same task
 * (every thread idle) or turn of the event loop (some busy), or while every thread is busy, go
 * out together: split over the idle threads, so that their fsyncs run in parallel and the disk
 * commits them as a group.
 */
class WriterThreads {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, PendingFile[]>();
  private readonly waiting = new Map<string, PendingFile[]>();
  private scheduled = false;
  private seq = 0;
  /** The threads' turn at creating and renaming files (write-worker.ts, lockDir). */
  private readonly shared: WriterShared = {dirLock: new SharedArrayBuffer(4)};
  private readonly threadIds = new Map<Worker, number>();

  constructor(
    private readonly size: number,
    private readonly mode: number,
  ) {}

  /** Starts the threads (a thread takes a while to start: better before the first write). */
  start(): void {
    if (this.idle.length + this.busy.size === 0) for (let i = 0; i < this.size; i++) this.idle.push(this.spawn());
  }

  add(p: PendingFile): void {
    this.start();
    let list = this.waiting.get(p.dir);
    if (list === undefined) {
      list = [];
      this.waiting.set(p.dir, list);
    }
    list.push(p);
    if (!this.scheduled) {
      this.scheduled = true;
      const go = (): void => {
        this.scheduled = false;
        this.dispatch();
      };
      // Every thread idle: the files asked for in this task (a whole submission) leave as soon
      // as it ends; a lone SubmitJob waited a turn of the event loop for nothing. Otherwise
      // the files of every request handled in this turn go together to the next free thread.
      if (this.busy.size === 0) queueMicrotask(go);
      else setImmediate(go);
    }
  }

  private spawn(): Worker {
    const w = startWorker(this.shared);
    this.threadIds.set(w, w.threadId);
    w.on('message', (answer: BatchAnswer) => this.answered(w, answer.outcomes));
    w.on('error', (err) => this.lost(w, err));
    w.on('exit', (code) => this.lost(w, new Error(`writer thread exited with code ${code}`)));
    // After the listeners: adding one refs the thread again.
    w.unref();
    return w;
  }

  private dispatch(): void {
    for (const [dir, files] of this.waiting) {
      if (this.idle.length === 0) return;
      // Small batches stay whole: one thread and one directory fsync answer them soonest.
      const share = Math.max(MIN_SHARE, Math.ceil(files.length / this.idle.length));
      while (files.length > 0 && this.idle.length > 0) {
        const w = this.idle.pop()!;
        const part = files.splice(0, share);
        this.busy.set(w, part);
        w.ref();
        const batch: Batch = {seq: ++this.seq, dir, mode: this.mode, files: part.map((p) => p.file)};
        // Large files travel as their own buffers, moved to the thread instead of copied.
        // (Shared memory is read by the thread where it is: it cannot be moved.)
        const transfer = part.flatMap((p) =>
          typeof p.file.data !== 'string' && p.file.data.buffer instanceof ArrayBuffer ? [p.file.data.buffer] : [],
        );
        w.postMessage(batch, transfer);
      }
      if (files.length === 0) this.waiting.delete(dir);
    }
  }

  private answered(w: Worker, outcomes: FileOutcome[]): void {
    const part = this.busy.get(w) ?? [];
    this.busy.delete(w);
    w.unref();
    this.idle.push(w);
    part.forEach((p, i) => {
      const o = outcomes[i];
      if (o === null || o === undefined) p.resolve();
      else p.reject(o.fsync ? new FsyncError(o.message) : Object.assign(new Error(o.message), {code: o.code}));
    });
    this.dispatch();
  }

  /** A thread that dies leaves its files in an unknown state: as bad as a failed fsync. */
  private lost(w: Worker, err: Error): void {
    const part = this.busy.get(w);
    this.busy.delete(w);
    const i = this.idle.indexOf(w);
    if (i !== -1) this.idle.splice(i, 1);
    if (part === undefined && i === -1) return;
    // A thread that died holding the turn would keep the others waiting.
    const lock = new Int32Array(this.shared.dirLock);
    const id = this.threadIds.get(w) ?? -1;
    if (Atomics.compareExchange(lock, 0, id, 0) === id) Atomics.notify(lock, 0);
    this.threadIds.delete(w);
    void w.terminate();
    for (const p of part ?? []) p.reject(new FsyncError(`the writer thread failed: ${err.message}`));
    this.idle.push(this.spawn());
    this.dispatch();
  }
}

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './write-worker.ts' : './write-worker.js', import.meta.url);

/**
 * A writer thread's heap holds one batch at a time, strings it writes and forgets. V8's default
 * young generation (up to 3 × 16 MiB per thread) only keeps the RSS of four idle threads high:
 * bench/memory.ts measured ~70 MiB of the daemon's RSS in them after 20,000 jobs.
 */
const WORKER_LIMITS = {resourceLimits: {maxYoungGenerationSizeMb: 4}};

function startWorker(shared: WriterShared): Worker {
  const options = {...WORKER_LIMITS, workerData: shared};
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL, options);
  // Tests and benches run the TypeScript source under tsx, whose loader does not reach threads;
  // starting tsx in a thread costs a quarter of a second of CPU, four threads per queue. The
  // compiled worker (it imports only Node's modules) serves when it is not older than its source.
  const built = new URL('../../dist/durable/write-worker.js', import.meta.url);
  try {
    if (statSync(built).mtimeMs >= statSync(WORKER_URL).mtimeMs) return new Worker(built, options);
  } catch {
    // Not built: the source, through tsx.
  }
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, {eval: true, ...options});
}
const PID = process.pid;

/**
 * What join(dir, name) puts before a plain file name (no '/'), so that the path is a
 * concatenation: join's normalising, once per file, was 4% of masterd's CPU over SubmitManyJobs.
 */
export function dirPrefix(dir: string): string {
  return join(dir, 'x').slice(0, -1);
}

/** Threads writing job files at once: enough to keep the disk's group commit busy. */
export const WRITER_THREADS = 4;
/** Text at least this long goes to a writer thread as a buffer of its own, moved, not copied. */
const OWN_BUFFER_MIN = 64 * 1024;
/** Files a batch must have before it is split over several threads. */
const MIN_SHARE = 16;

export class DurableWriter {
  private readonly mode: number;
  private threads: WriterThreads | null = null;
  private tmpCounter = 0;
  private lastDir = '';
  private lastBase = '';
  fault: WriteFault | undefined;

  constructor(opts: DurableWriterOptions = {}) {
    this.mode = opts.mode ?? 0o640;
    this.fault = opts.fault;
  }

  /**
   * Replaces dir/name with content; resolves once the new file (temp file written in full and
   * fsynced, renamed over the target) and the directory are on disk.
   */
  write(dir: string, name: string, content: string | Buffer): Promise<void> {
    // A plain name is joined by concatenation (dirPrefix).
    const plain = !name.includes('/');
    const base = plain ? this.base(dir) : '';
    const target = plain ? base + name : join(dir, name);
    // Short text crosses to the thread as a string (a Buffer would carry its whole 8 KiB pool
    // along); long text and bytes as a buffer of their own, which the thread takes over.
    const data = typeof content === 'string' && content.length < OWN_BUFFER_MIN ? content : ownBytes(content);
    try {
      this.fault?.(target, typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const tmpName = `.${name}.${PID}-${++this.tmpCounter}.tmp`;
    const tmp = plain ? base + tmpName : join(dir, tmpName);
    const threads = this.startThreads();
    return new Promise((resolve, reject) => threads.add({dir, file: {tmp, target, data}, resolve, reject}));
  }

  /** dirPrefix(dir), kept for the last directory written to. */
  private base(dir: string): string {
    if (dir !== this.lastDir) {
      this.lastDir = dir;
      this.lastBase = dirPrefix(dir);
    }
    return this.lastBase;
  }

  /** Starts the writer threads now instead of at the first write. */
  startThreads(): WriterThreads {
    this.threads ??= new WriterThreads(WRITER_THREADS, this.mode);
    this.threads.start();
    return this.threads;
  }

  syncDir(dir: string): Promise<void> {
    return syncDirectory(dir);
  }

  /** Moves a file to another directory durably (both directories fsynced). */
  async move(from: string, fromDir: string, to: string, toDir: string): Promise<void> {
    await fsp.rename(from, to);
    await Promise.all([this.syncDir(toDir), this.syncDir(fromDir)]);
  }
}

/** The bytes in an ArrayBuffer of their own (a long string's Buffer has one: no copy then). */
function ownBytes(content: string | Buffer): Uint8Array {
  // Bytes in shared memory (a large job file, queue/job.ts) go to the thread as they are.
  if (typeof content !== 'string' && content.buffer instanceof SharedArrayBuffer)
    return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  const b = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && typeof content === 'string')
    return new Uint8Array(b.buffer, 0, b.byteLength);
  return new Uint8Array(b);
}

export function isTempFileName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}
