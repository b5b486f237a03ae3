import {Args, Command, Flags} from '@oclif/core';
import {withClient} from '../../cli/failure.js';
import {formatQueryResult, type QueryResult} from '../../cli/query-table.js';

export const DEFAULT_NODE_FIELDS = ['name', 'role', 'pip', 'offline', 'master_candidate', 'drained'];

export default class NodeList extends Command {
  static override summary = 'List the nodes of the cluster';
  static override description =
    `Default fields: ${DEFAULT_NODE_FIELDS.join(',')}. "-o +FIELD,..." adds fields to the default list. ` +
    'Fields: name, uuid, pip, sip, master, master_candidate, master_capable, vm_capable, offline, drained, role, ' +
    'group, group.uuid, pinst_cnt, sinst_cnt, tags, serial_no, ctime, mtime.';
  static override usage = 'node list [--no-headers] [--separator SEP] [-o FIELDS] [NAME...]';
  static override strict = false;
  static override args = {names: Args.string({required: false, description: 'Nodes to list (default: all)'})};
  static override flags = {
    'no-headers': Flags.boolean({description: "Don't print the header line"}),
    separator: Flags.string({description: 'Separate the columns with this text instead of aligning them'}),
    output: Flags.string({char: 'o', description: 'Comma-separated fields; "+a,b" appends to the defaults'}),
    verbose: Flags.boolean({char: 'v', description: 'Spell out unavailable values'}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(NodeList);
    const names = argv as string[];
    const output = flags.output;
    const fields =
      output === undefined
        ? DEFAULT_NODE_FIELDS
        : output.startsWith('+')
          ? [...DEFAULT_NODE_FIELDS, ...output.slice(1).split(',')]
          : output.split(',');
    const filter = names.length === 0 ? null : ['|', ...names.map((n) => ['=', 'name', n])];
    await withClient(this, async (client) => {
      const result = (await client.query('node', fields, filter)) as unknown as QueryResult;
      const table = formatQueryResult(result, {
        header: !flags['no-headers'],
        verbose: flags.verbose,
        ...(flags.separator !== undefined ? {separator: flags.separator} : {}),
      });
      if (table.warning !== '') process.stderr.write(table.warning);
      process.stdout.write(table.text);
      if (table.exitCode !== 0) this.exit(table.exitCode);
    });
  }
}
