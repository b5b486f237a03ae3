// pino for masterd: JSON lines to the log file always, human-readable stderr in the foreground.
import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {pino, type Logger} from 'pino';
import pretty from 'pino-pretty';

export interface DaemonLogger {
  log: Logger;
  /** Reopens the log file (SIGHUP, for logrotate). */
  reopen(): void;
}

export function createDaemonLogger(file: string, opts: {debug: boolean; toStderr: boolean; name: string}): DaemonLogger {
  mkdirSync(dirname(file), {recursive: true, mode: 0o750});
  const fileDest = pino.destination({dest: file, sync: false, mkdir: true});
  const level = opts.debug ? 'debug' : 'info';
  const streams: pino.StreamEntry[] = [{level, stream: fileDest}];
  if (opts.toStderr) {
    streams.push({level, stream: pretty({sync: true, destination: 2, colorize: process.stderr.isTTY, translateTime: 'SYS:standard'})});
  }
  const log = pino({level, name: opts.name, base: {pid: process.pid}}, pino.multistream(streams));
  return {log, reopen: () => fileDest.reopen()};
}
