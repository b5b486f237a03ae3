// Tables of query results as the stock client prints them (cli.FormatQueryResult, FormatTable,
// GenericList), including the gnt-job list column formatters.

import {GanetiError} from '../protocol/errors.js';
import type {FieldDefinition, QueryValue} from '../protocol/luxi-contract.js';
import {RS_NODATA, RS_NORMAL, RS_OFFLINE, RS_UNAVAIL, RS_UNKNOWN} from '../query/fields.js';
import {formatTime, formatTimestamp, pyFixed, pyLen, pyStr, pyTruthy, pyTypeName} from '../format/python.js';
import {EXIT_SUCCESS, EXIT_UNKNOWN_FIELD} from '../process/exit-codes.js';

/** A field definition as the client reads it: any kind string (newer servers may add kinds). */
export type QueryField = Readonly<Omit<FieldDefinition, 'kind'> & {kind: string}>;

/** One value of a query row: [result status (RS_*), value]. */
export type ResultCell = Readonly<QueryValue>;

/** The read-only view of a Query answer (docs/luxi.md) that the formatters take. */
export interface QueryResult {
  readonly fields: readonly QueryField[];
  readonly data: readonly (readonly ResultCell[])[];
}

/**
 * Formats one value. Returning a list mirrors a Python formatter that returns a list: the cell
 * prints as str(list), but FormatTable measures the column with len(list) (a stock quirk that
 * misaligns the opstart/opexec/opend columns), and a separator makes the stock client crash.
 */
export type ColumnFormatter = (value: unknown) => string | readonly string[];

export interface TableColumn {
  readonly title: string;
  readonly format: ColumnFormatter;
  readonly alignRight: boolean;
}

/** Abnormal result statuses: [verbose text, normal text]. */
const RESULT_STATUS_TEXT = new Map<number, readonly [string, string]>([
  [RS_UNKNOWN, ['(unknown)', '??']],
  [RS_NODATA, ['(nodata)', '?']],
  [RS_UNAVAIL, ['(unavail)', '-']],
  [RS_OFFLINE, ['(offline)', '*']],
]);

function cellText(cell: string | readonly string[]): string {
  return typeof cell === 'string' ? cell : pyStr(cell);
}

const spaces: string[] = [''];
function pad(n: number): string {
  while (spaces.length <= n) spaces.push(spaces[spaces.length - 1] + ' ');
  return spaces[n]!;
}

/**
 * cli.FormatTable: one line per row (header first when asked for). Without a separator, columns
 * are padded to their widest cell and joined by one space; a left-aligned last column is not
 * padded. With a separator, cells are joined by it unpadded.
 */
export function formatTable(
  rows: readonly (readonly unknown[])[],
  columns: readonly TableColumn[],
  header: boolean,
  separator?: string,
): string[] {
  const ncols = columns.length;
  const cells: (string | readonly string[])[] = [];
  if (header) for (const col of columns) cells.push(col.title);
  for (const row of rows) {
    for (let i = 0; i < ncols; i++) cells.push(columns[i]!.format(row[i]));
  }
  const nrows = ncols === 0 ? (header ? 1 : 0) + rows.length : cells.length / ncols;
  const lines: string[] = new Array<string>(nrows);

  if (separator !== undefined) {
    for (let r = 0; r < nrows; r++) {
      const parts: string[] = [];
      for (let i = 0; i < ncols; i++) {
        const cell = cells[r * ncols + i]!;
        if (typeof cell !== 'string') throw new TypeError(`sequence item ${i}: expected str instance, list found`);
        parts.push(cell);
      }
      lines[r] = parts.join(separator);
    }
    return lines;
  }

  const widths = new Array<number>(ncols).fill(0);
  const texts = new Array<string>(cells.length);
  const lengths = new Array<number>(cells.length);
  for (let c = 0; c < cells.length; c++) {
    const cell = cells[c]!;
    const text = cellText(cell);
    texts[c] = text;
    lengths[c] = pyLen(text);
    const i = c % ncols;
    const width = typeof cell === 'string' ? lengths[c]! : cell.length;
    if (width > widths[i]!) widths[i] = width;
  }
  if (ncols > 0 && !columns[ncols - 1]!.alignRight) widths[ncols - 1] = 0;

  for (let r = 0; r < nrows; r++) {
    let line = '';
    for (let i = 0; i < ncols; i++) {
      const c = r * ncols + i;
      const fill = pad(Math.max(0, widths[i]! - lengths[c]!));
      if (i > 0) line += ' ';
      line += columns[i]!.alignRight ? fill + texts[c]! : texts[c]! + fill;
    }
    lines[r] = line;
  }
  return lines;
}

/** utils.FormatUnit without roman numerals: MiB scaled by the unit letter ("h" adds a suffix). */
export function formatUnit(value: unknown, unit: 'h' | 'm'): string {
  if (typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'boolean') {
    throw new GanetiError('ProgrammerError', [`Invalid value specified '${pyStr(value)} (<class '${pyTypeName(value)}'>)'`]);
  }
  const mib = Number(value);
  if (unit === 'm') return pyFixed(mib, 0);
  if (mib < 1024) return pyFixed(mib, 0) + 'M';
  if (mib < 1024 * 1024) return pyFixed(mib / 1024, 1) + 'G';
  return pyFixed(mib / 1024 / 1024, 1) + 'T';
}

function kindFormatter(kind: string, unit: 'h' | 'm'): [ColumnFormatter, boolean] {
  switch (kind) {
    case 'text':
    case 'other':
    case 'unknown':
      return [pyStr, false];
    case 'bool':
      return [(v) => (pyTruthy(v) ? 'Y' : 'N'), false];
    case 'number':
    case 'float':
      return [pyStr, true];
    case 'timestamp':
      return [(v) => formatTime(v), false];
    case 'unit':
      return [(v) => formatUnit(v, unit), true];
    default:
      throw new Error(`Can't format column type '${kind}'`);
  }
}

export type QueryStatus = 'ok' | 'unknown-fields' | 'incomplete';

export interface QueryTableOptions {
  readonly header: boolean;
  readonly separator?: string;
  readonly verbose?: boolean;
  /** Formatters by field name; overridden columns are left-aligned (as in every gnt-job override). */
  readonly formatOverride?: Readonly<Record<string, ColumnFormatter>>;
}

export interface QueryTable {
  /** Exactly what the stock client writes to stdout: one newline-terminated line each. */
  readonly text: string;
  /**
   * QR_UNKNOWN when a value had RS_UNKNOWN (or there were no rows and an unknown field was
   * defined), QR_INCOMPLETE when a value had another abnormal status, else QR_NORMAL.
   */
  readonly status: QueryStatus;
  /** Names of the fields of kind "unknown". */
  readonly unknownFields: string[];
  /** What GenericList writes to stderr before the table ("" when nothing). */
  readonly warning: string;
  /** GenericList's exit code: 14 for QR_UNKNOWN, else 0 (incomplete data is not an error). */
  readonly exitCode: number;
}

/** Lines as written by the stock client's ToStdout: each newline-terminated. */
export function linesText(lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** GenericList's warning line for unknown fields, or "" if there are none. */
export function unknownFieldsWarning(unknownFields: readonly string[]): string {
  return unknownFields.length === 0 ? '' : `Warning: Queried for unknown fields ${unknownFields.join(', ')}\n`;
}

/** cli.FormatQueryResult plus the warning and exit code of cli.GenericList. */
export function formatQueryResult(result: QueryResult, options: QueryTableOptions): QueryTable {
  const unit = options.separator ? 'm' : 'h';
  const verbose = options.verbose ?? false;
  const counts = [0, 0, 0, 0, 0];
  const columns = result.fields.map((fdef): TableColumn => {
    const override = options.formatOverride?.[fdef.name];
    const [fn, alignRight] = override === undefined ? kindFormatter(fdef.kind, unit) : [override, false];
    const format = (cell: unknown): string | readonly string[] => {
      const [status, value] = cell as ResultCell;
      if (Number.isInteger(status) && status >= 0 && status < counts.length) counts[status]!++;
      if (status === RS_NORMAL) return fn(value);
      const text = RESULT_STATUS_TEXT.get(status);
      if (text === undefined) throw new Error(`Unknown status ${String(status)}`);
      return verbose ? text[0] : text[1];
    };
    return {title: fdef.title, format, alignRight};
  });

  const lines = formatTable(result.data, columns, options.header, options.separator);
  const unknownFields = result.fields.filter((f) => f.kind === 'unknown').map((f) => f.name);
  let status: QueryStatus = 'ok';
  if (counts[RS_UNKNOWN]! > 0 || (result.data.length === 0 && unknownFields.length > 0)) status = 'unknown-fields';
  else if (counts.some((n, rs) => rs !== RS_NORMAL && n > 0)) status = 'incomplete';

  return {
    text: linesText(lines),
    status,
    unknownFields,
    warning: unknownFieldsWarning(unknownFields),
    exitCode: status === 'unknown-fields' ? EXIT_UNKNOWN_FIELD : EXIT_SUCCESS,
  };
}

const JOB_STATUSES = new Set(['queued', 'waiting', 'canceling', 'running', 'canceled', 'success', 'error']);

/** gnt-job's status column: one of the seven job statuses, else a ProgrammerError. */
export function formatJobStatus(value: unknown): string {
  if (typeof value === 'string' && JOB_STATUSES.has(value)) return value;
  throw new GanetiError('ProgrammerError', [`Unknown job status code '${pyStr(value)}'`]);
}

function asList(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  throw new TypeError(`'${pyTypeName(value)}' object is not iterable`);
}

function formatSummary(value: unknown): string {
  const items = asList(value);
  items.forEach((item, i) => {
    if (typeof item !== 'string') {
      throw new TypeError(`sequence item ${i}: expected str instance, ${pyTypeName(item)} found`);
    }
  });
  return items.join(',');
}

function formatTimestampList(value: unknown): string[] {
  return asList(value).map(formatTimestamp);
}

/** gnt_job._JOB_LIST_FORMAT, for `gnt-job list` and the tables of cancel/change-priority. */
export const JOB_LIST_FORMAT: Readonly<Record<string, ColumnFormatter>> = {
  status: formatJobStatus,
  summary: formatSummary,
  opstart: formatTimestampList,
  opexec: formatTimestampList,
  opend: formatTimestampList,
};
