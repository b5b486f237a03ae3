// What the simple `list` and `list-fields` commands share (cli.GenericList and
// cli.GenericListFields): the flags, one Query or QueryFields call, the table on stdout and the
// unknown-field warning on stderr, exit status from the result.
import {Flags} from '@oclif/core';
import type {LuxiClient} from '../protocol/client.js';
import {formatFieldList} from './list-fields.js';
import {writeErr, writeOut} from './luxi-command.js';
import {formatQueryResult, type ColumnFormatter, type QueryResult} from './query-table.js';

export const LIST_FLAGS = {
  'no-headers': Flags.boolean({description: "Don't print the header line"}),
  separator: Flags.string({description: 'Separate the columns with this text instead of aligning them'}),
  output: Flags.string({char: 'o', description: 'Comma-separated fields; "+a,b" appends to the defaults'}),
  verbose: Flags.boolean({char: 'v', description: 'Spell out unavailable values'}),
};

export interface ListFlags {
  'no-headers': boolean;
  separator?: string | undefined;
  verbose: boolean;
}

/** One Query of `resource`, printed as the stock tools print it; returns the exit status. */
export async function runList(
  client: LuxiClient,
  resource: string,
  fields: string[],
  filter: unknown,
  flags: ListFlags,
  formatOverride?: Readonly<Record<string, ColumnFormatter>>,
): Promise<number> {
  const result = (await client.query(resource, fields, filter)) as unknown as QueryResult;
  const table = formatQueryResult(result, {
    header: !flags['no-headers'],
    verbose: flags.verbose,
    ...(flags.separator !== undefined ? {separator: flags.separator} : {}),
    ...(formatOverride !== undefined ? {formatOverride} : {}),
  });
  writeErr(table.warning);
  writeOut(table.text);
  return table.exitCode;
}

export const LIST_FIELDS_FLAGS = {
  'no-headers': Flags.boolean({description: "Don't display column headers"}),
  separator: Flags.string({description: 'Separator between output fields (defaults to one space)'}),
};

/** QueryFields of `resource` (all fields when none are named), as a table. */
export async function runListFields(
  client: LuxiClient,
  resource: string,
  names: string[],
  flags: {'no-headers': boolean; separator?: string | undefined},
): Promise<number> {
  const response = await client.queryFields(resource, names.length === 0 ? null : names);
  const list = formatFieldList(response, {
    header: !flags['no-headers'],
    ...(flags.separator === undefined ? {} : {separator: flags.separator}),
  });
  writeErr(list.warning);
  writeOut(list.text);
  return list.exitCode;
}
