// The base of the client commands that talk to the master daemon over LUXI (gnt-job ...): the
// common flags (--socket, and Ganeti's -d/--debug and --reason), the LUXI client, the stock
// argument-count checks, and the mapping of every failure to stderr text plus an exit code
// (cli.FormatError's wording for Ganeti errors).
//
// Keep this module light: every command module imports it and oclif loads all of them at start.
import {Command, Flags, type Interfaces} from '@oclif/core';
import {VirtualClusterError} from '../paths.js';
import {LuxiClient} from '../protocol/client.js';
import {formatError, formatErrorExitCode, GanetiError, LuxiClientError, LuxiParseError} from '../protocol/errors.js';
import {formatWatchLogLine, jobLostError, jobResultError, NotChangedReporter} from './job-output.js';

export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
/** constants.EXIT_CONFIRMATION: the user did not confirm. */
export const EXIT_CONFIRMATION = 13;

/** A failure whose text is printed as it is (usage errors, refusals). */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** The "Error: Command X expects ..." checks of the stock cli._CheckArguments. */
export function checkArgCount(command: string, args: readonly string[], min: number, max: number | null): void {
  if (max !== null && min === max && args.length !== min) {
    throw new CommandFailure(`Error: Command ${command} expects ${min} argument(s)`);
  }
  if (max !== null && args.length > max) throw new CommandFailure(`Error: Command ${command} expects only ${max} argument(s)`);
  if (args.length < min) throw new CommandFailure(`Error: Command ${command} expects at least ${min} argument(s)`);
}

/**
 * The text (without trailing newline) and exit code for a failure. `socketGiven`: the user chose
 * the socket, so a refused connection is about that socket and not about this node's role.
 */
export function describeCommandFailure(err: unknown, socketPath: string | undefined): {text: string; exitCode: number} {
  if (err instanceof CommandFailure) return {text: err.message, exitCode: err.exitCode};
  if (err instanceof GanetiError) {
    return {text: formatError(err.cls, err.args), exitCode: formatErrorExitCode(err.cls)};
  }
  if (err instanceof LuxiClientError) {
    const notReachable =
      'Cannot communicate with the master daemon' +
      (socketPath === undefined ? '' : ` at '${socketPath}'`) +
      ': is it running and listening for connections?';
    switch (err.kind) {
      case 'no-master':
      case 'not-master':
        // The stock client words these as prerequisite failures (runtime.GetClient).
        if (socketPath !== undefined) return {text: notReachable, exitCode: EXIT_FAILURE};
        return {text: formatError('OpPrereqError', [err.message, 'wrong_input']), exitCode: EXIT_FAILURE};
      case 'connection':
        if (err.message.startsWith('Cannot communicate')) return {text: notReachable, exitCode: EXIT_FAILURE};
        return {text: `Lost the connection to the master daemon: ${err.message}`, exitCode: EXIT_FAILURE};
      case 'timeout':
        return {
          text:
            'Timeout while talking to the master daemon. Jobs might have been submitted and will continue to run ' +
            'even if the call timed out. Useful commands in this situation are "gnt-job list", "gnt-job cancel" ' +
            `and "gnt-job watch". Error:\n${err.message}`,
          exitCode: EXIT_FAILURE,
        };
      case 'permission':
        return {text: err.message, exitCode: EXIT_FAILURE};
      default:
        return {text: `Unhandled protocol error while talking to the master daemon:\n${err.message}`, exitCode: EXIT_FAILURE};
    }
  }
  if (err instanceof LuxiParseError) {
    return {text: `Unhandled protocol error while talking to the master daemon:\n${err.message}`, exitCode: EXIT_FAILURE};
  }
  if (err instanceof VirtualClusterError) return {text: err.message, exitCode: EXIT_FAILURE};
  const message = err instanceof Error ? err.message : String(err);
  return {text: `Unhandled exception: ${message}`, exitCode: EXIT_FAILURE};
}

/** Ganeti's options common to every gnt-* command, plus the socket to talk to. */
export const LUXI_BASE_FLAGS = {
  socket: Flags.string({
    description: "LUXI socket of the master daemon (default: this node's query socket, under $GANETI_ROOTDIR)",
    helpValue: 'PATH',
    helpGroup: 'COMMON',
  }),
  debug: Flags.boolean({char: 'd', description: 'Increase debugging level (accepted; no effect)', helpGroup: 'COMMON'}),
  reason: Flags.string({description: 'The reason for executing the command', helpGroup: 'COMMON'}),
};

export abstract class LuxiCommand extends Command {
  static override baseFlags = LUXI_BASE_FLAGS;
  /** Unknown flags become arguments with strict=false: they are rejected in parseCommand. */
  static override strict = false;

  private socketPath: string | undefined;
  private luxi: LuxiClient | null = null;

  /** Does the work; returns the exit code. Throw for failures (see describeCommandFailure). */
  protected abstract execute(): Promise<number>;

  async run(): Promise<void> {
    let code: number;
    try {
      code = await this.execute();
    } catch (err) {
      const failure = describeCommandFailure(err, this.socketPath);
      process.stderr.write(`${failure.text}\n`);
      code = failure.exitCode;
    } finally {
      this.luxi?.close();
    }
    if (code !== EXIT_SUCCESS) this.exit(code);
  }

  /**
   * oclif's parse, plus: an unknown option is an error (as optparse's "no such option", exit 2)
   * rather than an argument, and the common flags are taken into account.
   */
  protected async parseCommand<F extends Interfaces.FlagOutput, B extends Interfaces.FlagOutput, A extends Interfaces.ArgOutput>(
    options: Interfaces.Input<F, B, A>,
  ): Promise<Interfaces.ParserOutput<F, B, A> & {args: string[]}> {
    const parsed = await this.parse(options);
    const unknown = parsed.nonExistentFlags ?? [];
    if (unknown.length > 0) throw new CommandFailure(`Error: no such option: ${unknown[0]!.replace(/=.*$/s, '')}`, 2);
    const socket = (parsed.flags as {socket?: string}).socket;
    this.socketPath = socket;
    // argv holds every positional argument as typed (the stock client passes most of them on raw).
    const args = (parsed.argv as unknown[]).filter((a) => a !== '--').map(String);
    return {...parsed, args};
  }

  /** The LUXI client (connected on first use); closed when the command ends. */
  protected client(): LuxiClient {
    this.luxi ??= new LuxiClient(this.socketPath === undefined ? {} : {socketPath: this.socketPath});
    return this.luxi;
  }

  /** The last of the given boolean flags on the command line (optparse's store_const: last wins). */
  protected lastFlagOf(raw: readonly Interfaces.ParsingToken[], names: readonly string[]): string | undefined {
    let last: string | undefined;
    for (const token of raw) if (token.type === 'flag' && names.includes(token.flag)) last = token.flag;
    return last;
  }
}

/** One stdout write for a (possibly large) text. */
export function writeOut(text: string): void {
  if (text !== '') process.stdout.write(text);
}

export function writeErr(text: string): void {
  if (text !== '') process.stderr.write(text);
}

// ---------------------------------------------------------------------------------------------
// Job status selections (--pending, --running, ...), as the stock gnt-job defines them.

export const JOB_STATUS_SELECTIONS: Readonly<Record<string, readonly string[]>> = {
  pending: ['canceling', 'queued', 'waiting'],
  running: ['running'],
  error: ['error'],
  finished: ['canceled', 'error', 'success'],
  queued: ['queued'],
  waiting: ['waiting'],
};

/** qlang.MakeSimpleFilter: ["|", ["==", field, v1], ...], or null for no values. */
export function makeSimpleFilter(field: string, values: readonly unknown[] | undefined): unknown[] | null {
  if (values === undefined || values.length === 0) return null;
  return ['|', ...values.map((v) => ['==', field, v])];
}

// ---------------------------------------------------------------------------------------------
// Following a job (cli.PollJob / GenericPollJob)

/** constants.DEFAULT_WFJC_TIMEOUT: what gnt-job watch/wait pass to WaitForJobChange. */
export const DEFAULT_WFJC_TIMEOUT = 60;

const POLL_END_STATUSES = new Set(['success', 'error', 'canceling', 'canceled']);

export interface PollReporter {
  /** A log line of the job, newline-terminated (stdout in gnt-job watch). */
  log?(text: string): void;
  /** "Job N is waiting in queue" and the like, for a daemon answering "nochange" (stderr). */
  notChanged?(text: string): void;
}

/**
 * Follows a job until it ends, reporting its log messages as they arrive; returns the opcode
 * results, or throws the job's error (JobLost, JobCanceled, the failed opcode's error...).
 * `jobId` goes to the daemon as given: the stock client passes the command-line string.
 */
export async function pollJob(client: LuxiClient, jobId: string | number, reporter: PollReporter = {}): Promise<unknown> {
  const label = String(jobId);
  const notChanged = new NotChangedReporter(label);
  let prevInfo: unknown[] | null = null;
  let prevSerial: number | null = null;
  let status: unknown = null;
  for (;;) {
    const result = await client.waitForJobChange(jobId, ['status'], prevInfo, prevSerial, DEFAULT_WFJC_TIMEOUT);
    if (result === null || (Array.isArray(result) && result.length === 0)) throw jobLostError(label);
    if (result === 'nochange') {
      const text = notChanged.report(status);
      if (text !== '') reporter.notChanged?.(text);
      continue;
    }
    const [info, logs] = result;
    status = info[0];
    if (logs.length > 0) {
      for (const [serial, timestamp, type, message] of logs) {
        reporter.log?.(formatWatchLogLine(timestamp, type, message));
        prevSerial = prevSerial === null ? serial : Math.max(prevSerial, serial);
      }
    } else if (typeof status === 'string' && POLL_END_STATUSES.has(status)) {
      break;
    }
    prevInfo = info;
  }
  const rows = await client.queryJobs([jobId], ['status', 'opstatus', 'opresult']);
  const row = rows[0];
  if (row === undefined || row === null) throw jobLostError(label);
  const [finalStatus, opstatus, opresult] = row;
  const error = jobResultError(finalStatus, opstatus, opresult);
  if (error !== null) throw error;
  return opresult;
}

// ---------------------------------------------------------------------------------------------
// Confirmation

/**
 * Asks a yes/no question on the terminal (enquirer; the prompt goes to stderr so that stdout
 * carries exactly what the stock client prints there). 'no-tty' when standard input is not a
 * terminal: nothing is asked then, the caller refuses.
 */
export async function askUser(question: string): Promise<boolean | 'no-tty'> {
  if (process.stdin.isTTY !== true) return 'no-tty';
  const {default: Enquirer} = await import('enquirer');
  try {
    const answer = await Enquirer.prompt<{ok: boolean}>({
      type: 'confirm',
      name: 'ok',
      message: question,
      initial: false,
      stdout: process.stderr,
    });
    return answer.ok === true;
  } catch {
    // Ctrl-C (or Escape) rejects: no.
    return false;
  } finally {
    process.stdin.pause();
  }
}
