// The base of the client commands that talk to the master daemon over LUXI (gnt-job ...): the
// common flags (--socket, and Ganeti's -d/--debug and --reason), the LUXI client, the stock
// argument-count checks, and the mapping of every failure to stderr text plus an exit code
// (cli.FormatError's wording for Ganeti errors).
//
// Keep this module light: every command module imports it and oclif loads all of them at start.
import {Command, Flags, type Interfaces} from '@oclif/core';
import {resolvePaths, VirtualClusterError} from '../paths.js';
import {LuxiClient} from '../protocol/client.js';
import type {LogEntry} from '../protocol/luxi-contract.js';
import {GanetiError, LuxiClientError, LuxiParseError} from '../protocol/errors.js';
import {formatError, formatErrorExitCode} from './error-text.js';
import {askYesNo} from './prompt.js';
import {formatJobFailure, formatWatchLogLine, jobLostError, jobResultError, NotChangedReporter} from './job-output.js';
import {pyInt, pyStr, toJsInteger} from '../format/python.js';
import {formatUsageError, normalizeArgv, optionSpecs, UsageError} from './optparse-argv.js';
import {formatQueryResult, JOB_LIST_FORMAT} from './query-table.js';
import {EXIT_CONFIRMATION, EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE} from '../process/exit-codes.js';

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
  if (max === 0 && args.length > 0) throw new CommandFailure(`Error: Command ${command} expects no arguments`);
  if (max !== null && min === max && args.length !== min) {
    throw new CommandFailure(`Error: Command ${command} expects ${min} argument(s)`);
  }
  if (max !== null && args.length > max) throw new CommandFailure(`Error: Command ${command} expects only ${max} argument(s)`);
  if (args.length < min) throw new CommandFailure(`Error: Command ${command} expects at least ${min} argument(s)`);
}

/** Which socket a command talks to; `explicit` when the user chose it with --socket. */
export interface SocketChoice {
  readonly path: string | undefined;
  readonly explicit: boolean;
}

/**
 * The text (without trailing newline) and exit code for a failure. With an explicit socket, a
 * refused connection is about that socket and not about this node's role in the cluster.
 */
export function describeCommandFailure(err: unknown, socket: SocketChoice): {text: string; exitCode: number} {
  if (err instanceof CommandFailure) return {text: err.message, exitCode: err.exitCode};
  if (err instanceof GanetiError) {
    return {text: formatError(err.cls, err.args), exitCode: formatErrorExitCode(err.cls)};
  }
  if (err instanceof LuxiClientError) {
    const notReachable =
      'Cannot communicate with the master daemon' +
      (socket.path === undefined ? '' : ` at '${socket.path}'`) +
      ': is it running and listening for connections?';
    switch (err.kind) {
      case 'no-master':
      case 'not-master':
        // The stock client words these as prerequisite failures (runtime.GetClient).
        if (socket.explicit) return {text: notReachable, exitCode: EXIT_FAILURE};
        return {text: formatError('OpPrereqError', [err.message, 'wrong_input']), exitCode: EXIT_FAILURE};
      case 'unreachable':
        return {text: notReachable, exitCode: EXIT_FAILURE};
      case 'connection':
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
  help: Flags.help({char: 'h', description: 'Show this help', helpGroup: 'COMMON'}),
};

/** One parsed command-line token, as oclif reports them in order. */
export interface RawToken {
  readonly type: string;
  readonly flag?: string;
  readonly input: string;
}

export abstract class LuxiCommand extends Command {
  static override baseFlags = LUXI_BASE_FLAGS;
  /** Any number of arguments (checked by each command, worded as Ganeti does). */
  static override strict = false;
  /**
   * The usage line of the stock command (after "gnt-job list "), printed with usage errors as
   * optparse prints it; default: this command's oclif usage.
   */
  static synopsis: string | undefined;

  private socketPath: string | undefined;
  private socketExplicit = false;
  /** How many times -d was given (Ganeti's debug level, passed on in opcodes). */
  protected debugLevel = 0;
  private luxi: LuxiClient | null = null;

  /** Does the work; returns the exit code. Throw for failures (see describeCommandFailure). */
  protected abstract execute(): Promise<number>;

  async run(): Promise<void> {
    // As the stock client on KeyboardInterrupt (an enquirer prompt handles Control-C itself).
    process.once('SIGINT', () => {
      process.stderr.write(
        'Aborted. Note that if the operation created any jobs, they might have been submitted and will continue ' +
          'to run in the background.\n',
      );
      process.exit(EXIT_FAILURE);
    });
    let code: number;
    try {
      code = await this.execute();
    } catch (err) {
      // oclif's own errors (bad flags, --help...) are reported by oclif: exit status 2 for usage errors.
      if (err instanceof Error && 'oclif' in err) throw err;
      if (err instanceof UsageError) {
        process.stderr.write(this.usageErrorText(err.message));
        this.exit(EXIT_USAGE);
      }
      const failure = describeCommandFailure(err, {path: this.socketPath, explicit: this.socketExplicit});
      process.stderr.write(`${failure.text}\n`);
      code = failure.exitCode;
    } finally {
      this.luxi?.close();
    }
    if (code !== EXIT_SUCCESS) this.exit(code);
  }

  /** optparse's usage error text: "Usage", the command's usage line, "gnt-job: error: MESSAGE". */
  private usageErrorText(message: string): string {
    const [topic, ...command] = (this.id ?? '').split(':');
    const prog = command.length === 0 ? 'ganeti' : `gnt-${topic}`;
    const ctor = this.constructor as typeof LuxiCommand;
    // The oclif usage starts with the topic and the command.
    const usage = ctor.synopsis ?? (ctor.usage === undefined ? '' : String(ctor.usage).split(' ').slice(2).join(' '));
    return formatUsageError(prog, `${command.join(' ')} ${usage}`, message);
  }

  /**
   * The command line read as the stock client's optparse reads it (see optparse-argv.ts), then
   * parsed by oclif with the common flags; `args` holds every positional argument as typed.
   * Unknown options are usage errors (exit status 2), as with the stock client.
   */
  protected async parseCommand<F extends Record<string, unknown>, B extends Record<string, unknown>, A extends Record<string, unknown>>(
    options: Interfaces.Input<F, B, A>,
  ): Promise<{flags: F & B; args: string[]; raw: readonly RawToken[]}> {
    const {options: optionTokens, args, counts} = normalizeArgv(this.argv, optionSpecs({...LUXI_BASE_FLAGS, ...options.flags}));
    this.debugLevel = counts.get('debug') ?? 0;
    // oclif spreads the command class into its options, which drops inherited statics.
    const parsed = await this.parse(
      {
        flags: options.flags,
        baseFlags: LUXI_BASE_FLAGS,
        strict: false,
      } as Interfaces.Input<F, B, A>,
      optionTokens,
    );
    this.socketPath = (parsed.flags as {socket?: string}).socket;
    this.socketExplicit = this.socketPath !== undefined;
    return {flags: parsed.flags, args, raw: parsed.raw as readonly RawToken[]};
  }

  /**
   * What `gnt-job watch` and `wait` do with a failure while following a job: like the stock
   * client, every Ganeti or LUXI error (daemon unreachable included) is reported as
   * "Job N failed: ..."; anything else propagates.
   */
  protected jobFailure(jobId: string, err: unknown): {text: string; exitCode: number} {
    if (err instanceof GanetiError) return formatJobFailure(jobId, err);
    if (!(err instanceof LuxiClientError || err instanceof LuxiParseError)) throw err;
    const failure = describeCommandFailure(err, {path: this.socketPath, explicit: this.socketExplicit});
    return {text: `Job ${jobId} failed: ${failure.text}\n`, exitCode: failure.exitCode};
  }

  /** The LUXI client (connected on first use); closed when the command ends. */
  protected client(): LuxiClient {
    if (this.luxi === null) {
      // Resolved here (not by the client) so that failures can name the socket.
      this.socketPath ??= resolvePaths().querySocket;
      this.luxi = new LuxiClient({socketPath: this.socketPath});
    }
    return this.luxi;
  }

  /** The last of the given boolean flags on the command line (optparse's store_const: last wins). */
  protected lastFlagOf(raw: readonly RawToken[], names: readonly string[]): string | undefined {
    let last: string | undefined;
    for (const token of raw) if (token.type === 'flag' && token.flag !== undefined && names.includes(token.flag)) last = token.flag;
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

/**
 * luxi.Client._PrepareJobId: CancelJob, ArchiveJob and ChangeJobPriority take the job ID through
 * Python's int() on the client side; anything else fails there, before the daemon is asked.
 */
export function prepareJobId(request: string, jobId: string | number): number | bigint {
  if (typeof jobId === 'number') return jobId;
  const n = pyInt(jobId);
  if (n === null) {
    throw new LuxiClientError(`Invalid parameter passed to ${request} as job id:  expected integer, got value ${jobId}`, 'request');
  }
  return toJsInteger(n);
}

// ---------------------------------------------------------------------------------------------
// Job status selections (--pending, --running, ...), as the stock gnt-job defines them.

/** The job selection options that cancel and change-priority share (stock cli_opts). */
export const JOB_SELECTION_FLAGS = {
  force: Flags.boolean({char: 'f', description: 'Force the operation (do not ask for confirmation)'}),
  pending: Flags.boolean({description: 'Select jobs pending execution or being cancelled'}),
  queued: Flags.boolean({description: 'Select queued jobs only'}),
  waiting: Flags.boolean({description: 'Select waiting jobs only'}),
};

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
  /** Sees each log entry first; when it answers true the entry is not passed to `log`. */
  entry?(entry: LogEntry): boolean | Promise<boolean>;
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
    // 2.10 daemons answer null for an unknown job.
    const result: unknown = await client.waitForJobChange(jobId, ['status'], prevInfo, prevSerial, DEFAULT_WFJC_TIMEOUT);
    if ((!Array.isArray(result) || result.length === 0) && result !== 'nochange') throw jobLostError(label);
    if (result === 'nochange') {
      const text = notChanged.report(status);
      if (text !== '') reporter.notChanged?.(text);
      continue;
    }
    const [info, logs] = result as [unknown[], LogEntry[]];
    status = info[0];
    if (logs.length > 0) {
      for (const entry of logs) {
        const [serial, timestamp, type, message] = entry;
        if (reporter.entry === undefined || !(await reporter.entry(entry))) reporter.log?.(formatWatchLogLine(timestamp, type, message));
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

/**
 * The one way a command that is not a LuxiCommand ends with an error: the failure's text (as
 * describeCommandFailure words it) on stderr, then its exit status. LuxiCommand does the same
 * for every error its execute() throws.
 */
export function exitWithFailure(command: Command, err: unknown): never {
  const failure = describeCommandFailure(err, {path: undefined, explicit: false});
  process.stderr.write(`${failure.text}\n`);
  return command.exit(failure.exitCode);
}

// ---------------------------------------------------------------------------------------------
// Confirmation

// ---------------------------------------------------------------------------------------------
// gnt_job._MultiJobAction: cancel and change-priority

export interface MultiJobActionOptions {
  /** Job IDs from the command line (passed on to the daemon as typed). */
  readonly args: readonly string[];
  /** Key of JOB_STATUS_SELECTIONS chosen by --pending/--queued/--waiting, if any. */
  readonly selection: string | undefined;
  readonly force: boolean;
  /** The confirmation question, e.g. "Cancel job(s) listed above?". */
  readonly question: string;
  /** What the refusal without a terminal tells the user to do, e.g. "cancel them". */
  readonly forceHint: string;
}

/**
 * Applies an action to the jobs named on the command line, or to the jobs in the selected
 * statuses; the latter are listed and confirmed first unless --force. Prints each answer's
 * message; the exit status is 1 if any action failed, 13 if not confirmed.
 */
export async function multiJobAction(
  client: LuxiClient,
  options: MultiJobActionOptions,
  action: (jobId: string | number) => Promise<[boolean, string]>,
): Promise<number> {
  if (options.args.length > 0 === (options.selection !== undefined)) {
    throw new GanetiError('OpPrereqError', ['Either a status filter or job ID(s) must be specified and never both', 'wrong_input']);
  }
  let jobs: readonly (string | number)[] = options.args;
  if (options.selection !== undefined) {
    const response = await client.query(
      'job',
      ['id', 'status', 'summary'],
      makeSimpleFilter('status', JOB_STATUS_SELECTIONS[options.selection]),
    );
    jobs = response.data.map((row) => row[0]![1] as number);
    if (jobs.length === 0) {
      throw new GanetiError('OpPrereqError', ['No jobs with the requested status have been found', 'wrong_state']);
    }
    if (!options.force) {
      writeOut(formatQueryResult(response, {header: true, formatOverride: JOB_LIST_FORMAT}).text);
      const answer = await askYesNo(options.question);
      if (answer === 'no-tty') {
        throw new CommandFailure(
          `Not confirmed: "${options.question}" needs an answer and standard input is not a terminal. ` +
            `Use --force to ${options.forceHint} without confirmation.`,
          EXIT_CONFIRMATION,
        );
      }
      if (!answer) return EXIT_CONFIRMATION;
    }
  }
  let code = EXIT_SUCCESS;
  for (const jobId of jobs) {
    const [success, message] = await action(jobId);
    if (!success) code = EXIT_FAILURE;
    writeOut(`${pyStr(message)}\n`);
  }
  return code;
}
