import {Args, Flags} from '@oclif/core';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {GanetiError} from '../../protocol/errors.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class InstanceConsole extends LuxiCommand {
  static override summary = "Show how to reach an instance's console (the fake hypervisor has none: a message)";
  static override usage = 'instance console [--show-cmd] NAME';
  static override args = {name: Args.string({description: 'The instance', ignoreStdin: true})};
  static override flags = {
    'show-cmd': Flags.boolean({description: 'Print the command instead of running it'}),
  };

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(InstanceConsole);
    checkArgCount('console', args, 1, 1);
    const name = args[0]!;
    await this.client().queryConfigValues(['cluster_name']);
    const rows = (await this.client().call('QueryInstances', [name], ['console', 'oper_state'], false)) as unknown[][];
    if (rows.length === 0) throw new GanetiError('OpPrereqError', [`Instance '${name}' does not exist`, 'unknown_entity']);
    const [console, running] = rows[0]! as [Record<string, unknown> | null, boolean | null];
    if (console === null) {
      throw new GanetiError('OpExecError', [
        running === true ? `Console information for instance ${name} is unavailable` : `Instance ${name} is not running, can't get console`,
      ]);
    }
    if (console.kind === 'msg') {
      writeOut(`${String(console.message)}\n`);
      return EXIT_SUCCESS;
    }
    throw new GanetiError('OpExecError', [`Unknown console type '${String(console.kind)}'`]);
  }
}
