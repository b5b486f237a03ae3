// The master's job queue: the live jobs in memory, their durable files, submissions,
// change notifications (WaitForJobChange), cancel, priorities, archiving.
import type {Logger} from 'pino';
import {stringifyJson} from '../json/lossless.js';
import {reasonSource} from '../opcodes/summary.js';
import {OpcodeValidationError, validateOpcode} from '../opcodes/validate.js';
import {GanetiError, genericError, LuxiParseError} from '../protocol/errors.js';
import type {JobChange, SubmitResult} from '../protocol/luxi-contract.js';
import {checkOldStyleFields, plainValue} from '../query/fields.js';
import {JOB_FIELDS, jobSummaries} from '../query/job-fields.js';
import {
  FINALIZED,
  FinishedJob,
  nowTimestamp,
  QueuedJob,
  submittedOpcode,
  SUBMIT_PRIORITIES,
  timestampSeconds,
  type JobRecord,
  type LogEntry,
  type Timestamp,
} from '../queue/job.js';
import {changePriority, dequeue, markCanceling, recoverAtStart} from '../queue/lifecycle.js';
import {JobTable} from '../queue/job-table.js';
import type {QueueStore} from '../queue/store.js';
import {TimeSlicer} from '../time-slice.js';

export const DEFAULT_QUEUE_SIZE_LIMIT = 5000;
export const WFJC_TIMEOUT_MAX = 89;
export const CANCEL_WAIT_MS = 44_000;
const LAZY_WRITE_MS = 20;
/** How long a submission waits for the master candidates to confirm its job files. */
const REPLICATION_WAIT_MS = 5000;
const WRITE_RETRY_MS = 1000;

/**
 * What the queue tells the rest of the master. Given to the constructor, so that no part can be
 * left unwired; a queue used alone (tests, tools) passes NO_QUEUE_EVENTS.
 */
export interface JobQueueEvents {
  /** A job was created or its opcodes should be (re)considered by the scheduler. */
  onRunnable(job: QueuedJob): void;
  /** A queued job was canceled or changed priority. */
  onUpdated(job: QueuedJob): void;
  /** Cancel of a job that is waiting in the executor (locks or dependencies). */
  onCancelWaiting(job: QueuedJob): void;
  /** kill=true on a running job; true when a running opcode was there to abort. */
  onKill(job: QueuedJob): boolean;
  /** A job file could not be written (the queue keeps retrying; an fsync failure is the caller's to judge). */
  onWriteError(err: unknown): void;
  /** After every accepted submission: the live-job count and the limit (housekeeping). */
  onSubmitted(live: number, limit: number): void;
  /** A finished job's final state is on disk and the queue now keeps only its record. */
  onSettled(): void;
}

export const NO_QUEUE_EVENTS: JobQueueEvents = {
  onRunnable: () => undefined,
  onUpdated: () => undefined,
  onCancelWaiting: () => undefined,
  onKill: () => false,
  onWriteError: () => undefined,
  onSubmitted: () => undefined,
  onSettled: () => undefined,
};

interface WriteState {
  inflight: Promise<void>;
  again: Promise<void> | null;
}

export interface JobQueueOptions {
  sizeLimit: number;
  nochangeOnTimeout: boolean;
}

export class JobQueue {
  readonly jobs = new JobTable();
  private readonly listeners = new Map<number, Set<() => void>>();
  private readonly writes = new Map<number, WriteState>();
  private readonly lazy = new Map<number, NodeJS.Timeout>();
  /** Jobs whose last write failed: their files are older than their state. */
  private readonly dirty = new Set<number>();
  private retryTimer: NodeJS.Timeout | null = null;
  /** The last write of the serial failed: the file may be behind the ids handed out. */
  private serialDirty = false;
  private serialTimer: NodeJS.Timeout | null = null;
  private readonly archiving = new Set<number>();
  shuttingDown = false;
  /** Jobs whose end was logged (the audit trail's one line per job end). */
  private readonly endLogged = new WeakSet<QueuedJob>();

  constructor(
    readonly store: QueueStore,
    private readonly log: Logger,
    readonly opts: JobQueueOptions,
    private readonly events: JobQueueEvents,
  ) {}

  // --- persistence and notification ---------------------------------------------------

  /**
   * Writes the job's current state durably, then tells its watchers. Writes of one job
   * coalesce: while one is in flight, later changes go out together in the next one.
   */
  persist(job: QueuedJob): Promise<void> {
    this.logEnd(job);
    const state = this.writes.get(job.id);
    if (state !== undefined) {
      state.again ??= state.inflight.then(
        () => this.startWrite(job),
        () => this.startWrite(job),
      );
      return state.again;
    }
    return this.startWrite(job);
  }

  /**
   * For changes that need not be durable before the caller goes on (a start that may be run
   * again after a crash, waiting, log messages): watchers hear of it now and the write is
   * deferred a little, so that a job finishing within that time is written once, finished.
   */
  persistSoon(job: QueuedJob): void {
    this.logEnd(job);
    this.notify(job.id);
    const state = this.writes.get(job.id);
    if (state !== undefined) {
      state.again ??= state.inflight.then(
        () => this.startWrite(job),
        () => this.startWrite(job),
      );
      state.again.catch(() => undefined);
      return;
    }
    if (this.lazy.has(job.id)) return;
    this.lazy.set(
      job.id,
      setTimeout(() => {
        this.lazy.delete(job.id);
        if (!this.writes.has(job.id)) this.persist(job).catch(() => undefined);
      }, LAZY_WRITE_MS),
    );
  }

  /** Every final state is written: its first write is where the job's end is logged, once. */
  private logEnd(job: QueuedJob): void {
    if (!job.finalized || this.endLogged.has(job)) return;
    this.endLogged.add(job);
    const end = job.endTimestamp ?? nowTimestamp();
    const seconds = (from: Timestamp | null): number | null =>
      from === null ? null : Math.round((timestampSeconds(end) - timestampSeconds(from)) * 1000) / 1000;
    const failed = job.ops.find((op) => op.status === 'error');
    const error = failed === undefined ? null : describeError(failed.result);
    this.log.info(
      {
        audit: 'job-end',
        job: job.id,
        status: job.status,
        duration: seconds(job.receivedTimestamp),
        runtime: seconds(job.startTimestamp),
        error,
      },
      'job finished',
    );
  }

  private startWrite(job: QueuedJob): Promise<void> {
    const timer = this.lazy.get(job.id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.lazy.delete(job.id);
    }
    const state: WriteState = {inflight: Promise.resolve(), again: null};
    state.inflight = this.store.writeJob(job).then(
      () => {
        this.finishWrite(job, state);
        if (this.dirty.delete(job.id)) this.log.info({job: job.id}, 'job file written again after a failed write');
        this.notify(job.id);
        this.settle(job);
      },
      (err: unknown) => {
        this.finishWrite(job, state);
        if (!this.dirty.has(job.id)) this.log.error({job: job.id, err}, 'writing the job file failed; retrying');
        this.dirty.add(job.id);
        this.scheduleRetry();
        this.events.onWriteError(err);
        throw err;
      },
    );
    this.writes.set(job.id, state);
    return state.inflight;
  }

  /**
   * A finished job whose final state is on disk, with no write to come, shrinks to its record:
   * from then on its file answers for everything the record does not keep (docs/queries.md).
   */
  private settle(job: QueuedJob): void {
    if (!job.finalized || this.writes.has(job.id) || this.dirty.has(job.id) || this.lazy.has(job.id)) return;
    const current = this.jobs.get(job.id);
    // A record already there: the job was written again since (the file now holds this state).
    if (current !== job && !(current instanceof FinishedJob)) return;
    this.jobs.set(job.id, FinishedJob.of(job, jobSummaries(job)));
    this.events.onSettled();
  }

  /** Takes a job read from its file at start-up: a finished one is kept as its record. */
  adopt(job: QueuedJob): void {
    this.jobs.set(job.id, job.finalized ? FinishedJob.of(job, jobSummaries(job)) : job);
  }

  /**
   * Writes the serial a little after the job files it covers, instead of beside them: a second
   * file in the submission's fsync costs a second journal commit (twice the latency of a lone
   * SubmitJob), and a job file on disk keeps its id from being handed out again by itself
   * (docs/architecture.md, "A job from socket to disk to waiter"). Deferred like the lazy job
   * writes, so that one write covers a stream of submissions.
   */
  private saveSerial(): void {
    if (this.serialTimer !== null) return;
    this.serialTimer = setTimeout(() => {
      this.serialTimer = null;
      this.store.persistSerial().then(
        () => {
          if (this.serialDirty) this.log.info({serial: this.store.serial}, 'queue serial written again after a failed write');
          this.serialDirty = false;
        },
        (err: unknown) => {
          if (!this.serialDirty) this.log.error({err}, 'writing the queue serial failed; retrying');
          this.serialDirty = true;
          this.scheduleRetry();
          this.events.onWriteError(err);
        },
      );
    }, LAZY_WRITE_MS);
    this.serialTimer.unref();
  }

  /** Writes the jobs (and the serial) whose last write failed again, every second until they are on disk. */
  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.serialDirty) this.saveSerial();
      for (const id of this.dirty) {
        const job = this.jobs.whole(id);
        if (job === undefined) this.dirty.delete(id);
        else if (!this.writes.has(id)) this.persist(job).catch(() => undefined);
      }
    }, WRITE_RETRY_MS);
    this.retryTimer.unref();
  }

  private finishWrite(job: QueuedJob, state: WriteState): void {
    if (this.writes.get(job.id) === state) {
      if (state.again === null) this.writes.delete(job.id);
      else this.writes.set(job.id, {inflight: state.again, again: null});
    }
  }

  /** Resolves when no write of this job is in flight any more. */
  async flushed(id: number): Promise<void> {
    for (let s = this.writes.get(id); s !== undefined; s = this.writes.get(id)) {
      await (s.again ?? s.inflight).catch(() => undefined);
    }
  }

  /** Resolves true once the job's current state is on disk, false if not by the deadline. */
  async durable(id: number, deadline: number): Promise<boolean> {
    for (;;) {
      await this.flushed(id);
      if (!this.dirty.has(id)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
    }
  }

  listen(id: number, cb: () => void): () => void {
    let set = this.listeners.get(id);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  notify(id: number): void {
    const set = this.listeners.get(id);
    if (set !== undefined) for (const cb of [...set]) cb();
  }

  // --- loading ------------------------------------------------------------------------

  /** Restart rules (docs/architecture.md); returns the jobs to schedule. */
  async recover(): Promise<{requeued: QueuedJob[]; failed: number; interrupted: QueuedJob[]}> {
    const requeued: QueuedJob[] = [];
    const interrupted: QueuedJob[] = [];
    const repairs: Array<Promise<void>> = [];
    let failed = 0;
    const now = nowTimestamp();
    const whole = [...this.jobs.values()].filter((j): j is QueuedJob => j instanceof QueuedJob);
    for (const job of whole.sort((a, b) => a.id - b.id)) {
      switch (recoverAtStart(job, now)) {
        case 'requeued':
          requeued.push(job);
          break;
        case 'repaired':
          repairs.push(this.persist(job));
          requeued.push(job);
          break;
        case 'failed':
          repairs.push(this.persist(job));
          interrupted.push(job);
          failed++;
          break;
        case 'unchanged':
          break;
      }
    }
    await Promise.all(repairs);
    return {requeued, failed, interrupted};
  }

  // --- submission ---------------------------------------------------------------------

  private checkAccepting(n: number, ignoreDrain: boolean): void {
    if (this.shuttingDown) throw new GanetiError('JobQueueError', ['Job queue is shutting down, refusing job']);
    if (!ignoreDrain && this.store.isDrained) throw genericError('Queue drained');
    if (this.jobs.size + n > this.opts.sizeLimit) throw new GanetiError('JobQueueFull', []);
  }

  /** SubmitJob / SubmitJobToDrainedQueue. */
  async submitOne(ops: unknown, ignoreDrain: boolean): Promise<number> {
    if (Array.isArray(ops) && ops.length === 0) throw genericError('A job needs at least one opcode');
    const validated = this.validateJob(ops, false);
    if (typeof validated === 'string') throw new LuxiParseError(validated);
    const [res] = await this.create([validated], ignoreDrain);
    if (res === undefined || !res[0]) throw genericError(String(res?.[1]));
    return res[1];
  }

  /**
   * SubmitManyJobs: one job whose opcodes fail validation refuses the whole call, and no job
   * is created (stock `gnt-debug test-jobqueue` depends on it). Per-job `[false, message]`
   * results remain for relative dependencies that point before the batch.
   */
  async submitMany(jobs: unknown[]): Promise<SubmitResult[]> {
    // The limits first: a batch the queue cannot take costs no validation.
    this.checkAccepting(jobs.length, false);
    const validated: Array<Array<Record<string, unknown>>> = [];
    const slicer = new TimeSlicer();
    for (const [idx, ops] of jobs.entries()) {
      await slicer.step(Array.isArray(ops) ? ops.length : 1);
      const v = this.validateJob(ops, true);
      if (typeof v === 'string') throw new LuxiParseError(`Job ${idx} of the submission: ${v}`);
      validated.push(v);
    }
    return this.create(validated, false);
  }

  /** Throws the error a SubmitManyJobs of n jobs gets for the queue's limits (drain, size). */
  checkRoomFor(n: number): void {
    this.checkAccepting(n, false);
  }

  private validateJob(ops: unknown, allowRelative: boolean): Array<Record<string, unknown>> | string {
    if (!Array.isArray(ops)) return 'Invalid job: expected a list of opcodes';
    if (ops.length === 0) return 'A job needs at least one opcode';
    try {
      return ops.map((op) => validateOpcode(op, {allowRelativeDepends: allowRelative}));
    } catch (err) {
      if (err instanceof OpcodeValidationError) return err.message;
      throw err;
    }
  }

  private async create(jobs: Array<Array<Record<string, unknown>>>, ignoreDrain: boolean): Promise<SubmitResult[]> {
    this.checkAccepting(jobs.length, ignoreDrain);
    const ids = this.store.reserveIds(jobs.length);
    const received = nowTimestamp();
    const receivedNs = BigInt(received[0]) * 1_000_000_000n + BigInt(received[1]) * 1000n;
    const receivedNsText = receivedNs.toString();
    const results: SubmitResult[] = [];
    const created: QueuedJob[] = [];
    jobs.forEach((ops, idx) => {
      const id = ids[idx]!;
      const err = resolveRelativeDepends(ops, ids, idx);
      if (err !== null) {
        results.push([false, err]);
        return;
      }
      const job = new QueuedJob(
        id,
        ops.map((input, i) =>
          submittedOpcode(input, reasonSource(String(input.OP_ID)), `job=${id};index=${i}`, receivedNs, receivedNsText),
        ),
      );
      job.receivedTimestamp = received;
      created.push(job);
      results.push([true, id]);
    });
    // Every write settles before any file is removed: one still in flight would put its file
    // back after the removal.
    const writes = await Promise.allSettled(created.map((j) => this.store.writeJob(j)));
    const failed = writes.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed !== undefined) {
      // Nothing was acknowledged: the files that did get written go too, so that a refused job
      // never runs after a restart. The reserved ids stay used (the serial is on disk before the
      // files go); none is handed out twice.
      await this.store.persistSerial().catch(() => undefined);
      await this.store.removeJobs(created.map((j) => j.id)).catch(() => undefined);
      throw new GanetiError('JobQueueError', [`Cannot write the job file: ${(failed.reason as Error).message}`]);
    }
    this.saveSerial();
    // Write + replicate, then answer (docs/architecture.md, "A job from socket to disk to
    // waiter"). A master candidate that does not answer in time is not waited for
    // (replication never fails a submission).
    if (
      !(await this.store.replicated(
        created.map((j) => j.id),
        REPLICATION_WAIT_MS,
      ))
    ) {
      this.log.warn(
        {jobs: created.map((j) => j.id)},
        `job files not replicated to every master candidate within ${REPLICATION_WAIT_MS} ms`,
      );
    }
    for (const job of created) this.jobs.set(job.id, job);
    // Scheduled once the answer is written, in the same task: a tick runs after the promise
    // continuations that write it, before any other request is read (docs/architecture.md,
    // "A job from socket to disk to waiter", step 4).
    process.nextTick(() => {
      for (const job of created) this.events.onRunnable(job);
    });
    this.events.onSubmitted(this.jobs.size, this.opts.sizeLimit);
    return results;
  }

  // --- lookups --------------------------------------------------------------------------

  /** A live job (a finished one as its record), or an archived one read from disk. */
  async find(id: number): Promise<JobRecord | null> {
    return this.jobs.get(id) ?? (await this.store.readJob(id, true));
  }

  /** The whole job: a finished job's record is read back from its file; the record itself when that fails. */
  async whole(job: JobRecord): Promise<JobRecord> {
    if (job instanceof QueuedJob) return job;
    return (await this.readFinished(job.id)) ?? job;
  }

  /** A finished job's file: live, or archived since its record was looked up. */
  private async readFinished(id: number): Promise<QueuedJob | null> {
    return (await this.store.readJob(id, false)) ?? (await this.store.readJob(id, true));
  }

  // --- WaitForJobChange ---------------------------------------------------------------

  async waitForChange(id: number, fields: string[], prevInfo: unknown, prevSerial: number | null, timeoutS: number): Promise<JobChange> {
    checkOldStyleFields(JOB_FIELDS, fields);
    const getters = fields.map((f) => JOB_FIELDS.get(f)!);
    let job: QueuedJob | null = this.jobs.whole(id) ?? null;
    if (job === null) {
      job = await this.readFinished(id);
      if (job === null) throw new GanetiError('JobLost', ["Can't load job file"]);
    }
    const prevText = stringifyJson(prevInfo);
    const infoOf = (j: QueuedJob): unknown[] => getters.map((g) => plainValue(g.get({id, job: j})));
    const check = (j: QueuedJob): [unknown[], LogEntry[]] | null => {
      const info = infoOf(j);
      const logs = j.logEntriesAfter(prevSerial);
      if (FINALIZED.has(j.status) || logs.length > 0 || stringifyJson(info) !== prevText) return [info, logs];
      return null;
    };
    const timeoutMs = Math.max(0, Math.min(WFJC_TIMEOUT_MAX, timeoutS)) * 1000;
    const deadline = Date.now() + timeoutMs;
    // A final state is reported only once it is on disk: until then the caller hears of its
    // own previous view, or (when it sent none) of the state the file holds.
    const unchanged = async (): Promise<JobChange> => {
      if (this.opts.nochangeOnTimeout) return 'nochange';
      // The caller's own previous view, echoed as it was sent.
      if (prevInfo !== null) return [prevInfo as unknown[], []];
      const current = this.jobs.whole(id) ?? job;
      if (!FINALIZED.has(current.status) || (await this.durable(id, 0))) return [infoOf(current), []];
      const onDisk = await this.store.readJob(id, false);
      return onDisk === null ? 'nochange' : [infoOf(onDisk), []];
    };
    const first = check(job);
    if (first !== null) {
      if (FINALIZED.has(job.status) && !(await this.durable(id, deadline))) return unchanged();
      return first;
    }
    return new Promise((resolve) => {
      const done = (value: JobChange | Promise<JobChange>): void => {
        clearTimeout(timer);
        unlisten();
        resolve(value);
      };
      const timer = setTimeout(() => {
        const current = this.jobs.whole(id) ?? job;
        const res = check(current);
        if (res === null) done(unchanged());
        else if (!FINALIZED.has(current.status)) done(res);
        else done(this.durable(id, 0).then((ok) => (ok ? res : unchanged())));
      }, timeoutMs);
      const unlisten = this.listen(id, () => {
        const current = this.jobs.whole(id) ?? job;
        const res = check(current);
        if (res === null) return;
        if (FINALIZED.has(current.status)) {
          clearTimeout(timer);
          unlisten();
          void this.durable(id, deadline).then((ok) => resolve(ok ? res : unchanged()));
        } else {
          done(res);
        }
      });
    });
  }

  // --- cancel and priority ------------------------------------------------------------

  async cancel(id: number, kill: boolean): Promise<[boolean, string]> {
    const job = this.jobs.whole(id);
    if (job === undefined || job.finalized) return [false, `Job ${id} not found in queue`];
    const status = job.status;
    if (status === 'queued' && !job.ops.some((op) => op.status !== 'queued' && !op.finalized)) {
      dequeue(job);
      this.events.onUpdated(job);
      await this.persist(job);
      return [true, `Dequeued job ${id}`];
    }
    if (status === 'waiting' || status === 'canceling') {
      markCanceling(job);
      void this.persist(job).catch(() => undefined);
      this.events.onCancelWaiting(job);
      return this.awaitCanceled(job);
    }
    if (status === 'running' && kill) {
      if (this.events.onKill(job)) return [true, 'SIGKILL send to the process'];
    }
    return [false, "Job no longer waiting, can't cancel (informed it anyway)"];
  }

  private awaitCanceled(job: QueuedJob): Promise<[boolean, string]> {
    const verdict = (): [boolean, string] | null => {
      const s = job.status;
      if (s === 'canceled') return [true, 'Job successfully cancelled'];
      if (FINALIZED.has(s)) return [false, `Job exited before it could have been canceled, status ${s}`];
      return null;
    };
    const now = verdict();
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        unlisten();
        resolve([false, `Job could not be canceled, status ${job.status}`]);
      }, CANCEL_WAIT_MS);
      const unlisten = this.listen(job.id, () => {
        const v = verdict();
        if (v !== null) {
          clearTimeout(timer);
          unlisten();
          resolve(v);
        }
      });
    });
  }

  async changePriority(id: number, priority: number): Promise<[boolean, string]> {
    if (!SUBMIT_PRIORITIES.includes(priority)) {
      throw genericError(`Invalid priority ${priority}, allowed are ${SUBMIT_PRIORITIES.join(', ')}`);
    }
    const job = this.jobs.get(id);
    if (job === undefined) return [false, `Job ${id} not found in queue`];
    const status = job.status;
    if (!(job instanceof QueuedJob) || job.finalized) return [false, `Job ${id} is finished`];
    if (status === 'canceling') return [false, `Job ${id} is cancelling`];
    if (!changePriority(job, priority)) return [false, `Job ${id} had no pending opcodes`];
    this.events.onUpdated(job);
    await this.persist(job);
    return [true, `Priorities of pending opcodes for job ${id} have been changed to ${priority}`];
  }

  // --- archive --------------------------------------------------------------------------

  async archive(id: number): Promise<boolean> {
    const job = this.jobs.get(id);
    if (job === undefined || !job.finalized || this.archiving.has(id)) return false;
    this.archiving.add(id);
    try {
      await this.flushed(id);
      // Never move a file that is older than the job: it would stay wrong in the archive.
      if (this.dirty.has(id) && job instanceof QueuedJob) await this.persist(job);
      await this.store.archiveJob(id);
      this.jobs.delete(id);
      if (job instanceof QueuedJob) job.archived = true;
      this.notify(id);
      return true;
    } catch (err) {
      this.log.error({job: id, err}, 'archiving failed');
      return false;
    } finally {
      this.archiving.delete(id);
    }
  }

  /**
   * Archives the finished jobs among ids together (automatic archiving): one directory fsync
   * per directory for the lot. Returns how many were archived.
   */
  async archiveMany(ids: number[]): Promise<number> {
    const jobs: JobRecord[] = [];
    for (const id of ids) {
      const job = this.jobs.get(id);
      if (job === undefined || !job.finalized || this.archiving.has(id)) continue;
      this.archiving.add(id);
      jobs.push(job);
    }
    try {
      await Promise.all(
        jobs.map(async (job) => {
          await this.flushed(job.id);
          // Never move a file that is older than the job: it would stay wrong in the archive.
          if (this.dirty.has(job.id) && job instanceof QueuedJob) await this.persist(job).catch(() => undefined);
        }),
      );
      const ready = jobs.filter((j) => !this.dirty.has(j.id) && !this.writes.has(j.id)).map((j) => j.id);
      let moved: number[];
      try {
        moved = await this.store.archiveJobs(ready);
      } catch (err) {
        this.log.error({jobs: ready.length, err}, 'archiving failed');
        return 0;
      }
      for (const id of moved) {
        const job = this.jobs.get(id);
        this.jobs.delete(id);
        if (job instanceof QueuedJob) job.archived = true;
        this.notify(id);
      }
      return moved.length;
    } finally {
      for (const job of jobs) this.archiving.delete(job.id);
    }
  }

  /** AutoArchiveJobs: [archived, unchecked left] (docs/luxi.md). */
  async autoArchive(age: number, timeoutS: number): Promise<[number, number]> {
    const deadline = Date.now() + Math.max(0, timeoutS) * 1000;
    const cutoff = Date.now() / 1000 - age;
    const ids = [...this.jobs.keys()].sort((a, b) => a - b);
    let archived = 0;
    let i = 0;
    for (; i < ids.length; i += 10) {
      if (Date.now() > deadline) break;
      const batch = ids.slice(i, i + 10).filter((id) => {
        const job = this.jobs.get(id);
        if (job === undefined || !job.finalized) return false;
        if (age < 0) return true;
        const ref: Timestamp | null = job.endTimestamp ?? job.startTimestamp ?? job.receivedTimestamp;
        return ref !== null && timestampSeconds(ref) < cutoff;
      });
      const done = await Promise.all(batch.map((id) => this.archive(id)));
      archived += done.filter(Boolean).length;
    }
    return [archived, Math.max(0, ids.length - i)];
  }

  async setDrain(flag: boolean): Promise<void> {
    try {
      await this.store.setDrained(flag);
    } catch (err) {
      throw new GanetiError('JobQueueError', [`Cannot ${flag ? 'set' : 'clear'} the drain flag: ${(err as Error).message}`]);
    }
  }
}

/** An opcode's error result (["OpExecError", ["message"]]) as one line. */
function describeError(result: unknown): string {
  if (Array.isArray(result) && typeof result[0] === 'string') {
    const args = Array.isArray(result[1]) ? result[1] : [result[1]];
    return `${result[0]}: ${args.map((a) => (typeof a === 'string' ? a : stringifyJson(a))).join(', ')}`;
  }
  return stringifyJson(result);
}

/** Rewrites negative dependency ids to absolute ones; an error text when one points before the batch. */
function resolveRelativeDepends(ops: Array<Record<string, unknown>>, ids: number[], idx: number): string | null {
  for (const op of ops) {
    const deps = op.depends;
    if (!Array.isArray(deps)) continue;
    const resolved: unknown[] = [];
    for (const d of deps as Array<[number, string[]]>) {
      const [depId, statuses] = d;
      if (depId >= 0) {
        resolved.push([depId, statuses]);
        continue;
      }
      const target = idx + depId;
      if (target < 0) return `Unable to resolve relative job ID ${depId}`;
      resolved.push([ids[target], statuses]);
    }
    op.depends = resolved;
  }
  return null;
}
