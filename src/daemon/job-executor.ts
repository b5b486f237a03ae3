// Runs one job's opcodes in order (docs/architecture.md): waiting -> dependencies -> locks ->
// running -> result, with the write points of docs/job-file.md.
import type {Logger} from 'pino';
import type {ConfigData} from '../config/config.js';
import {encodeError, GanetiError} from '../protocol/errors.js';
import {FINALIZED, nowTimestamp, type QueuedJob, type QueuedOpcode} from '../queue/job.js';
import {
  cancelRequested,
  failFrom,
  finishCanceled,
  raisePriority,
  requeue,
  startRunning,
  startWaiting,
  succeed,
} from '../queue/lifecycle.js';
import type {JobQueue} from './job-queue.js';
import {LockAbortedError, type LockManager} from './locks.js';
import {LOGICAL_UNITS} from './logical-units/index.js';
import type {ClusterServices, NodeRpc, OpEnv} from './logical-units/logical-unit.js';

export type RunOutcome = 'finished' | 'waitdep' | 'shutdown';

export interface ExecutorContext {
  queue: JobQueue;
  locks: LockManager;
  log: Logger;
  config(): ConfigData;
  rpc?: NodeRpc;
  cluster?: ClusterServices;
  /** True after the first SIGTERM: no new opcode may start. */
  stopping(): boolean;
  /** Aborted on the second signal: in-flight opcodes stop at once. */
  hardStop: AbortSignal;
  /**
   * How long an opcode waits for its locks before its priority goes up one step
   * (docs/architecture.md, "Priorities and lock waits").
   */
  lockAgingMs: number;
}

/** The lock owner name of a job, as Query("lock") shows it. */
export function lockOwner(jobId: number): string {
  return `job/${jobId}`;
}

/**
 * Priority aging (docs/architecture.md): each full lock-attempt period an opcode spends waiting for
 * its locks raises its priority by one step, down to OP_PRIO_HIGHEST, so that a flood of more
 * urgent jobs cannot starve it. The new priority is written to the job file.
 */
function ageWhileBlocked(job: QueuedJob, op: QueuedOpcode, ctx: ExecutorContext): {start(): void; stop(): void} {
  let timer: NodeJS.Timeout | null = null;
  return {
    start() {
      timer ??= setInterval(() => {
        if (!raisePriority(op)) return;
        ctx.log.debug({job: job.id, priority: op.priority}, 'raised the priority of an opcode waiting for locks');
        ctx.locks.setPriority(lockOwner(job.id), op.priority);
        ctx.queue.persistSoon(job);
      }, ctx.lockAgingMs);
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

/** Per-job controls reachable from LUXI calls while the job runs. */
export class JobRun {
  // Made when first used: a job held by a dependency needs neither until it runs (AbortController
  // was 4-5% of masterd's CPU profile over SubmitManyJobs of held jobs).
  private wait: AbortController | null = null;
  private exec: AbortController | null = null;
  /** Aborts a lock wait (cancel, shutdown). */
  get waitAbort(): AbortController {
    this.wait ??= new AbortController();
    return this.wait;
  }
  set waitAbort(c: AbortController) {
    this.wait = c;
  }
  /** Aborts execution (kill, second signal). */
  get execAbort(): AbortController {
    this.exec ??= new AbortController();
    return this.exec;
  }
  waitingOn: number | null = null;
  /**
   * Called once the job is final in memory and holds no lock, before its last write: the
   * scheduler gives its slot to the next job, so that the rate of jobs does not depend on how
   * long the disk takes to make a file durable (the write still happens before anyone is told).
   */
  freeSlot: () => void = () => undefined;
}

type DepVerdict = {kind: 'continue'} | {kind: 'wait'; on: number} | {kind: 'cancel'} | {kind: 'error'; message: string};

async function checkDependencies(job: QueuedJob, op: QueuedOpcode, queue: JobQueue): Promise<DepVerdict> {
  const input = op.input as Record<string, unknown>;
  const deps = Array.isArray(input.depends) ? (input.depends as Array<[number, string[]]>) : [];
  for (const [depId, wanted] of deps) {
    if (depId === job.id) return {kind: 'error', message: "Job can't depend on itself"};
    // Written by an older version that accepted any integer: no job can have such an id.
    if (!Number.isSafeInteger(depId)) return {kind: 'error', message: `Dependency error: Job ${String(depId)} not found`};
    // A live dependency without a trip through the microtask queue (held submissions: every job).
    const dep = queue.jobs.get(depId) ?? (await queue.find(depId));
    if (dep === null) return {kind: 'error', message: `Dependency error: Job ${depId} not found`};
    const status = dep.status;
    if (!FINALIZED.has(status)) return {kind: 'wait', on: depId};
    if (status === 'canceled' && wanted.length > 0 && !wanted.includes('canceled')) return {kind: 'cancel'};
    if (wanted.length > 0 && !wanted.includes(status)) {
      return {
        kind: 'error',
        message: `Dependency job ${depId} finished with status '${status}', not one of '${wanted.join(', ')}' as required`,
      };
    }
  }
  return {kind: 'continue'};
}

/**
 * Cancels a job that waits for a dependency outside the executor: it holds no lock and no
 * job slot, so it need not queue behind running jobs to be finished.
 */
export async function cancelWaitingForDependency(job: QueuedJob, queue: JobQueue): Promise<void> {
  finishCanceled(job);
  await save(job, queue);
}

export async function runJob(job: QueuedJob, run: JobRun, ctx: ExecutorContext): Promise<RunOutcome> {
  const {queue} = ctx;
  const owner = lockOwner(job.id);
  /** Ends the job as canceled (CancelJob, or a dependency that was canceled). */
  const cancelNow = async (): Promise<RunOutcome> => {
    finishCanceled(job);
    await save(job, queue);
    return 'finished';
  };
  for (let i = 0; i < job.ops.length; i++) {
    const op = job.ops[i]!;
    if (op.finalized) continue;
    if (cancelRequested(op)) return cancelNow();
    if (ctx.stopping()) return backToQueued(job, op, queue);
    // The queued -> waiting change is written only when the opcode really has to wait: an
    // opcode that gets its locks at once goes straight on to the (durable) running write.
    // Either state is requeued the same way after a crash.
    startWaiting(job, op);
    const markWaiting = (): void => queue.persistSoon(job);

    const dep = await checkDependencies(job, op, queue);
    if (dep.kind === 'wait') {
      run.waitingOn = dep.on;
      // Watchers see it waiting, but its file is not written: Ganeti 3.0 starts no job whose
      // dependency is unfinished, so such a job's file reads queued (docs/job-file.md), and a
      // restart requeues either state the same way. A held submission costs one write.
      queue.notify(job.id);
      return 'waitdep';
    }
    run.waitingOn = null;
    if (dep.kind === 'cancel') return cancelNow();
    if (dep.kind === 'error') {
      failFrom(job, i, ['OpExecError', [dep.message]]);
      await save(job, queue);
      return 'finished';
    }

    const input = op.input as Record<string, unknown>;
    const lu = LOGICAL_UNITS.get(String(input.OP_ID));
    const env: OpEnv = {
      cfg: ctx.config(),
      // Not AbortSignal.any(): on Node 20 every composite signal stays attached to the
      // long-lived hardStop signal (a leak per opcode); Master.abortNow() aborts each run.
      signal: run.execAbort.signal,
      feedback: (message, type = 'message') => {
        op.log.push([job.logSerial + 1, nowTimestamp(), type, message]);
        queue.persistSoon(job);
      },
      releaseLocks: (level) => ctx.locks.releaseLevel(owner, level),
      ...(ctx.rpc !== undefined ? {rpc: ctx.rpc} : {}),
      ...(ctx.cluster !== undefined ? {cluster: ctx.cluster} : {}),
    };
    try {
      if (lu === undefined) throw new GanetiError('OpCodeUnknown', [`Unknown opcode ${String(input.OP_ID)}`]);
      const requests = await lu.locks(input, env);
      const aging = ageWhileBlocked(job, op, ctx);
      try {
        await ctx.locks.acquire(owner, requests, op.priority, run.waitAbort.signal, () => {
          markWaiting();
          aging.start();
        });
      } finally {
        aging.stop();
      }
    } catch (err) {
      if (err instanceof LockAbortedError) {
        run.waitAbort = new AbortController();
        if (cancelRequested(op)) return cancelNow();
        return backToQueued(job, op, queue);
      }
      failFrom(job, i, encodeError(err));
      await save(job, queue);
      return 'finished';
    }

    try {
      // Awaited here, so that the locks are released (finally) after the canceled state is written.
      if (cancelRequested(op)) return await cancelNow();
      startRunning(op);
      if (!lu!.durableStart) {
        queue.persistSoon(job);
      } else if (!(await save(job, queue))) {
        failFrom(job, i, ['OpExecError', ['Could not write the job file before starting the opcode']]);
      }
      if (!job.finalized) {
        try {
          const result = input.dry_run === true ? null : await lu!.exec(input, env);
          succeed(job, i, result);
        } catch (err) {
          if (ctx.hardStop.aborted) return 'shutdown';
          const killed = run.execAbort.signal.aborted;
          failFrom(job, i, killed ? ['OpExecError', ['Job killed by request']] : encodeError(err));
        }
      }
    } finally {
      ctx.locks.release(owner);
    }
    if (job.finalized) run.freeSlot();
    await save(job, queue);
    if (job.finalized) return 'finished';
  }
  return 'finished';
}

/** Ends a job whose run threw: its unfinished opcodes become errors carrying the message. */
export async function failUnexpectedly(job: QueuedJob, err: unknown, queue: JobQueue): Promise<void> {
  const index = job.ops.findIndex((op) => !op.finalized);
  if (index === -1) return;
  failFrom(job, index, ['OpExecError', [`Unexpected error: ${err instanceof Error ? err.message : String(err)}`]]);
  await save(job, queue);
}

/**
 * Writes the job; false when the write failed. The queue keeps retrying a failed write, so
 * the executor goes on with the state in memory instead of abandoning the job.
 */
function save(job: QueuedJob, queue: JobQueue): Promise<boolean> {
  return queue.persist(job).then(
    () => true,
    () => false,
  );
}

async function backToQueued(job: QueuedJob, op: QueuedOpcode, queue: JobQueue): Promise<RunOutcome> {
  if (requeue(op)) await save(job, queue);
  return 'shutdown';
}
