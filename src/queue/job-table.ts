// The live jobs by id, with what a query needs to avoid looking at all of them: a monitor polls
// "jobs newer than N, or ended since T" many times a second, and at 100,000 jobs a full scan per
// poll would cost the daemon a large share of a core. Answers are candidates, a superset of the
// jobs the filter accepts: the filter itself still decides.
import {timestampSeconds, type QueuedJob} from './job.js';

interface Ended {
  end: number;
  id: number;
}

export class JobTable extends Map<number, QueuedJob> {
  /** Jobs not known to have ended (unfinished, or finished without an end time). */
  private readonly open = new Set<number>();
  /** Jobs that ended, by end time; entries of archived jobs are dropped lazily. */
  private ended: Ended[] = [];
  private stale = 0;
  private highest = 0;

  override set(id: number, job: QueuedJob): this {
    super.set(id, job);
    this.open.add(id);
    if (id > this.highest) this.highest = id;
    return this;
  }

  override delete(id: number): boolean {
    if (!this.open.delete(id) && this.has(id)) this.stale++;
    return super.delete(id);
  }

  override clear(): void {
    super.clear();
    this.open.clear();
    this.ended = [];
    this.stale = 0;
  }

  /**
   * The jobs a job filter can accept, found without scanning every job, or null when only a
   * full scan can tell. Understood: `id` lower (and upper) bounds, `end_ts` lower bounds, and
   * `|` / `&` of such terms.
   */
  candidates(filter: unknown): QueuedJob[] | null {
    const ids = this.plan(filter);
    if (ids === null) return null;
    const jobs: QueuedJob[] = [];
    for (const id of ids) {
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

  /** Every job that has not ended, and those that ended at t or later (a second early, for rounding). */
  private endedSince(t: number): Set<number> {
    for (const id of this.open) {
      const job = this.get(id);
      if (job === undefined || !job.finalized || job.endTimestamp === null) continue;
      this.open.delete(id);
      this.insertEnded({end: timestampSeconds(job.endTimestamp), id});
    }
    if (this.stale > this.ended.length / 2) {
      this.ended = this.ended.filter((e) => this.has(e.id));
      this.stale = 0;
    }
    const ids = new Set(this.open);
    for (let i = this.firstEndedAtOrAfter(t - 1); i < this.ended.length; i++) ids.add(this.ended[i]!.id);
    return ids;
  }

  private insertEnded(e: Ended): void {
    const last = this.ended[this.ended.length - 1];
    if (last === undefined || last.end <= e.end) {
      this.ended.push(e);
      return;
    }
    this.ended.splice(this.firstEndedAtOrAfter(e.end), 0, e);
  }

  private firstEndedAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.ended.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ended[mid]!.end < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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
