import {Args} from '@oclif/core';
import {LIST_FIELDS_FLAGS, runListFields} from '../../cli/list-command.js';
import {LuxiCommand} from '../../cli/luxi-command.js';

export default class InstanceListFields extends LuxiCommand {
  static override summary = 'Lists all available fields for instances';
  static override description =
    'Prints name, type, title and description of the given instance fields (all fields without arguments), ' + 'as used by "list -o".';
  static override usage = 'instance list-fields [--no-headers] [--separator=SEP] [FIELD...]';
  static override args = {fields: Args.string({description: 'Fields to describe (default: all)', ignoreStdin: true})};
  static override flags = LIST_FIELDS_FLAGS;

  protected async execute(): Promise<number> {
    const {flags, args} = await this.parseCommand(InstanceListFields);
    return runListFields(this.client(), 'instance', args, flags);
  }
}
