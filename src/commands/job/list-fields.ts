import {Args, Flags} from '@oclif/core';
import {formatFieldList} from '../../cli/list-fields.js';
import {LuxiCommand, writeErr, writeOut} from '../../cli/luxi-command.js';

export default class JobListFields extends LuxiCommand {
  static override summary = 'Lists all available fields for jobs';
  static override description =
    'Prints name, type, title and description of the given job fields (all fields without arguments), ' +
    'as used by "list -o".';
  static override usage = 'job list-fields [--no-headers] [--separator=SEP] [FIELD...]';
  static override synopsis = '[<fields>...]';
  static override args = {fields: Args.string({description: 'Fields to describe (default: all)', ignoreStdin: true})};
  static override flags = {
    'no-headers': Flags.boolean({description: "Don't display column headers"}),
    separator: Flags.string({description: 'Separator between output fields (defaults to one space)'}),
  };

  protected async execute(): Promise<number> {
    const {flags, args} = await this.parseCommand(JobListFields);
    const response = await this.client().queryFields('job', args.length === 0 ? null : args);
    const list = formatFieldList(response, {
      header: !flags['no-headers'],
      ...(flags.separator === undefined ? {} : {separator: flags.separator}),
    });
    writeErr(list.warning);
    writeOut(list.text);
    return list.exitCode;
  }
}
