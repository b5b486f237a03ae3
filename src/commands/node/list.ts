import {Args} from '@oclif/core';
import {LIST_FLAGS, runList} from '../../cli/list-command.js';
import {LuxiCommand} from '../../cli/luxi-command.js';
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
  static override flags = LIST_FLAGS;

  protected async execute(): Promise<number> {
    const {args: names, flags} = await this.parseCommand(NodeList);
    const fields = parseFields(flags.output, DEFAULT_NODE_FIELDS);
    const filter = names.length === 0 ? null : ['|', ...names.map((n) => ['=', 'name', n])];
    return runList(this.client(), 'node', fields, filter, flags);
  }
}
