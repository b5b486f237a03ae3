// Which jobs the table shows and in what order: status view, plain-text search, sort key.
import {STATUS_VIEWS} from './format.js';
import {JOB_STATUS_ORDER, type JobRow} from './model.js';

export const SORT_KEYS = ['id', 'received', 'started', 'ended', 'runtime', 'status'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface ListOptions {
  readonly viewIndex: number;
  /** Plain text; every word must occur in the id, status or summary (any case). */
  readonly search: string;
  readonly sortKey: SortKey;
  /** false: the natural order (newest, latest, longest, most active first); true: the opposite. */
  readonly reversed: boolean;
}

/** How long the job ran or has been running; null before it started. */
export function runtime(job: JobRow, now: number): number | null {
  if (job.started === null) return null;
  return Math.max(0, (job.ended ?? now) - job.started);
}

const STATUS_RANK = new Map<string, number>(JOB_STATUS_ORDER.map((s, i) => [s, i]));

/** The value a key sorts by, larger first; null sorts after every value. */
function sortValue(job: JobRow, key: SortKey, now: number): number | null {
  switch (key) {
    case 'id':
      return job.id;
    case 'received':
      return job.received;
    case 'started':
      return job.started;
    case 'ended':
      return job.ended;
    case 'runtime':
      return runtime(job, now);
    case 'status':
      // Active jobs first, in the order a job goes through them.
      return -(STATUS_RANK.get(job.status) ?? JOB_STATUS_ORDER.length);
  }
}

export function matchesSearch(job: JobRow, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const text = `${job.id} ${job.status} ${job.summary}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

export function searchWords(search: string): string[] {
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
}

/** The jobs of `all` (newest first) that the table shows, in its order. */
export function shownJobs(all: readonly JobRow[], opts: ListOptions, now: number): readonly JobRow[] {
  const statuses = STATUS_VIEWS[opts.viewIndex]!.statuses;
  const words = searchWords(opts.search);
  const jobs =
    statuses === null && words.length === 0
      ? all
      : all.filter((j) => (statuses === null || statuses.has(j.status)) && matchesSearch(j, words));
  if (opts.sortKey === 'id') return opts.reversed ? [...jobs].reverse() : jobs;
  const dir = opts.reversed ? -1 : 1;
  const keyed = jobs.map((job) => ({job, v: sortValue(job, opts.sortKey, now)}));
  // Ties stay newest first (the input order; Array.prototype.sort is stable); no value stays last.
  keyed.sort((a, b) => (a.v === b.v ? 0 : a.v === null ? 1 : b.v === null ? -1 : dir * (b.v - a.v)));
  return keyed.map((k) => k.job);
}

/** Index of each job in a shown list. */
export function positions(jobs: readonly JobRow[]): ReadonlyMap<number, number> {
  return new Map(jobs.map((j, i) => [j.id, i]));
}
