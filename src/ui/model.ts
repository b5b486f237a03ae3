// What the job monitor shows, independent of where it comes from: the LUXI-backed JobMonitor
// provides it in `gnt-job top`, tests provide it by hand.
import {stringifyJson} from '../json/lossless.js';
import {decodeError} from '../protocol/errors.js';
import {describeError} from '../cli/error-text.js';
import {pyStr} from '../format/python.js';
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
  /** The opcode's input parameters, OP_ID left out (the summary says it). */
  readonly input: Readonly<Record<string, unknown>>;
  /** The whole result or error as text (possibly several lines); null while there is none. */
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

/** One row of Query("lock"): owners and waiters are lock owner names such as `job/12`. */
export interface LockInfo {
  readonly name: string;
  readonly mode: string | null;
  readonly owners: readonly string[];
  readonly pending: ReadonlyArray<{readonly mode: string; readonly owners: readonly string[]}>;
}

export type ConnectionState = {readonly state: 'connecting'} | {readonly state: 'up'} | {readonly state: 'down'; readonly reason: string};

export interface MonitorSnapshot {
  readonly connection: ConnectionState;
  readonly cluster: ClusterInfo | null;
  /** Whether the job list has been read at least once (before that the counts are unknown). */
  readonly loaded: boolean;
  /** The live jobs (matching the text filter), newest first. */
  readonly jobs: readonly JobRow[];
  readonly textFilter: string | null;
  readonly detail: JobDetail | null;
  /** The daemon's locks, read while wanted (setLocksWanted); null before the first answer. */
  readonly locks: readonly LockInfo[] | null;
  /** The jobs each waiting job depends on (from its opcodes), read with the locks. */
  readonly dependencies: ReadonlyMap<number, readonly number[]> | null;
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
  /** Submits the opcodes of a failed or canceled job again, as a new job. */
  resubmitJob(id: number): Promise<ActionResult>;
  /** Whether each poll should also read the locks (the lock screen, the waits-for column). */
  setLocksWanted(wanted: boolean): void;
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
  'status',
  'priority',
  'received_ts',
  'start_ts',
  'end_ts',
  'summary',
  'opstatus',
  'oppriority',
  'opstart',
  'opexec',
  'opend',
  'opresult',
  'ops',
];

/** Fields of Query("lock"), in the order lockFromValues expects them. */
export const LOCK_FIELDS = ['name', 'mode', 'owner', 'pending'];

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
    a.id === b.id &&
    a.status === b.status &&
    a.priority === b.priority &&
    a.summary === b.summary &&
    a.received === b.received &&
    a.started === b.started &&
    a.ended === b.ended
  );
}

function resultText(status: string, result: unknown): {text: string | null; failed: boolean} {
  if (result === null || result === undefined) return {text: null, failed: false};
  const error = status === 'error' ? decodeError(result) : null;
  if (error !== null) return {text: describeError(error), failed: true};
  return {text: typeof result === 'string' ? result : stringifyJson(result), failed: status === 'error'};
}

function opInput(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  const {OP_ID: _opId, ...rest} = v as Record<string, unknown>;
  return rest;
}

const strings = (v: unknown): string[] => list(v).map(String);

/** The job IDs an opcode list depends on (absolute: the daemon resolves relative ones). */
export function dependencyIds(ops: unknown): number[] {
  const ids: number[] = [];
  for (const op of list(ops)) {
    const deps = op !== null && typeof op === 'object' ? (op as Record<string, unknown>).depends : null;
    for (const d of list(deps)) {
      const id = num(list(d)[0]);
      if (id !== null && !ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

/** A lock row from plain values in LOCK_FIELDS order. */
export function lockFromValues([name, mode, owner, pending]: readonly unknown[]): LockInfo {
  return {
    name: String(name),
    mode: typeof mode === 'string' ? mode : null,
    owners: strings(owner),
    pending: list(pending).map((p) => ({mode: String(list(p)[0] ?? ''), owners: strings(list(p)[1])})),
  };
}

/** The text of one log entry, as `gnt-job watch` prints it. */
export function logLine([serial, ts, , message]: LogEntry): LogLine {
  return {serial, time: seconds(ts) ?? 0, message: pyStr(message)};
}

/** Detail from a WaitForJobChange answer in DETAIL_FIELDS order. */
export function detailFromValues(id: number, values: readonly unknown[], log: readonly LogLine[]): JobDetail {
  const [status, priority, received, started, ended, summary, opstatus, oppriority, opstart, opexec, opend, opresult, inputs] = values;
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
      input: opInput(list(inputs)[i]),
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
