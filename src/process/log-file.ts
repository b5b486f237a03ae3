// The daemon's log file as a best-effort pino destination. Logging must never stop the
// daemon: pino's own file destination (SonicBoom) treats a failed write (ENOSPC on a full
// /var/log) as fatal, and the daemon then hung in its exit path retrying the flush. Here a
// failed write keeps the lines in a bounded buffer, later lines past the bound are dropped
// and counted, writing is retried every second, and once it works again the count is
// reported in the log. Nothing here ever waits for the disk.
import {closeSync, constants as fsc, openSync, write, writeSync} from 'node:fs';

/** Test hook: called before each write; a returned error is treated as the write's failure. */
export type LogWriteFault = () => NodeJS.ErrnoException | null;

export interface LogFileOptions {
  /** Bytes kept while the file cannot be written; further lines are dropped. */
  maxBufferedBytes?: number;
  retryMs?: number;
  fault?: LogWriteFault;
  /** Told once writing works again after lines were dropped (the caller logs it). */
  onRecovered?: (dropped: number, cause: string) => void;
}

const DEFAULT_MAX_BUFFERED = 1024 * 1024;
const DEFAULT_RETRY_MS = 1000;

export class LogFile {
  private fd: number | null = null;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private writing = false;
  private failure: string | null = null;
  private dropped = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private reopenWanted = false;
  private readonly maxBuffered: number;
  private readonly retryMs: number;

  constructor(
    readonly path: string,
    private readonly opts: LogFileOptions = {},
  ) {
    this.maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.retryMs = opts.retryMs ?? DEFAULT_RETRY_MS;
    this.open();
  }

  /** Lines dropped and not yet reported. */
  get droppedLines(): number {
    return this.dropped;
  }

  /** pino's destination interface: one call per line, or per few lines (logger.ts, Batched). */
  write(line: string): boolean {
    const data = Buffer.from(line, 'utf8');
    if (this.buffered + data.length > this.maxBuffered) {
      // The logger hands over several lines at once (logger.ts, Batched).
      this.dropped += Math.max(1, countLines(data));
    } else {
      this.chunks.push(data);
      this.buffered += data.length;
    }
    this.kick();
    return true;
  }

  /** Reopens the file (SIGHUP after logrotate) once no write is in flight. */
  reopen(): void {
    this.reopenWanted = true;
    this.kick();
  }

  /** One synchronous attempt to write what is buffered (at exit); never retries or throws. */
  flushSync(): void {
    if (this.fd === null) return;
    // A write in flight keeps its chunk (the first); the rest goes out after it.
    const keep = this.writing ? this.chunks.slice(0, 1) : [];
    const data = Buffer.concat(this.chunks.slice(keep.length));
    this.chunks = keep;
    this.buffered = keep.reduce((n, c) => n + c.length, 0);
    let off = 0;
    try {
      while (off < data.length) {
        const err = this.opts.fault?.() ?? null;
        if (err !== null) throw err;
        off += writeSync(this.fd, data, off, data.length - off);
      }
    } catch {
      this.dropped += countLines(data.subarray(off));
    }
  }

  close(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.flushSync();
    if (this.fd !== null && !this.writing) closeSync(this.fd);
    this.fd = null;
  }

  private open(): void {
    try {
      this.fd = openSync(this.path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o640);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private kick(): void {
    if (this.writing || this.retryTimer !== null) return;
    if (this.reopenWanted) {
      this.reopenWanted = false;
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
      this.open();
      if (this.fd === null) return;
    }
    if (this.chunks.length === 0) return;
    if (this.fd === null) {
      this.open();
      if (this.fd === null) return;
    }
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [data];
    this.writing = true;
    const injected = this.opts.fault?.() ?? null;
    const done = (err: NodeJS.ErrnoException | null, written: number): void => {
      this.writing = false;
      if (err !== null) {
        this.fail(err);
        return;
      }
      this.consume(written);
      if (this.failure !== null || this.dropped > 0) this.recovered();
      this.kick();
    };
    if (injected !== null) setImmediate(() => done(injected, 0));
    else write(this.fd, data, 0, data.length, null, done);
  }

  /** Drops the first `n` bytes of the buffer (written). */
  private consume(n: number): void {
    const head = this.chunks[0]!;
    this.buffered -= n;
    if (n >= head.length) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
  }

  private fail(err: Error): void {
    this.failure ??= err.message;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private recovered(): void {
    const cause = this.failure ?? 'more than the buffer was waiting to be written';
    this.failure = null;
    const dropped = this.dropped;
    this.dropped = 0;
    if (dropped > 0) this.opts.onRecovered?.(dropped, cause);
  }
}

function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}
