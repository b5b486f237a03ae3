// The live jobs by id, with what a query needs to avoid looking at all of them: a monitor polls
// "jobs newer than N, or ended since T" many times a second, and at 100,000 jobs a full scan per
// poll would cost the daemon a large share of a core. Answers are candidates, a superset of the
// jobs the filter accepts: the filter itself still decides.
import {FinishedJob, QueuedJob, type JobRecord} from './job.js';

export class JobTable extends Map<number, JobRecord> {
  /** Jobs not known to have ended: whole ones (unfinished, or finished and not yet written), and records without an end time. */
  private readonly open = new Set<number>();
  /** Finished jobs kept as records, by the second they ended. */
  private readonly ended = new Map<number, number[]>();
  private lastEnded = -Infinity;
  private highest = 0;

  override set(id: number, job: JobRecord): this {
    this.forget(id);
    super.set(id, job);
    const end = job instanceof FinishedJob ? job.endTimestamp : null;
    if (end === null) {
      this.open.add(id);
    } else {
      const second = Math.floor(end[0]);
      let ids = this.ended.get(second);
      if (ids === undefined) {
        ids = [];
        this.ended.set(second, ids);
      }
      ids.push(id);
      if (second > this.lastEnded) this.lastEnded = second;
    }
    if (id > this.highest) this.highest = id;
    return this;
  }

  override delete(id: number): boolean {
    this.forget(id);
    return super.delete(id);
  }

  override clear(): void {
    super.clear();
    this.open.clear();
    this.ended.clear();
  }

  /** The whole job, while the table holds it whole: unfinished, or finished and not yet on disk. */
  whole(id: number): QueuedJob | undefined {
    const job = super.get(id);
    return job instanceof QueuedJob ? job : undefined;
  }

  private forget(id: number): void {
    const old = super.get(id);
    if (old === undefined) return;
    const end = old instanceof FinishedJob ? old.endTimestamp : null;
    if (end === null) {
      this.open.delete(id);
      return;
    }
    const second = Math.floor(end[0]);
    const ids = this.ended.get(second);
    if (ids === undefined) return;
    // Jobs are archived roughly in the order they ended: the id is usually near the front.
    const at = ids.indexOf(id);
    if (at >= 0) ids.splice(at, 1);
    if (ids.length === 0) this.ended.delete(second);
  }

  /**
   * The jobs a job filter can accept, found without scanning every job, or null when only a
   * full scan can tell. Understood: `id` lower (and upper) bounds, `end_ts` lower bounds, and
   * `|` / `&` of such terms.
   */
  candidates(filter: unknown): JobRecord[] | null {
    const range = this.rangeOnly(filter);
    if (range !== null) return range;
    const ids = this.plan(filter);
    if (ids === null) return null;
    const jobs: JobRecord[] = [];
    for (const id of ids) {
      const job = this.get(id);
      if (job !== undefined) jobs.push(job);
    }
    return jobs;
  }

  /**
   * The jobs of a filter that is only bounds on `id` (how a monitor sweeps a range), in id
   * order, without building a set; null for any other filter, or a range wider than the table.
   */
  private rangeOnly(f: unknown): JobRecord[] | null {
    let lo = -Infinity;
    let hi = Infinity;
    const terms = Array.isArray(f) && f[0] === '&' ? f.slice(1) : [f];
    for (const term of terms) {
      const bound = idBound(term);
      if (bound === null) return null;
      lo = Math.max(lo, bound.lo);
      hi = Math.min(hi, bound.hi);
    }
    if (lo === -Infinity) return null;
    const from = Math.max(1, Math.ceil(lo));
    const to = Math.min(this.highest, Math.floor(hi));
    if (to - from + 1 > this.size) return null;
    const jobs: JobRecord[] = [];
    for (let id = from; id <= to; id++) {
      const job = this.get(id);
      if (job !== undefined) jobs.push(job);
    }
    return jobs;
  }

  private plan(f: unknown): Set<number> | null {
    if (!Array.isArray(f) || f.length === 0) return null;
    const op: unknown = f[0];
    if (op === '|') {
      const all = new Set<number>();
      for (const kid of f.slice(1)) {
        const part = this.plan(kid);
        if (part === null) return null;
        for (const id of part) all.add(id);
      }
      return all;
    }
    if (op === '&') {
      let lo = -Infinity;
      let hi = Infinity;
      let best: Set<number> | null = null;
      for (const kid of f.slice(1)) {
        const bound = idBound(kid);
        if (bound !== null) {
          lo = Math.max(lo, bound.lo);
          hi = Math.min(hi, bound.hi);
          continue;
        }
        const part = this.plan(kid);
        if (part !== null && (best === null || part.size < best.size)) best = part;
      }
      const range = lo > -Infinity ? this.idRange(lo, hi) : null;
      if (range !== null && (best === null || range.size < best.size)) best = range;
      return best;
    }
    const bound = idBound(f);
    if (bound !== null) return bound.lo > -Infinity ? this.idRange(bound.lo, bound.hi) : null;
    if ((op === '>' || op === '>=') && f[1] === 'end_ts') {
      const t = seconds(f[2]);
      return t === null ? null : this.endedSince(t);
    }
    return null;
  }

  /** Ids in [lo, hi] of live jobs; null when the range is wider than the table (a scan is cheaper). */
  private idRange(lo: number, hi: number): Set<number> | null {
    const from = Math.max(1, Math.ceil(lo));
    const to = Math.min(this.highest, Math.floor(hi));
    if (to - from + 1 > this.size) return null;
    const ids = new Set<number>();
    for (let id = from; id <= to; id++) if (this.has(id)) ids.add(id);
    return ids;
  }

  /** Every job not known to have ended, and those that ended at t or later (a second early, for rounding). */
  private endedSince(t: number): Set<number> {
    const ids = new Set(this.open);
    const from = Math.floor(t) - 1;
    const add = (second: number): void => {
      const bucket = this.ended.get(second);
      if (bucket !== undefined) for (const id of bucket) ids.add(id);
    };
    if (this.lastEnded - from < this.ended.size) {
      for (let second = from; second <= this.lastEnded; second++) add(second);
    } else {
      for (const second of this.ended.keys()) if (second >= from) add(second);
    }
    return ids;
  }
}

function idBound(f: unknown): {lo: number; hi: number} | null {
  if (!Array.isArray(f) || f.length !== 3 || f[1] !== 'id' || typeof f[2] !== 'number' || !Number.isFinite(f[2])) return null;
  const n = f[2];
  switch (f[0]) {
    case '>':
      return {lo: Math.floor(n) + 1, hi: Infinity};
    case '>=':
      return {lo: Math.ceil(n), hi: Infinity};
    case '<':
      return {lo: -Infinity, hi: Math.ceil(n) - 1};
    case '<=':
      return {lo: -Infinity, hi: Math.floor(n)};
    default:
      return null;
  }
}

/** A filter's time value: seconds, or a [seconds, microseconds] pair. */
function seconds(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return v[0] + v[1] / 1e6;
  return null;
}
