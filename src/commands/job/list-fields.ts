import {Args} from '@oclif/core';
import {LIST_FIELDS_FLAGS, runListFields} from '../../cli/list-command.js';
import {LuxiCommand} from '../../cli/luxi-command.js';

export default class JobListFields extends LuxiCommand {
  static override summary = 'Lists all available fields for jobs';
  static override description =
    'Prints name, type, title and description of the given job fields (all fields without arguments), ' + 'as used by "list -o".';
  static override usage = 'job list-fields [--no-headers] [--separator=SEP] [FIELD...]';
  static override synopsis = '[<fields>...]';
  static override args = {fields: Args.string({description: 'Fields to describe (default: all)', ignoreStdin: true})};
  static override flags = LIST_FIELDS_FLAGS;

  protected async execute(): Promise<number> {
    const {flags, args} = await this.parseCommand(JobListFields);
    return runListFields(this.client(), 'job', args, flags);
  }
}
