// pino for the daemons: JSON lines to the log file always (best effort, see log-file.ts),
// human-readable stderr in the foreground.
import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {pino, type Logger} from 'pino';
import pretty from 'pino-pretty';
import {LogFile} from './log-file.js';

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
    onRecovered: (dropped, cause) => log?.warn({dropped, cause}, `${dropped} log lines were dropped while the log file could not be written`),
  });
  process.once('exit', () => fileDest.flushSync());
  const level = opts.debug ? 'debug' : 'info';
  const streams: pino.StreamEntry[] = [{level, stream: fileDest}];
  if (opts.toStderr) {
    streams.push({level, stream: pretty({sync: true, destination: 2, colorize: process.stderr.isTTY, translateTime: 'SYS:standard'})});
  }
  log = pino({level, name: opts.name, base: {pid: process.pid}}, pino.multistream(streams));
  return {log, reopen: () => fileDest.reopen()};
}
