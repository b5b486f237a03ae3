// Picks runnable jobs by (priority, id) and runs at most `limit` of them at once.
// Jobs waiting for a dependency leave the pool and come back when that job finishes.
import type {Logger} from 'pino';
import type {QueuedJob} from '../queue/job.js';
import type {JobTable} from '../queue/job-table.js';
import {cancelWaitingForDependency, failUnexpectedly, JobRun, lockOwner, runJob, type ExecutorContext} from './job-executor.js';

interface HeapEntry {
  priority: number;
  id: number;
}

/** Binary min-heap on (priority, id); stale entries are skipped when popped. */
class RunQueue {
  private heap: HeapEntry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(e: HeapEntry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): HeapEntry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.id < b.id);
}

export class Scheduler {
  private readonly queue = new RunQueue();
  private readonly queued = new Map<number, number>(); // id -> priority of its live heap entry
  private readonly running = new Map<number, JobRun>();
  /** Jobs that gave their slot back and whose last write is still in flight. */
  private readonly finishing = new Set<number>();
  private readonly depWaiters = new Map<number, Set<number>>();
  private readonly waiting = new Map<number, JobRun>();
  private idleResolvers: Array<() => void> = [];

  constructor(
    private readonly ctx: ExecutorContext,
    private readonly jobs: JobTable,
    private readonly log: Logger,
    public limit: number,
  ) {}

  /** Makes a job eligible to run (new, requeued, priority changed, dependency finished). */
  add(job: QueuedJob): void {
    if (job.finalized || this.running.has(job.id)) return;
    const prio = job.priority;
    if (this.queued.get(job.id) === prio) return;
    this.queued.set(job.id, prio);
    this.queue.push({priority: prio, id: job.id});
    this.pump();
  }

  /** A job left the queue (canceled while queued). */
  drop(id: number): void {
    this.queued.delete(id);
  }

  /** The in-executor run of a job, if it is executing or waiting for a dependency. */
  private runOf(id: number): JobRun | undefined {
    return this.running.get(id) ?? this.waiting.get(id);
  }

  /** Whether the job is in the executor (executing, or waiting for locks or a dependency). */
  isActive(id: number): boolean {
    return this.runOf(id) !== undefined;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** CancelJob on a waiting job: its lock wait ends, and a dependency wait is finished at once. */
  cancelWaiting(job: QueuedJob): void {
    this.runOf(job.id)?.waitAbort.abort();
    this.wake(job);
  }

  /** CancelJob with kill on an executing job; false when it is not executing. */
  kill(id: number): boolean {
    const run = this.running.get(id);
    if (run === undefined) return false;
    run.execAbort.abort(new Error('Job killed by request'));
    return true;
  }

  /** First shutdown signal: every lock wait ends (those opcodes go back to queued). */
  stopWaiting(): void {
    for (const run of this.running.values()) run.waitAbort.abort();
  }

  /** Second shutdown signal: every executing opcode is aborted. */
  abortAll(reason: Error): void {
    for (const run of this.running.values()) run.execAbort.abort(reason);
  }

  pump(): void {
    while (this.running.size < this.limit && this.queue.size > 0 && !this.ctx.stopping()) {
      const e = this.queue.pop()!;
      if (this.queued.get(e.id) !== e.priority) continue;
      this.queued.delete(e.id);
      const job = this.jobs.whole(e.id);
      if (job === undefined || job.finalized) continue;
      this.start(job, this.waiting.get(job.id) ?? new JobRun());
    }
    if (this.running.size === 0 && this.finishing.size === 0) this.resolveIdle();
  }

  private start(job: QueuedJob, run: JobRun): void {
    this.waiting.delete(job.id);
    this.running.set(job.id, run);
    const leave = (): void => {
      this.running.delete(job.id);
      this.finishing.delete(job.id);
    };
    run.freeSlot = () => {
      if (!this.running.delete(job.id)) return;
      this.finishing.add(job.id);
      this.pump();
    };
    runJob(job, run, this.ctx)
      .then((outcome) => {
        leave();
        if (outcome === 'waitdep' && run.waitingOn !== null) {
          this.waitFor(job, run, run.waitingOn);
        } else if (job.finalized) {
          this.finished(job.id);
        }
      })
      .catch(async (err: unknown) => {
        // A job whose run threw would otherwise stay waiting or running for ever.
        this.log.error({job: job.id, err}, 'job execution failed unexpectedly');
        this.ctx.locks.release(lockOwner(job.id));
        await failUnexpectedly(job, err, this.ctx.queue);
        leave();
        this.finished(job.id);
      })
      .finally(() => this.pump());
  }

  private waitFor(job: QueuedJob, run: JobRun, depId: number): void {
    this.waiting.set(job.id, run);
    let set = this.depWaiters.get(depId);
    if (set === undefined) {
      set = new Set();
      this.depWaiters.set(depId, set);
    }
    set.add(job.id);
    // The dependency may have finished while this job was checking it.
    const dep = this.jobs.get(depId);
    if (dep === undefined || dep.finalized) this.finished(depId);
  }

  /** A job reached a final state: release the jobs that waited for it. */
  finished(id: number): void {
    const waiters = this.depWaiters.get(id);
    if (waiters === undefined) return;
    this.depWaiters.delete(id);
    for (const wid of waiters) {
      const job = this.jobs.whole(wid);
      if (job !== undefined) this.add(job);
    }
  }

  /** A job that waits for a dependency and gets canceled: finish it at once, without a job slot. */
  private wake(job: QueuedJob): void {
    if (!this.waiting.has(job.id)) return;
    this.waiting.delete(job.id);
    for (const [depId, set] of this.depWaiters) {
      set.delete(job.id);
      if (set.size === 0) this.depWaiters.delete(depId);
    }
    this.drop(job.id);
    void cancelWaitingForDependency(job, this.ctx.queue).finally(() => this.finished(job.id));
  }

  /** Jobs waiting for another job to finish: dependency id -> waiting job ids. */
  dependencyWaits(): Array<[number, number[]]> {
    return [...this.depWaiters].filter(([, set]) => set.size > 0).map(([dep, set]) => [dep, [...set].sort((a, b) => a - b)]);
  }

  /** Resolves when no job is executing or writing its end. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.finishing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleResolvers.push(resolve));
  }

  private resolveIdle(): void {
    const rs = this.idleResolvers;
    this.idleResolvers = [];
    for (const r of rs) r();
  }
}
