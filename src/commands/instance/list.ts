import {Args, Flags} from '@oclif/core';
import {LIST_FLAGS, runList} from '../../cli/list-command.js';
import {LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {pyStr} from '../../format/python.js';
import {parseFields} from '../job/list.js';

/** gnt_instance.ListInstances: list fields printed as comma-separated items. */
const joined = (value: unknown): string => (Array.isArray(value) ? value.map((v) => pyStr(v)).join(',') : pyStr(value));
const LIST_FORMAT_OVERRIDE = Object.fromEntries(
  [
    'tags',
    'disk.sizes',
    'nic.macs',
    'nic.ips',
    'nic.modes',
    'nic.links',
    'nic.bridges',
    'nic.networks',
    'snodes',
    'snodes.group',
    'snodes.group.uuid',
  ].map((f) => [f, joined]),
);

export const DEFAULT_INSTANCE_FIELDS = ['name', 'hypervisor', 'os', 'pnode', 'status', 'oper_ram'];

export default class InstanceList extends LuxiCommand {
  static override summary = 'List the instances and their properties';
  static override description =
    `Default fields: ${DEFAULT_INSTANCE_FIELDS.join(',')}. "-o +FIELD,..." adds fields to the default list; ` +
    '"gnt-instance list-fields" lists every field. --json prints the rows as JSON objects (field name to value, null where no value).';
  static override usage = 'instance list [--no-headers] [--separator SEP] [-o FIELDS] [--json] [NAME...]';
  static override args = {names: Args.string({description: 'Instances to list (default: all)', ignoreStdin: true})};
  static override flags = {
    ...LIST_FLAGS,
    json: Flags.boolean({description: 'Print the rows as a JSON list of objects'}),
  };

  protected async execute(): Promise<number> {
    const {args: names, flags} = await this.parseCommand(InstanceList);
    const fields = parseFields(flags.output, DEFAULT_INSTANCE_FIELDS);
    const filter = names.length === 0 ? null : ['|', ...names.map((n) => ['==', 'name', n])];
    if (flags.json) {
      const result = await this.client().query('instance', fields, filter);
      const rows = result.data.map((row) => Object.fromEntries(row.map(([status, value], i) => [fields[i]!, status === 0 ? value : null])));
      writeOut(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    return runList(this.client(), 'instance', fields, filter, flags, LIST_FORMAT_OVERRIDE);
  }
}
