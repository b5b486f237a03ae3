// Text helpers of the job monitor: ages, colours, the finish-rate sparkline, fixed-width cells.
import type {JobRow} from './model.js';

export const STATUS_COLORS: Readonly<Record<string, string>> = {
  queued: 'blue',
  waiting: 'yellow',
  canceling: 'magenta',
  running: 'cyan',
  success: 'green',
  error: 'red',
  canceled: 'gray',
};

/** Text props that colour a status (none for an unknown one). */
export function statusColor(status: string | null): {color?: string} {
  const color = status === null ? undefined : STATUS_COLORS[status];
  return color === undefined ? {} : {color};
}

export interface StatusView {
  readonly key: string;
  readonly name: string;
  /** null: every status. */
  readonly statuses: ReadonlySet<string> | null;
}

/** The status filters; pending/running/finished/error mean what the `gnt-job list` options mean. */
export const STATUS_VIEWS: readonly StatusView[] = [
  {key: '0', name: 'all', statuses: null},
  {key: '1', name: 'active', statuses: new Set(['queued', 'waiting', 'canceling', 'running'])},
  {key: '2', name: 'pending', statuses: new Set(['queued', 'waiting', 'canceling'])},
  {key: '3', name: 'running', statuses: new Set(['running'])},
  {key: '4', name: 'finished', statuses: new Set(['success', 'error', 'canceled'])},
  {key: '5', name: 'error', statuses: new Set(['error'])},
];

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** How long ago ts was: 42s, 5m03s, 2h07m, 3d04h; "-" for no time. */
export function formatAge(now: number, ts: number | null): string {
  if (ts === null) return '-';
  const s = Math.max(0, Math.floor(now - ts));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${pad2(m % 60)}m`;
  return `${Math.floor(h / 24)}d${pad2(h % 24)}h`;
}

/** A duration in seconds as 0.4s, 42s, 5m03s, 2h07m, 3d04h; "-" for none. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)}s`;
  return formatAge(seconds, 0);
}

/** 22091 as "22,091". */
export function groupDigits(n: number): string {
  return n.toLocaleString('en-US');
}

/** Local wall-clock time HH:MM:SS. */
export function clockTime(ts: number): string {
  const d = new Date(ts * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Text cut or padded to exactly width columns. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return text.padEnd(width);
}

export function countByStatus(jobs: readonly JobRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
  return counts;
}

/** Jobs that ended in each of `buckets` equal slices of the last spanSeconds, oldest first. */
export function finishedHistory(jobs: readonly JobRow[], now: number, buckets: number, spanSeconds: number): number[] {
  const counts = new Array<number>(buckets).fill(0);
  const from = now - spanSeconds;
  for (const job of jobs) {
    if (job.ended === null || job.ended <= from || job.ended > now) continue;
    const i = Math.min(buckets - 1, Math.floor(((job.ended - from) / spanSeconds) * buckets));
    counts[i]! += 1;
  }
  return counts;
}

const BARS = '▁▂▃▄▅▆▇█';

/** One bar per value, scaled to the largest; zero is a blank. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (v <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))])).join('');
}

/**
 * Text broken into lines of at most width columns: at its own newlines, then at the last space
 * that fits in the second half of the line, else mid-word. Continuation lines start with `indent`.
 */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let rest = paragraph;
    let prefix = '';
    for (;;) {
      const room = Math.max(1, width - prefix.length);
      if (rest.length <= room) {
        out.push(prefix + rest);
        break;
      }
      const space = rest.lastIndexOf(' ', room);
      // A space early in the line would leave most of it empty: cut the word instead.
      const atSpace = space > room / 2;
      const cut = atSpace ? space : room;
      out.push(prefix + rest.slice(0, cut).trimEnd());
      rest = rest.slice(atSpace ? cut + 1 : cut);
      prefix = indent.length < width ? indent : '';
    }
  }
  return out;
}
