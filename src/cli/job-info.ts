// `gnt-job info` (gnt_job.ShowJobs) and the YAML-like printer it uses (cli.PrintGenericInfo).

import {RS_NORMAL} from '../query/fields.js';
import {formatLogMessage} from './job-output.js';
import {formatJobStatus, type ResultCell} from './query-table.js';
import {formatTimestamp, pyFixed, pyLen, pyStr} from '../format/python.js';

/** The fields `gnt-job info` queries, in this order. */
export const JOB_INFO_FIELDS = [
  'id',
  'status',
  'ops',
  'opresult',
  'opstatus',
  'oplog',
  'opstart',
  'opexec',
  'opend',
  'received_ts',
  'start_ts',
  'end_ts',
] as const;

/** A Python tuple: printed inline as "[a, b]" when none of its items is a container. */
export class InfoTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** One (key, value[, alignment group]) tuple of an ordered dictionary. */
export type InfoEntry = readonly [key: string, value: unknown, group?: string];

/**
 * A Python list of tuples, i.e. an ordered dictionary. Values sharing an alignment group are
 * aligned on the longest key of the group.
 */
export class InfoPairs {
  constructor(readonly entries: readonly InfoEntry[]) {}
}

const INDENT = '  ';

function isContainer(value: unknown): boolean {
  return value instanceof InfoTuple || value instanceof InfoPairs || (value !== null && typeof value === 'object');
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function serialize(out: string[], data: unknown, level: number, afterKey: boolean): void {
  const startBlock = (): boolean => {
    if (afterKey) out.push('\n');
    return afterKey;
  };

  if (data instanceof InfoPairs && data.entries.length > 0) {
    let indent = startBlock();
    const groupWidth = new Map<string, number>();
    for (const [key, , group] of data.entries) {
      if (group !== undefined) groupWidth.set(group, Math.max(groupWidth.get(group) ?? 0, pyLen(key)));
    }
    for (const [key, value, group] of data.entries) {
      if (indent) out.push(INDENT.repeat(level));
      indent = true;
      out.push(key, ': ');
      if (group !== undefined) out.push(' '.repeat(groupWidth.get(group)! - pyLen(key)));
      serialize(out, value, level + 1, true);
    }
  } else if (data instanceof InfoTuple && !data.items.some(isContainer)) {
    out.push(`[${data.items.map(pyStr).join(', ')}]\n`);
  } else if (data instanceof InfoTuple || data instanceof InfoPairs || Array.isArray(data)) {
    const items = data instanceof InfoTuple ? data.items : data instanceof InfoPairs ? data.entries : data;
    if (items.length === 0) {
      out.push('\n');
      return;
    }
    let indent = startBlock();
    for (const item of items) {
      if (indent) out.push(INDENT.repeat(level));
      indent = true;
      out.push('- ');
      serialize(out, item, level + 1, false);
    }
  } else if (data !== null && typeof data === 'object') {
    const keys = Object.keys(data).sort(compareCodePoints);
    if (keys.length === 0) {
      out.push('\n');
      return;
    }
    let indent = startBlock();
    for (const key of keys) {
      if (indent) out.push(INDENT.repeat(level));
      indent = true;
      out.push(key, ': ');
      serialize(out, (data as Record<string, unknown>)[key], level + 1, true);
    }
  } else {
    out.push(pyStr(data), '\n');
  }
}

/**
 * cli.PrintGenericInfo: the text written to stdout for a tree of ordered dictionaries
 * (InfoPairs), tuples, lists, JSON objects (keys sorted) and scalars (Python str()).
 */
export function formatGenericInfo(data: unknown): string {
  const out: string[] = [];
  serialize(out, data, 0, false);
  return out.join('').replace(/\n+$/, '') + '\n';
}

type Timestamp = readonly [number, number];

function isTimestamp(value: unknown): value is Timestamp {
  return Array.isArray(value);
}

/** gnt_job._CalcDelta, in the same floating-point steps. */
function calcDelta(from: Timestamp, to: Timestamp): number {
  return Number(to[0]) - Number(from[0]) + (Number(to[1]) - Number(from[1])) / 1000000.0;
}

function jobTimestamp(name: string, ts: unknown, prior: unknown = null): InfoEntry {
  if (ts === null || ts === undefined) return [name, `unknown (${pyStr(ts)})`, 'job_timestamp'];
  let delta = '';
  if (isTimestamp(prior) && isTimestamp(ts)) {
    delta = ` (delta ${pyFixed(calcDelta(prior, ts), 6)}s)`;
  }
  return [name, formatTimestamp(ts) + delta, 'job_timestamp'];
}

function opcodeTimestamp(name: string, ts: unknown): InfoEntry {
  return [name, Array.isArray(ts) ? formatTimestamp(ts) : 'N/A', 'opcode_timestamp'];
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function opcodeInfo(op: unknown, result: unknown, status: unknown, log: unknown, start: unknown, exec: unknown, end: unknown): InfoPairs {
  const logEntries = list(log).map((entry) => {
    const [serial, ts, type, msg] = entry as readonly unknown[];
    return new InfoPairs([
      ['Time', formatTimestamp(ts)],
      ['Content', new InfoTuple([serial, type, formatLogMessage(type, msg)])],
    ]);
  });
  return new InfoPairs([
    ['Opcode', (op as Record<string, unknown>).OP_ID],
    ['Status', status],
    opcodeTimestamp('Processing start', start),
    opcodeTimestamp('Execution start', exec),
    opcodeTimestamp('Processing end', end),
    ['Input fields', op],
    ['Result', result],
    ['Execution log', logEntries],
  ]);
}

function jobInfo(row: readonly ResultCell[]): InfoPairs | string {
  const [id, status, ops, opresult, opstatus, oplog, opstart, opexec, opend, received, started, ended] = row.map((cell) => cell[1]);
  if (row[1]![0] !== RS_NORMAL) return `Job ID ${pyStr(id)} not found`;

  const columns = [ops, opresult, opstatus, oplog, opstart, opexec, opend].map(list);
  const count = Math.min(...columns.map((c) => c.length));
  const opcodes: InfoPairs[] = [];
  for (let i = 0; i < count; i++) {
    const [op, result, opStatus, log, start, exec, end] = columns.map((c) => c[i]);
    opcodes.push(opcodeInfo(op, result, opStatus, log, start, exec, end));
  }

  return new InfoPairs([
    ['Job ID', id],
    ['Status', formatJobStatus(status)],
    jobTimestamp('Received', received),
    jobTimestamp('Processing start', started, received),
    jobTimestamp('Processing end', ended, started),
    ['Total processing time', isTimestamp(ended) && isTimestamp(received) ? `${pyFixed(calcDelta(received, ended), 6)} seconds` : 'N/A'],
    ['Opcodes', opcodes],
  ]);
}

/**
 * The stdout text of `gnt-job info` for the rows of a job query on JOB_INFO_FIELDS.
 * Throws the stock client's errors: a GanetiError (ProgrammerError) for an unknown job status,
 * a TypeError for a non-string log message of type "message".
 */
export function formatJobInfo(rows: readonly (readonly ResultCell[])[]): string {
  return formatGenericInfo(rows.map(jobInfo));
}
