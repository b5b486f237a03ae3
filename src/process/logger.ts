// pino for the daemons: JSON lines to the log file always (best effort, see log-file.ts), and
// in the foreground to stderr too: human-readable on a terminal, the same JSON lines otherwise.
import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {pino, type Logger} from 'pino';
import pretty from 'pino-pretty';
import {LogFile} from './log-file.js';

/** Bytes of pretty log lines that may wait for a slow stderr before lines are dropped. */
const STDERR_BUFFER = 1024 * 1024;
/** Lines logged within this long reach a destination in one write. */
const BATCH_MS = 5;

/**
 * Gathers the lines logged within BATCH_MS and hands them to the destination in one write:
 * each write costs a request to libuv's pool, which wakes a thread and then the event loop
 * with its completion. A line per SubmitJob to the file and to stderr made four wake-ups per
 * request on the lone SubmitJob's path (docs/architecture.md, "A job from socket to disk to
 * waiter").
 */
class Batched {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly dest: {write(text: string): unknown}) {}

  write(line: string): boolean {
    this.lines.push(line);
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), BATCH_MS);
      this.timer.unref();
    }
    return true;
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.lines.length === 0) return;
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.dest.write(text);
  }
}

export interface DaemonLogger {
  log: Logger;
  /** Reopens the log file (SIGHUP, for logrotate). */
  reopen(): void;
}

export function createDaemonLogger(file: string, opts: {debug: boolean; toStderr: boolean; name: string}): DaemonLogger {
  try {
    mkdirSync(dirname(file), {recursive: true, mode: 0o750});
  } catch {
    // The log file keeps trying to open it; the daemon runs without its log meanwhile.
  }
  let log: Logger | undefined;
  const fileDest = new LogFile(file, {
    onRecovered: (dropped, cause) =>
      log?.warn({dropped, cause}, `${dropped} log lines were dropped while the log file could not be written`),
  });
  const toFile = new Batched(fileDest);
  process.once('exit', () => {
    toFile.flush();
    fileDest.flushSync();
  });
  const level = opts.debug ? 'debug' : 'info';
  const streams: pino.StreamEntry[] = [{level, stream: toFile}];
  if (opts.toStderr) {
    // Best effort like the file: asynchronous, at most STDERR_BUFFER bytes waiting, the rest
    // dropped. A synchronous stderr stopped the whole daemon once a pipe nobody reads was full.
    const stderr = pino.destination({fd: 2, sync: false, maxLength: STDERR_BUFFER});
    stderr.on('error', () => undefined);
    const toStderr = new Batched(stderr);
    process.once('exit', () => {
      try {
        toStderr.flush();
        stderr.flushSync();
      } catch {
        // a full pipe: what is left is dropped
      }
    });
    // Readable lines for a terminal; a pipe or the journal (the systemd unit runs -f) gets the
    // log file's JSON lines: pino-pretty cost ~23 µs of CPU per line, 3.5 times the line itself,
    // and 7-10% of a busy daemon's main thread (bench/REPORT.md, "Where the time goes").
    streams.push({
      level,
      stream: process.stderr.isTTY ? pretty({destination: stderr, colorize: true, translateTime: 'SYS:standard'}) : toStderr,
    });
  }
  log = pino({level, name: opts.name, base: {pid: process.pid}}, pino.multistream(streams));
  return {log, reopen: () => fileDest.reopen()};
}
