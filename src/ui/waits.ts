// Why a job waits, read from the daemon's lock table: the lock it is queued for and who holds it.
// A job waiting for another job to finish (a dependency) is queued on a lock named after that job.
import {isFinalized, type JobRow, type LockInfo} from './model.js';

export interface WaitInfo {
  /** The lock the job is queued for. */
  readonly lock: string;
  /** The mode it asked for (shared, exclusive). */
  readonly mode: string;
  /** The lock's owners (lock owner names, `job/12`). */
  readonly holders: readonly string[];
  /** Waiters queued before it. */
  readonly ahead: number;
  /** The job it depends on, when the lock stands for a job. */
  readonly dependsOn: number | null;
}

/** The job ID of a lock owner name such as `job/12`, else null. */
export function ownerJobId(owner: string): number | null {
  const m = /^job\/(\d+)$/.exec(owner);
  return m === null ? null : Number(m[1]);
}

/** An owner for people: `job 12`, or the name as it is. */
export function ownerText(owner: string): string {
  const id = ownerJobId(owner);
  return id === null ? owner : `job ${id}`;
}

/**
 * For each waiting job, the first lock it is queued for; else, for a job waiting for other
 * jobs (dependencies), the first of them that has not finished.
 */
export function waitsByJob(
  locks: readonly LockInfo[] | null,
  dependencies: ReadonlyMap<number, readonly number[]> | null = null,
  jobs: readonly JobRow[] = [],
): ReadonlyMap<number, WaitInfo> {
  const waits = new Map<number, WaitInfo>();
  for (const lock of locks ?? []) {
    lock.pending.forEach((p, ahead) => {
      for (const owner of p.owners) {
        const id = ownerJobId(owner);
        if (id === null || waits.has(id)) continue;
        waits.set(id, {lock: lock.name, mode: p.mode, holders: lock.owners, ahead, dependsOn: ownerJobId(lock.name)});
      }
    });
  }
  if (dependencies !== null && dependencies.size > 0) {
    const status = new Map(jobs.map((j) => [j.id, j.status]));
    for (const [id, deps] of dependencies) {
      if (waits.has(id)) continue;
      const open = deps.find((d) => status.has(d) && !isFinalized(status.get(d)!));
      if (open !== undefined) waits.set(id, {lock: `job/${open}`, mode: 'job', holders: [], ahead: 0, dependsOn: open});
    }
  }
  return waits;
}

/** One line for the job table's waits-for column. */
export function shortWait(w: WaitInfo): string {
  if (w.dependsOn !== null) return `after job ${w.dependsOn}`;
  if (w.holders.length === 0) return `${w.ahead} ahead for ${w.lock}`;
  // Holders first: a long lock name (a node UUID) is what gets cut.
  return `${w.holders.map(ownerText).join(',')} holds ${w.lock}`;
}

/** A sentence for the job view. */
export function longWait(w: WaitInfo): string {
  if (w.dependsOn !== null) return `Waits for job ${w.dependsOn} to finish (a dependency)`;
  const held = w.holders.length === 0 ? 'free, but other waiters come first' : `held by ${w.holders.map(ownerText).join(', ')}`;
  const queue = w.ahead === 0 ? 'first in line' : `${w.ahead} waiting before it`;
  return `Waits for lock ${w.lock} (${w.mode}): ${held}; ${queue}`;
}
