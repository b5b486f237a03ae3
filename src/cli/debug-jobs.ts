// What gnt-debug delay and submit-job do around the LUXI calls, as the stock client does it: the
// generic opcode options (cli.SetGenericOpcodeOpts), submit-or-wait (cli.SubmitOrSend) and the
// submission and following of many jobs (cli.JobExecutor).
import {Flags} from '@oclif/core';
import type {LuxiClient} from '../protocol/client.js';
import {GanetiError, LuxiClientError, LuxiParseError} from '../protocol/errors.js';
import type {OpcodeInput} from '../protocol/luxi-contract.js';
import {formatError} from './error-text.js';
import {pollJob, writeErr, writeOut} from './luxi-command.js';
import {UsageError} from './optparse-argv.js';
import {pyStr} from '../format/python.js';
import {extendReasonTrail} from './reason-trail.js';

/** cli_opts._PRIONAME_TO_VALUE */
export const PRIORITY_VALUES: Readonly<Record<string, number>> = {low: 10, normal: 0, high: -10};

export const PRIORITY_FLAG = Flags.string({
  description: 'Priority for opcode processing',
  options: Object.keys(PRIORITY_VALUES),
  helpValue: 'low|normal|high',
});

/** cli_opts.SUBMIT_OPTS: --submit and --print-jobid (see submitOrSend). */
export const SUBMIT_FLAGS = {
  submit: Flags.boolean({description: "Submit the job and return the job ID, but don't wait for the job to finish"}),
  'print-jobid': Flags.boolean({description: 'Additionally print the job as first line on stdout (for scripting).'}),
};

export const DRY_RUN_FLAG = Flags.boolean({
  description: 'Do not execute the operation, just run the check steps and verify if it could be executed',
});

/** An optparse "int" option's value; its error otherwise. */
export function intOption(option: string, value: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new UsageError(`option ${option}: invalid integer value: '${value}'`);
  return Number.parseInt(value, 10);
}

export interface GenericOpts {
  readonly debugLevel: number;
  /** Only for commands that have --dry-run. */
  readonly dryRun?: boolean;
  readonly priority?: string | undefined;
  readonly reason?: string | undefined;
  /** The stock binary and command, for the reason trail ("gnt-debug", "delay"). */
  readonly client: string;
  readonly command: string;
}

/** cli.SetGenericOpcodeOpts: debug level, dry run, priority and a new reason trail. */
export function setGenericOpcodeOpts(op: Record<string, unknown>, opts: GenericOpts): void {
  op.debug_level = opts.debugLevel;
  if (opts.dryRun !== undefined) op.dry_run = opts.dryRun;
  if (opts.priority !== undefined) op.priority = PRIORITY_VALUES[opts.priority];
  op.reason = extendReasonTrail([], opts.reason, opts.client, opts.command);
}

/**
 * cli.SubmitOrSend: submits the opcode as a job; with `submitOnly` the job ID goes to stderr
 * ("JobID: N") and the command ends, else the job is followed (its log on stdout) to its end.
 */
export async function submitOrSend(
  client: LuxiClient,
  op: Record<string, unknown>,
  opts: {submitOnly: boolean; printJobId: boolean},
): Promise<unknown> {
  const id = await client.submitJob([op]);
  if (opts.printJobId) writeOut(`${id}\n`);
  if (opts.submitOnly) {
    writeErr(`JobID: ${id}\n`);
    return null;
  }
  const results = await pollJob(client, id, {log: writeOut, notChanged: writeErr});
  return Array.isArray(results) ? results[0] : null;
}

export interface QueuedJob {
  /** Shown as "for NAME" in the messages (null: nothing). */
  readonly name: string | null;
  readonly ops: OpcodeInput[];
}

/** The first jobs JobExecutor asks the status of when choosing which job to follow next. */
const CHOOSE_BATCH = 25;

/** A submission's answer ([true, job ID] or [false, reason]) and the job's name. */
export interface SubmittedJob {
  readonly ok: boolean;
  readonly value: unknown;
  readonly name: string | null;
}

/**
 * cli.JobExecutor: submits the jobs (one SubmitManyJobs call, or one SubmitJob each), then
 * follows them (see followJobs). Returns whether each job succeeded, in order.
 */
export async function executeJobs(
  client: LuxiClient,
  jobs: readonly QueuedJob[],
  opts: {verbose: boolean; each: boolean; submitted?: () => void},
): Promise<boolean[]> {
  let answers: Array<[boolean, unknown]>;
  if (opts.each) {
    answers = [];
    for (const job of jobs) answers.push([true, await client.submitJob(job.ops)]);
  } else {
    answers = await client.submitManyJobs(jobs.map((j) => j.ops));
  }
  opts.submitted?.();
  return followJobs(
    client,
    answers.map(([ok, value], i) => ({ok, value, name: jobs[i]!.name})),
    opts.verbose,
  );
}

/**
 * cli.JobExecutor.GetResults: follows submitted jobs one by one, a job that already runs or
 * ended first, printing their logs; failures are reported on stderr. Returns whether each job
 * succeeded, in order.
 */
export async function followJobs(client: LuxiClient, jobs: readonly SubmittedJob[], verbose: boolean): Promise<boolean[]> {
  const okIds = jobs.filter((j) => j.ok).map((j) => j.value);
  if (verbose && okIds.length > 0) writeOut(`Submitted jobs ${okIds.map(pyStr).join(', ')}\n`);
  const forName = (name: string | null): string => (name === null ? '' : ` for ${name}`);
  const success = jobs.map(() => false);
  const pending: Array<{index: number; id: number; name: string | null}> = [];
  jobs.forEach(({ok, value, name}, index) => {
    if (ok) pending.push({index, id: value as number, name});
    else writeErr(`Failed to submit job${forName(name)}: ${pyStr(value)}\n`);
  });
  while (pending.length > 0) {
    const statuses = await client.queryJobs(
      pending.slice(0, CHOOSE_BATCH).map((j) => j.id),
      ['status'],
    );
    let at = statuses.findIndex((row) => !(Array.isArray(row) && ['queued', 'waiting', 'canceling'].includes(row[0] as string)));
    if (at === -1) at = 0;
    const [{index, id, name}] = pending.splice(at, 1) as [{index: number; id: number; name: string | null}];
    writeOut(`Waiting for job ${id}${forName(name)} ...\n`);
    try {
      await pollJob(client, id, {log: writeOut, notChanged: writeErr});
      success[index] = true;
    } catch (err) {
      if (err instanceof GanetiError && err.cls === 'JobLost') {
        writeErr(`Job ${id}${forName(name)} has been archived, cannot check its result\n`);
      } else if (err instanceof GanetiError) {
        writeErr(`Job ${id}${forName(name)} has failed: ${formatError(err.cls, err.args)}\n`);
      } else if (err instanceof LuxiClientError || err instanceof LuxiParseError) {
        writeErr(`Job ${id}${forName(name)} has failed: ${err.message}\n`);
      } else {
        throw err;
      }
    }
  }
  return success;
}
