import {setTimeout as sleep} from 'node:timers/promises';
import {Flags} from '@oclif/core';
import {intOption} from '../../cli/debug-jobs.js';
import {checkArgCount, LuxiCommand, writeErr, writeOut} from '../../cli/luxi-command.js';
import {pyStr} from '../../format/python.js';
import {formatQueryResult, type ColumnFormatter} from '../../cli/query-table.js';

import {parseFields} from '../job/list.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

/** gnt_debug._LIST_LOCKS_DEF_FIELDS */
const DEFAULT_FIELDS = ['name', 'mode', 'owner', 'pending'];

/** Python truthiness of a lock value: None, "" and [] print as "-". */
const dashIfEmpty =
  (fn: (v: unknown) => string): ColumnFormatter =>
  (value) =>
    value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0) ? '-' : fn(value);

/** The lock table's columns as gnt-debug locks formats them. */
export const LOCK_LIST_FORMAT: Readonly<Record<string, ColumnFormatter>> = {
  mode: dashIfEmpty(pyStr),
  owner: dashIfEmpty((v) => (v as unknown[]).map(pyStr).join(',')),
  // [[mode, [job, ...]], ...] as "mode:job,job, mode:job"
  pending: dashIfEmpty((v) =>
    (v as Array<[unknown, unknown[]]>).map(([mode, owners]) => `${pyStr(mode)}:${owners.map(pyStr).join(',')}`).join(', '),
  ),
};

export default class DebugLocks extends LuxiCommand {
  static override summary = 'Show a list of locks in the master daemon';
  static override description =
    'Lists the locks of the master daemon: name, mode (shared or exclusive), the jobs that own it and the ' +
    'jobs waiting for it, by mode. With --interval N, repeats every N seconds until interrupted.';
  static override usage = 'debug locks [--no-headers] [--separator SEP] [-o FIELDS] [--interval N] [-v]';
  static override synopsis = '[--interval N]';
  static override flags = {
    'no-headers': Flags.boolean({description: "Don't display column headers"}),
    separator: Flags.string({description: 'Separator between output fields (defaults to one space)'}),
    output: Flags.string({char: 'o', description: 'Comma separated list of output fields', helpValue: 'FIELDS'}),
    interval: Flags.string({description: 'Number of seconds between repetions of the command', helpValue: 'N'}),
    verbose: Flags.boolean({char: 'v', description: 'Increase the verbosity of the operation'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(DebugLocks);
    const interval = flags.interval === undefined ? 0 : intOption('--interval', flags.interval);
    checkArgCount('locks', args, 0, 0);
    const fields = parseFields(flags.output, DEFAULT_FIELDS);
    for (;;) {
      const table = formatQueryResult(await this.client().query('lock', fields, null), {
        header: !flags['no-headers'],
        verbose: flags.verbose,
        formatOverride: LOCK_LIST_FORMAT,
        ...(flags.separator === undefined ? {} : {separator: flags.separator}),
      });
      writeErr(table.warning);
      writeOut(table.text);
      if (table.exitCode !== EXIT_SUCCESS) return table.exitCode;
      if (interval === 0) return EXIT_SUCCESS;
      writeOut('\n');
      await sleep(interval * 1000);
    }
  }
}
