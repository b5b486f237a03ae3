import {Args, Flags} from '@oclif/core';
import {parseBeparams, pollJob} from '../../cli/instance-cli.js';
import {checkArgCount, EXIT_SUCCESS, LuxiCommand, writeErr, writeOut} from '../../cli/luxi-command.js';
import {pyStr} from '../../format/python.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';

export default class InstanceModify extends LuxiCommand {
  static override summary = "Change an instance's backend parameters (OP_INSTANCE_SET_PARAMS)";
  static override usage = 'instance modify -B k=v,... [--force] NAME';
  static override args = {name: Args.string({description: 'The instance', ignoreStdin: true})};
  static override flags = {
    'backend-parameters': Flags.string({char: 'B', description: 'Backend parameters; "default" resets one'}),
    force: Flags.boolean({char: 'f', description: 'Skip the memory check on the primary node'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceModify);
    checkArgCount('modify', args, 1, 1);
    if (flags['backend-parameters'] === undefined) {
      writeErr('Please give at least one of the parameters.\n');
      return 1;
    }
    const op = {
      OP_ID: 'OP_INSTANCE_SET_PARAMS',
      instance_name: args[0],
      beparams: parseBeparams(flags['backend-parameters']),
      force: flags.force,
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'modify'),
    };
    const result = (await pollJob(this.client(), await this.client().submitJob([op]))) as Array<[string, unknown]> | null;
    if (result !== null && result.length > 0) {
      writeOut(`Modified instance ${args[0]!}\n`);
      for (const [key, value] of result) writeOut(` - ${pyStr(key).padEnd(5)} -> ${pyStr(value)}\n`);
      writeOut(
        "Please don't forget that most parameters take effect only at the next (re)start of the instance initiated by ganeti; restarting from within the instance will not be enough.\n",
      );
    }
    return EXIT_SUCCESS;
  }
}
