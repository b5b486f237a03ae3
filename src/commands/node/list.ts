import {Args, Flags} from '@oclif/core';
import {LuxiCommand, writeErr, writeOut} from '../../cli/luxi-command.js';
import {formatQueryResult} from '../../cli/query-table.js';
import {parseFields} from '../job/list.js';

export const DEFAULT_NODE_FIELDS = ['name', 'role', 'pip', 'offline', 'master_candidate', 'drained'];

export default class NodeList extends LuxiCommand {
  static override summary = 'List the nodes of the cluster';
  static override description =
    `Default fields: ${DEFAULT_NODE_FIELDS.join(',')}. "-o +FIELD,..." adds fields to the default list. ` +
    'Fields: name, uuid, pip, sip, master, master_candidate, master_capable, vm_capable, offline, drained, role, ' +
    'group, group.uuid, pinst_cnt, sinst_cnt, tags, serial_no, ctime, mtime.';
  static override usage = 'node list [--no-headers] [--separator SEP] [-o FIELDS] [NAME...]';
  static override synopsis = '[<node-name>...]';
  static override args = {names: Args.string({description: 'Nodes to list (default: all)', ignoreStdin: true})};
  static override flags = {
    'no-headers': Flags.boolean({description: "Don't print the header line"}),
    separator: Flags.string({description: 'Separate the columns with this text instead of aligning them'}),
    output: Flags.string({char: 'o', description: 'Comma-separated fields; "+a,b" appends to the defaults'}),
    verbose: Flags.boolean({char: 'v', description: 'Spell out unavailable values'}),
  };

  protected async execute(): Promise<number> {
    const {args: names, flags} = await this.parseCommand(NodeList);
    const fields = parseFields(flags.output, DEFAULT_NODE_FIELDS);
    const filter = names.length === 0 ? null : ['|', ...names.map((n) => ['=', 'name', n])];
    const result = (await this.client().query('node', fields, filter));
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
