// The remaining texts of gnt-job: job ID and age arguments, autoarchive/archive messages, the
// output of `gnt-job watch` / `wait` (cli.PollJob) and how a failed job is reported.

import {decodeError, GanetiError, opPrereqError} from '../protocol/errors.js';
import {formatError, formatErrorExitCode} from './error-text.js';
import {formatCtime, mergeTime, pyInt, pyRepr, pyStr, safeEncode, toJsInteger} from '../format/python.js';

const SECONDS_PER_SUFFIX: Readonly<Record<string, bigint>> = {s: 1n, m: 60n, h: 3600n, d: 86400n, w: 604800n};

/**
 * cli.ParseTimespec: seconds, or a number with an s/m/h/d/w suffix. Throws OpPrereqError
 * (wrong_input) worded as Ganeti words it.
 */
export function parseTimespec(value: string): number | bigint {
  if (value === '') throw opPrereqError('Empty time specification passed', 'wrong_input');
  const last = value.slice(-1);
  const multiplier = Object.hasOwn(SECONDS_PER_SUFFIX, last) ? SECONDS_PER_SUFFIX[last]! : null;
  const number = multiplier === null ? value : value.slice(0, -1);
  if (number === '') throw opPrereqError('Invalid time specification (only suffix passed)', 'wrong_input');
  const parsed = pyInt(number);
  if (parsed === null) throw opPrereqError(`Invalid time specification '${number}'`, 'wrong_input');
  return toJsInteger(parsed * (multiplier ?? 1n));
}

/** The age argument of `gnt-job autoarchive`: "all" is -1, anything else a time spec. */
export function parseAutoArchiveAge(arg: string): number | bigint {
  return arg === 'all' ? -1 : parseTimespec(arg);
}

/** The stdout line after AutoArchiveJobs answered [archived, left]. */
export function formatAutoArchiveResult(archived: unknown, left: unknown): string {
  return `Archived ${pyStr(archived)} jobs, ${pyStr(left)} unchecked left\n`;
}

/** The stderr line of `gnt-job archive` for a job the daemon did not archive. */
export function formatArchiveFailure(jobId: string): string {
  return `Failed to archive job with ID '${jobId}'\n`;
}

/** gnt_job._ParseJobIds (`gnt-job info`): integers, else OpPrereqError quoting Python's int() error. */
export function parseJobIds(args: readonly string[]): (number | bigint)[] {
  return args.map((arg) => {
    const n = pyInt(arg);
    if (n === null) {
      throw opPrereqError(`Invalid job ID passed: invalid literal for int() with base 10: ${pyRepr(arg)}`, 'wrong_input');
    }
    return toJsInteger(n);
  });
}

/** The two header lines `gnt-job watch` prints before the job's log. */
export function formatWatchHeader(jobId: string): string {
  const msg = `Output from job ${jobId} follows`;
  return `${msg}\n${'-'.repeat(msg.length)}\n`;
}

/**
 * cli.FormatLogMessage: a message of type "message" must be a string; other types print their
 * Python str(). The result is made ASCII-safe (utils.SafeEncode). A non-string "message" makes
 * the stock client die with this TypeError.
 */
export function formatLogMessage(logType: unknown, message: unknown): string {
  const text = logType === 'message' ? message : pyStr(message);
  if (typeof text !== 'string') throw new TypeError('Only str can be SafeEncoded');
  return safeEncode(text);
}

/** One log line of `gnt-job watch`: time.ctime() of the entry's time, a space, the message. */
export function formatWatchLogLine(timestamp: readonly [number, number], logType: unknown, message: unknown): string {
  return `${formatCtime(mergeTime(timestamp))} ${formatLogMessage(logType, message)}\n`;
}

/**
 * The stderr lines the stock client prints when WaitForJobChange answers "nochange" (2.10 style):
 * once for a queued job and once for a waiting one.
 */
export class NotChangedReporter {
  private notifiedQueued = false;
  private notifiedWaiting = false;

  constructor(private readonly jobId: string) {}

  /** The text to write to stderr for this "nochange" answer ("" when nothing). */
  report(status: unknown): string {
    if (status === 'queued' && !this.notifiedQueued) {
      this.notifiedQueued = true;
      return `Job ${this.jobId} is waiting in queue\n`;
    }
    if (status === 'waiting' && !this.notifiedWaiting) {
      this.notifiedWaiting = true;
      return `Job ${this.jobId} is trying to acquire all necessary locks\n`;
    }
    return '';
  }
}

/** What cli.GenericPollJob raises when WaitForJobChange or QueryJobs knows nothing of the job. */
export function jobLostError(jobId: string): GanetiError {
  return new GanetiError('JobLost', [`Job with id ${jobId} lost`]);
}

/**
 * cli.GenericPollJob's verdict on a finished job from QueryJobs' [status, opstatus, opresult]:
 * null for success, else the error it raises: JobCanceled, the first failed opcode's encoded
 * error, or an OpExecError with its result (prefixed "partial failure" after a successful one).
 */
export function jobResultError(status: unknown, opstatus: unknown, opresult: unknown): GanetiError | null {
  if (status === 'success') return null;
  if (status === 'canceling' || status === 'canceled') return new GanetiError('JobCanceled', ['Job was canceled']);
  const statuses = Array.isArray(opstatus) ? opstatus : [];
  const results = Array.isArray(opresult) ? opresult : [];
  let hasOk = false;
  for (let i = 0; i < Math.min(statuses.length, results.length); i++) {
    if (statuses[i] === 'success') {
      hasOk = true;
    } else if (statuses[i] === 'error') {
      const msg: unknown = results[i];
      const encoded = decodeError(msg);
      if (encoded !== null) return encoded;
      return new GanetiError('OpExecError', [hasOk ? `partial failure (opcode ${i}): ${pyStr(msg)}` : pyStr(msg)]);
    }
  }
  return new GanetiError('OpExecError', [opresult]);
}

/** What `gnt-job watch` / `wait` print on stderr for a job that failed, and their exit code. */
export function formatJobFailure(jobId: string, err: GanetiError): {text: string; exitCode: number} {
  return {text: `Job ${jobId} failed: ${formatError(err.cls, err.args)}\n`, exitCode: formatErrorExitCode(err.cls)};
}
