// What the job monitor shows, independent of where it comes from: the LUXI-backed JobMonitor
// provides it in `gnt-job top`, tests provide it by hand.
import {stringifyJson} from '../json/lossless.js';
import {decodeError} from '../protocol/errors.js';
import {pyStr} from '../cli/python-format.js';
import {FINALIZED, type LogEntry} from '../queue/job.js';

/** One line of the job table; timestamps in seconds since the epoch. */
export interface JobRow {
  readonly id: number;
  readonly status: string;
  readonly priority: number;
  readonly summary: string;
  readonly received: number | null;
  readonly started: number | null;
  readonly ended: number | null;
}

export interface OpcodeDetail {
  readonly summary: string;
  readonly status: string;
  readonly priority: number | null;
  readonly started: number | null;
  readonly executed: number | null;
  readonly ended: number | null;
  /** The result as one line of text; null while there is none. */
  readonly result: string | null;
  readonly failed: boolean;
}

export interface LogLine {
  readonly serial: number;
  readonly time: number;
  readonly message: string;
}

export interface JobDetail {
  readonly id: number;
  readonly status: string | null;
  readonly priority: number | null;
  readonly received: number | null;
  readonly started: number | null;
  readonly ended: number | null;
  readonly ops: readonly OpcodeDetail[];
  readonly log: readonly LogLine[];
  /** Why the job cannot be shown (not found, daemon unreachable). */
  readonly error: string | null;
}

export interface ClusterInfo {
  readonly name: string;
  readonly master: string;
  readonly drained: boolean;
}

export type ConnectionState =
  | {readonly state: 'connecting'}
  | {readonly state: 'up'}
  | {readonly state: 'down'; readonly reason: string};

export interface MonitorSnapshot {
  readonly connection: ConnectionState;
  readonly cluster: ClusterInfo | null;
  /** The live jobs (matching the text filter), newest first. */
  readonly jobs: readonly JobRow[];
  readonly textFilter: string | null;
  readonly detail: JobDetail | null;
  /** The last poll's failure other than an unreachable daemon. */
  readonly problem: string | null;
}

export interface ActionResult {
  readonly ok: boolean;
  readonly message: string;
}

/** The monitor's data source and the LUXI operations its keys trigger. */
export interface MonitorSource {
  getSnapshot(): MonitorSnapshot;
  /** The listener runs on every change; consumers throttle redraws themselves. */
  subscribe(listener: () => void): () => void;
  /** Applies a filter in the `gnt-job list` language (null clears it); resolves to its error or null. */
  setTextFilter(text: string | null): Promise<string | null>;
  /** Follows one job with WaitForJobChange (null: none). */
  watch(id: number | null): void;
  cancelJob(id: number): Promise<ActionResult>;
  changePriority(id: number, priority: number): Promise<ActionResult>;
  archiveJob(id: number): Promise<ActionResult>;
  setDrainFlag(drained: boolean): Promise<ActionResult>;
}

export const JOB_STATUS_ORDER = ['queued', 'waiting', 'canceling', 'running', 'success', 'error', 'canceled'] as const;

export function isFinalized(status: string | null): boolean {
  return status !== null && FINALIZED.has(status);
}

/** Fields of the job table, in the order rowFromValues expects them. */
export const ROW_FIELDS = ['id', 'status', 'priority', 'summary', 'received_ts', 'start_ts', 'end_ts'];

/** Fields the detail pane asks WaitForJobChange for, in the order detailFromValues expects them. */
export const DETAIL_FIELDS = [
  'status', 'priority', 'received_ts', 'start_ts', 'end_ts',
  'summary', 'opstatus', 'oppriority', 'opstart', 'opexec', 'opend', 'opresult',
];

function seconds(ts: unknown): number | null {
  if (!Array.isArray(ts) || ts.length !== 2) return null;
  return Number(ts[0]) + Number(ts[1]) / 1e6;
}

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A table row from plain values in ROW_FIELDS order; null when the job has no data. */
export function rowFromValues(values: readonly unknown[]): JobRow | null {
  const [id, status, priority, summary, received, started, ended] = values;
  const jobId = num(id);
  if (jobId === null || typeof status !== 'string') return null;
  return {
    id: jobId,
    status,
    priority: num(priority) ?? 0,
    summary: list(summary).map(pyStr).join(','),
    received: seconds(received),
    started: seconds(started),
    ended: seconds(ended),
  };
}

export function sameRow(a: JobRow, b: JobRow): boolean {
  return (
    a.id === b.id && a.status === b.status && a.priority === b.priority && a.summary === b.summary &&
    a.received === b.received && a.started === b.started && a.ended === b.ended
  );
}

function resultText(status: string, result: unknown): {text: string | null; failed: boolean} {
  if (result === null || result === undefined) return {text: null, failed: false};
  const error = status === 'error' ? decodeError(result) : null;
  if (error !== null) return {text: error.describe().replaceAll('\n', ' '), failed: true};
  return {text: typeof result === 'string' ? result : stringifyJson(result), failed: status === 'error'};
}

/** The text of one log entry, as `gnt-job watch` prints it. */
export function logLine([serial, ts, , message]: LogEntry): LogLine {
  return {serial, time: seconds(ts) ?? 0, message: pyStr(message)};
}

/** Detail from a WaitForJobChange answer in DETAIL_FIELDS order. */
export function detailFromValues(
  id: number,
  values: readonly unknown[],
  log: readonly LogLine[],
): JobDetail {
  const [status, priority, received, started, ended, summary, opstatus, oppriority, opstart, opexec, opend, opresult] =
    values;
  const statuses = list(opstatus);
  const ops = list(summary).map((s, i): OpcodeDetail => {
    const opStatus = typeof statuses[i] === 'string' ? (statuses[i] as string) : '?';
    const {text, failed} = resultText(opStatus, list(opresult)[i]);
    return {
      summary: pyStr(s),
      status: opStatus,
      priority: num(list(oppriority)[i]),
      started: seconds(list(opstart)[i]),
      executed: seconds(list(opexec)[i]),
      ended: seconds(list(opend)[i]),
      result: text,
      failed,
    };
  });
  return {
    id,
    status: typeof status === 'string' ? status : null,
    priority: num(priority),
    received: seconds(received),
    started: seconds(started),
    ended: seconds(ended),
    ops,
    log,
    error: null,
  };
}
