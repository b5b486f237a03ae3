import {Args, Flags} from '@oclif/core';
import {LuxiCommand, writeErr, writeOut} from '../../cli/luxi-command.js';
import {formatQueryResult} from '../../cli/query-table.js';
import {parseFields} from '../job/list.js';

export const DEFAULT_INSTANCE_FIELDS = ['name', 'hypervisor', 'os', 'pnode', 'status', 'oper_ram'];

export default class InstanceList extends LuxiCommand {
  static override summary = 'List the instances and their properties';
  static override description =
    `Default fields: ${DEFAULT_INSTANCE_FIELDS.join(',')}. "-o +FIELD,..." adds fields to the default list; ` +
    '"gnt-instance list-fields" lists every field. --json prints the rows as JSON objects (field name to value, null where no value).';
  static override usage = 'instance list [--no-headers] [--separator SEP] [-o FIELDS] [--json] [NAME...]';
  static override args = {names: Args.string({description: 'Instances to list (default: all)', ignoreStdin: true})};
  static override flags = {
    'no-headers': Flags.boolean({description: "Don't print the header line"}),
    separator: Flags.string({description: 'Separate the columns with this text instead of aligning them'}),
    output: Flags.string({char: 'o', description: 'Comma-separated fields; "+a,b" appends to the defaults'}),
    verbose: Flags.boolean({char: 'v', description: 'Spell out unavailable values'}),
    json: Flags.boolean({description: 'Print the rows as a JSON list of objects'}),
  };

  protected async execute(): Promise<number> {
    const {args: names, flags} = await this.parseCommand(InstanceList);
    const fields = parseFields(flags.output, DEFAULT_INSTANCE_FIELDS);
    const filter = names.length === 0 ? null : ['|', ...names.map((n) => ['==', 'name', n])];
    const result = (await this.client().query('instance', fields, filter));
    if (flags.json) {
      const rows = result.data.map((row) => Object.fromEntries(row.map(([status, value], i) => [fields[i]!, status === 0 ? value : null])));
      writeOut(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const table = formatQueryResult(result, {
      header: !flags['no-headers'],
      verbose: flags.verbose,
      ...(flags.separator !== undefined ? {separator: flags.separator} : {}),
    });
    writeErr(table.warning);
    writeOut(table.text);
    return table.exitCode;
  }
}
