// The job and queued-opcode model, status derivation, and the job file format.
import {parseJson, stringifyJson, stringifyWithBigints} from '../json/lossless.js';
import {needsSlicing, stringifySliced} from '../json/sliced-stringify.js';

import type {JobStatus, LogEntry, OpStatus, Timestamp} from '../protocol/luxi-contract.js';

export type {JobStatus, LogEntry, OpStatus, Timestamp} from '../protocol/luxi-contract.js';

export const OP_STATUSES: readonly OpStatus[] = ['queued', 'waiting', 'canceling', 'running', 'canceled', 'success', 'error'];
export const FINALIZED: ReadonlySet<string> = new Set(['canceled', 'success', 'error']);
export const PENDING: ReadonlySet<string> = new Set(['queued', 'waiting', 'canceling']);
export const OP_PRIO_DEFAULT = 0;
export const OP_PRIO_HIGHEST = -20;
export const OP_PRIO_LOWEST = 19;
export const SUBMIT_PRIORITIES: readonly number[] = [-10, 0, 10];
export const CANCEL_MESSAGE = 'Job canceled by request';

/** Now as [seconds, microseconds] (microsecond resolution, truncated like Ganeti). */
export function nowTimestamp(ms = performance.timeOrigin + performance.now()): Timestamp {
  const us = Math.trunc(ms * 1000);
  return [Math.trunc(us / 1e6), us % 1e6];
}

export function timestampSeconds(ts: Timestamp): number {
  return ts[0] + ts[1] / 1e6;
}

export class QueuedOpcode {
  status: OpStatus = 'queued';
  result: unknown = null;
  log: LogEntry[] = [];
  priority: number;
  startTimestamp: Timestamp | null = null;
  execTimestamp: Timestamp | null = null;
  endTimestamp: Timestamp | null = null;
  /** The input never changes after submission: its JSON text is kept to avoid re-serialising. */
  private inputJson: string | undefined;
  /** The same as UTF-8 bytes, for a large input (see largeInput). */
  private inputBytes: Buffer | undefined;

  /** inputJson: the input's text when already made (submittedOpcode). */
  constructor(
    readonly input: unknown,
    inputJson?: string,
  ) {
    const p = isObject(input) ? input.priority : undefined;
    this.priority = typeof p === 'number' ? p : OP_PRIO_DEFAULT;
    this.inputJson = inputJson;
  }

  get finalized(): boolean {
    return FINALIZED.has(this.status);
  }

  toJson(): string {
    const inputJson =
      this.inputJson ?? (this.inputBytes !== undefined ? this.inputBytes.toString('utf8') : stringifyWithBigints(this.input));
    // A finished opcode's text is written once more at most (with its job's final state): a
    // text kept for every finished job was a fifth of the daemon's heap (bench/job-memory.ts).
    this.inputJson = this.finalized ? undefined : inputJson;
    return `{"input":${inputJson}${this.tailJson()}`;
  }

  /**
   * Whether the input is too large to write in one go (a long string or list): such an input
   * is written by toBytes in slices, and its bytes are kept instead of its text.
   */
  get largeInput(): boolean {
    return this.inputBytes !== undefined || (this.inputJson === undefined && needsSlicing(this.input));
  }

  /** toJson's text as UTF-8 bytes, in pieces made between `pause`s. */
  async toBytes(pause: () => Promise<void>): Promise<Buffer[]> {
    let input = this.inputBytes;
    if (input === undefined) {
      const pieces: Buffer[] = [];
      for await (const piece of stringifySliced(this.input, pause)) {
        pieces.push(Buffer.from(piece, 'utf8'));
        await pause();
      }
      input = await concatSliced(pieces, pause, false);
    }
    this.inputBytes = this.finalized ? undefined : input;
    this.inputJson = undefined;
    return [Buffer.from('{"input":'), input, Buffer.from(this.tailJson(), 'utf8')];
  }

  /** What follows the input in toJson's text. */
  private tailJson(): string {
    // A submitted opcode's tail: its text is known but for the priority.
    const untouched = this.result === null && this.log.length === 0;
    const unstarted = this.startTimestamp === null && this.execTimestamp === null && this.endTimestamp === null;
    if (this.status === 'queued' && untouched && unstarted) return `${QUEUED_TAIL[0]}${this.priority}${QUEUED_TAIL[1]}`;
    return (
      `,"status":${JSON.stringify(this.status)},"result":${stringifyJson(this.result)},` +
      `"log":${stringifyJson(this.log)},"priority":${this.priority},` +
      `"start_timestamp":${tsJson(this.startTimestamp)},"exec_timestamp":${tsJson(this.execTimestamp)},` +
      `"end_timestamp":${tsJson(this.endTimestamp)}}`
    );
  }
}

const QUEUED_TAIL = [
  ',"status":"queued","result":null,"log":[],"priority":',
  ',"start_timestamp":null,"exec_timestamp":null,"end_timestamp":null}',
];

/** Stands for the submission's timestamp in an input's text while JSON.stringify writes it. */
const NS_SLOT = `~ns${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

/**
 * A submitted opcode: [source, message, ns] appended to its input's reason trail, and the
 * input's text made at once by plain JSON.stringify when nothing else in it is a bigint and it
 * is not large (stringifyWithBigints's replacer was a tenth of masterd's main-thread CPU over
 * SubmitManyJobs, bench/profile-masterd.ts --held --submit-only). The text is the same.
 */
export function submittedOpcode(input: Record<string, unknown>, source: string, message: string, ns: bigint, nsText: string): QueuedOpcode {
  const entry: unknown[] = [source, message, NS_SLOT];
  input.reason = [...((input.reason as unknown[] | undefined) ?? []), entry];
  let json: string | undefined;
  if (!needsSlicing(input)) {
    try {
      json = JSON.stringify(input).replace(`"${NS_SLOT}"`, nsText);
    } catch {
      // A bigint of the client's (or anything else): toJson's general path, as before.
    }
  }
  entry[2] = ns;
  return new QueuedOpcode(input, json);
}

/** Bytes copied between two pauses (a copy of 60 MiB in one go took 50-100 ms under load). */
const COPY_STEP = 1024 * 1024;

/** Buffer.concat in steps of COPY_STEP bytes with `pause` between them; `shared`: in a SharedArrayBuffer. */
async function concatSliced(parts: Buffer[], pause: () => Promise<void>, shared: boolean): Promise<Buffer> {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = shared ? Buffer.from(new SharedArrayBuffer(total)) : Buffer.allocUnsafeSlow(total);
  let off = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += COPY_STEP) {
      off += p.copy(out, off, i, Math.min(p.length, i + COPY_STEP));
      await pause();
    }
  }
  return out;
}

function tsJson(ts: Timestamp | null): string {
  return ts === null ? 'null' : `[${ts[0]},${ts[1]}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export class QueuedJob {
  receivedTimestamp: Timestamp | null = null;
  startTimestamp: Timestamp | null = null;
  endTimestamp: Timestamp | null = null;
  /** True when the file lives under archive/ (a property of where it was read, not of its content). */
  archived = false;
  /** Top-level keys of a foreign job file that we keep when rewriting it. */
  extra: Record<string, unknown> | null = null;

  constructor(
    readonly id: number,
    readonly ops: QueuedOpcode[],
  ) {}

  /** Derived status (docs/job-file.md). */
  get status(): JobStatus {
    let status: JobStatus = 'queued';
    let allSuccess = true;
    for (const op of this.ops) {
      if (op.status === 'success') continue;
      allSuccess = false;
      switch (op.status) {
        case 'queued':
          break;
        case 'waiting':
        case 'running':
          status = op.status;
          break;
        default:
          return op.status;
      }
    }
    return allSuccess ? 'success' : status;
  }

  get finalized(): boolean {
    return FINALIZED.has(this.status);
  }

  /** Minimum priority over unfinished opcodes; the default when all are finished. */
  get priority(): number {
    let prio: number | null = null;
    for (const op of this.ops) {
      if (!op.finalized && (prio === null || op.priority < prio)) prio = op.priority;
    }
    return prio ?? OP_PRIO_DEFAULT;
  }

  /** Highest log serial used so far (log serials are unique across the whole job). */
  get logSerial(): number {
    let max = 0;
    for (const op of this.ops) {
      const last = op.log[op.log.length - 1];
      if (last !== undefined && last[0] > max) max = last[0];
    }
    return max;
  }

  logEntriesAfter(serial: number | null): LogEntry[] {
    const out: LogEntry[] = [];
    for (const op of this.ops) {
      for (const entry of op.log) if (serial === null || entry[0] > serial) out.push(entry);
    }
    return out;
  }

  /** The job file text: compact JSON and a newline, keys in the order Ganeti 3.x writes them. */
  toFileText(): string {
    return `{"id":${this.id},"ops":[${this.ops.map((op) => op.toJson()).join(',')}]${this.fileTail()}`;
  }

  /** Whether an opcode's input is large enough to be written with toFileBytes. */
  get largeInput(): boolean {
    return this.ops.some((op) => op.largeInput);
  }

  /**
   * toFileText's exact bytes, made in slices between `pause`s: the text of a 60 MiB opcode and
   * its UTF-8 encoding stopped the daemon for half a second in one go (docs/job-file.md).
   */
  async toFileBytes(pause: () => Promise<void>): Promise<Buffer> {
    const parts: Buffer[] = [Buffer.from(`{"id":${this.id},"ops":[`)];
    for (let i = 0; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      if (i > 0) parts.push(Buffer.from(','));
      if (op.largeInput) parts.push(...(await op.toBytes(pause)));
      else parts.push(Buffer.from(op.toJson(), 'utf8'));
    }
    parts.push(Buffer.from(`]${this.fileTail()}`, 'utf8'));
    // Shared memory: the writer thread reads it where it is, without a copy (durable-writer.ts).
    return concatSliced(parts, pause, true);
  }

  private fileTail(): string {
    let text =
      `,"received_timestamp":${tsJson(this.receivedTimestamp)},"start_timestamp":${tsJson(this.startTimestamp)},` +
      `"end_timestamp":${tsJson(this.endTimestamp)}`;
    if (this.extra !== null) {
      for (const [k, v] of Object.entries(this.extra)) text += `,${JSON.stringify(k)}:${stringifyJson(v)}`;
    }
    return text + '}\n';
  }
}

/**
 * A finished job as the queue keeps it once its final state is on disk: what the default
 * `gnt-job list` fields, the monitor's rows and housekeeping read, in about 100 bytes instead of
 * the 1.2 KB of a QueuedJob with its opcodes, results, logs and reason trails. Any other field
 * is read from the job file, which a finished job no longer changes (docs/queries.md).
 * Timestamps are kept as small integers (seconds, microseconds), null when absent: a double
 * would be a heap number of its own.
 */
export class FinishedJob {
  constructor(
    readonly id: number,
    readonly status: JobStatus,
    /** The opcodes' summaries: a string for the usual one opcode, else one per opcode. */
    private readonly summaryText: string | readonly string[],
    private readonly receivedS: number | null,
    private readonly receivedUs: number,
    private readonly startS: number | null,
    private readonly startUs: number,
    private readonly endS: number | null,
    private readonly endUs: number,
  ) {}

  /** The record of a finished job; summaries are the caller's (the opcode catalogue is a layer above). */
  static of(job: QueuedJob, summaries: readonly string[]): FinishedJob {
    const [rs, ru] = small(job.receivedTimestamp);
    const [ss, su] = small(job.startTimestamp);
    const [es, eu] = small(job.endTimestamp);
    const text = summaries.length === 1 ? pooled(summaries[0]!) : summaries.map(pooled);
    return new FinishedJob(job.id, job.status, text, rs, ru, ss, su, es, eu);
  }

  get finalized(): boolean {
    return true;
  }

  /** Nothing is left to run: the default (QueuedJob.priority). */
  get priority(): number {
    return OP_PRIO_DEFAULT;
  }

  /** Only live jobs are kept. */
  get archived(): boolean {
    return false;
  }

  get summaries(): readonly string[] {
    return typeof this.summaryText === 'string' ? [this.summaryText] : this.summaryText;
  }

  get receivedTimestamp(): Timestamp | null {
    return this.receivedS === null ? null : [this.receivedS, this.receivedUs];
  }

  get startTimestamp(): Timestamp | null {
    return this.startS === null ? null : [this.startS, this.startUs];
  }

  get endTimestamp(): Timestamp | null {
    return this.endS === null ? null : [this.endS, this.endUs];
  }
}

/**
 * A timestamp as two small integers. Arithmetic (nowTimestamp) can leave an integral value in a
 * double's form, which a field would hold in a heap number of its own: `| 0` gives the integer.
 */
function small(ts: Timestamp | null): [number | null, number] {
  if (ts === null) return [null, 0];
  const int32 = (v: number): number => (v === (v | 0) ? v | 0 : v);
  return [int32(ts[0]), int32(ts[1])];
}

/** Summaries repeat from job to job ("TEST_DELAY(0.0)"): finished jobs share one copy of each. */
const summaryPool = new Map<string, string>();
const SUMMARY_POOL_SIZE = 4096;

function pooled(summary: string): string {
  const known = summaryPool.get(summary);
  if (known !== undefined) return known;
  if (summaryPool.size >= SUMMARY_POOL_SIZE) summaryPool.clear();
  summaryPool.set(summary, summary);
  return summary;
}

/** A job as the live queue holds it: whole while it may change, compact once finished and written. */
export type JobRecord = QueuedJob | FinishedJob;

export class CorruptJobError extends Error {}

const JOB_KEYS = new Set(['id', 'ops', 'received_timestamp', 'start_timestamp', 'end_timestamp']);
// 3.x job processes write these; they describe a process that no longer exists.
const DROPPED_KEYS = new Set(['livelock', 'process_id']);

function readTimestamp(v: unknown, what: string): Timestamp | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') {
    return [v[0], v[1]];
  }
  throw new CorruptJobError(`invalid ${what}`);
}

function readOpcode(raw: unknown, idx: number): QueuedOpcode {
  if (!isObject(raw)) throw new CorruptJobError(`opcode ${idx} is not an object`);
  const op = new QueuedOpcode(raw.input ?? null);
  const status = raw.status;
  if (typeof status !== 'string' || !(OP_STATUSES as readonly string[]).includes(status)) {
    throw new CorruptJobError(`opcode ${idx} has an invalid status`);
  }
  op.status = status as OpStatus;
  op.result = raw.result ?? null;
  const log = raw.log ?? [];
  if (!Array.isArray(log)) throw new CorruptJobError(`opcode ${idx} has an invalid log`);
  for (const entry of log) {
    if (!Array.isArray(entry) || entry.length !== 4 || typeof entry[0] !== 'number') {
      throw new CorruptJobError(`opcode ${idx} has an invalid log entry`);
    }
  }
  op.log = log as LogEntry[];
  if (raw.priority !== undefined && raw.priority !== null) {
    if (typeof raw.priority !== 'number' || !Number.isInteger(raw.priority)) {
      throw new CorruptJobError(`opcode ${idx} has an invalid priority`);
    }
    op.priority = raw.priority;
  } else {
    op.priority = OP_PRIO_DEFAULT;
  }
  op.startTimestamp = readTimestamp(raw.start_timestamp, 'start_timestamp');
  op.execTimestamp = readTimestamp(raw.exec_timestamp, 'exec_timestamp');
  op.endTimestamp = readTimestamp(raw.end_timestamp, 'end_timestamp');
  return op;
}

/** Reads a job file written by ganeti-ts or by Ganeti 2.10/3.x. Throws CorruptJobError. */
export function parseJobFile(text: string, expectedId: number, archived = false): QueuedJob {
  let raw: unknown;
  try {
    raw = parseJson(text);
  } catch (err) {
    throw new CorruptJobError(`invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) throw new CorruptJobError('not a JSON object');
  if (raw.id !== expectedId && raw.id !== String(expectedId)) {
    throw new CorruptJobError(`contains job id ${String(raw.id)}, expected ${expectedId}`);
  }
  if (!Array.isArray(raw.ops) || raw.ops.length === 0) throw new CorruptJobError('has no opcodes');
  const job = new QueuedJob(expectedId, raw.ops.map(readOpcode));
  job.receivedTimestamp = readTimestamp(raw.received_timestamp, 'received_timestamp');
  job.startTimestamp = readTimestamp(raw.start_timestamp, 'start_timestamp');
  job.endTimestamp = readTimestamp(raw.end_timestamp, 'end_timestamp');
  job.archived = archived;
  for (const [k, v] of Object.entries(raw)) {
    if (JOB_KEYS.has(k) || DROPPED_KEYS.has(k)) continue;
    job.extra ??= {};
    job.extra[k] = v;
  }
  return job;
}

export const JOB_FILE_RE = /^job-([1-9][0-9]*|0)$/;

export function jobFileName(id: number): string {
  return `job-${id}`;
}

export const JOBS_PER_ARCHIVE_DIRECTORY = 10000;

export function archiveBucket(id: number): string {
  return String(Math.floor(id / JOBS_PER_ARCHIVE_DIRECTORY));
}
