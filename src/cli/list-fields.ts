// `gnt-job list-fields` (cli.GenericListFields).

import {pyStr} from '../format/python.js';
import {formatTable, linesText, unknownFieldsWarning, type QueryField, type TableColumn} from './query-table.js';
import {EXIT_SUCCESS, EXIT_UNKNOWN_FIELD} from '../process/exit-codes.js';

/** User-visible names of the field kinds (cli._QFT_NAMES); other kinds print as they are. */
const KIND_NAMES: Readonly<Record<string, string>> = {
  unknown: 'Unknown',
  text: 'Text',
  bool: 'Boolean',
  number: 'Number',
  float: 'Floating-point number',
  unit: 'Storage size',
  timestamp: 'Timestamp',
  other: 'Custom',
};

const COLUMNS: readonly TableColumn[] = ['Name', 'Type', 'Title', 'Description'].map((title) => ({
  title,
  format: pyStr,
  alignRight: false,
}));

export interface FieldListOptions {
  readonly header: boolean;
  readonly separator?: string;
}

export interface FieldList {
  /** Exactly what the stock client writes to stdout. */
  readonly text: string;
  readonly unknownFields: string[];
  /** Written to stderr before the table ("" when nothing). */
  readonly warning: string;
  /** 14 when unknown fields were asked for, else 0. */
  readonly exitCode: number;
}

/** The table printed for a QueryFields result: Name, Type, Title, Description. */
export function formatFieldList(result: {readonly fields: readonly QueryField[]}, options: FieldListOptions): FieldList {
  const rows = result.fields.map((f) => [f.name, Object.hasOwn(KIND_NAMES, f.kind) ? KIND_NAMES[f.kind] : f.kind, f.title, f.doc]);
  const unknownFields = result.fields.filter((f) => f.kind === 'unknown').map((f) => f.name);
  return {
    text: linesText(formatTable(rows, COLUMNS, options.header, options.separator)),
    unknownFields,
    warning: unknownFieldsWarning(unknownFields),
    exitCode: unknownFields.length > 0 ? EXIT_UNKNOWN_FIELD : EXIT_SUCCESS,
  };
}
