import {Args, Flags} from '@oclif/core';
import {SUBMIT_FLAGS, submitOrSend} from '../../cli/debug-jobs.js';
import {forceHvTypes} from '../../config/hv-params.js';
import {parseBeparams, parseKeyVal} from '../../cli/instance-cli.js';
import {checkArgCount, LuxiCommand, writeErr, writeOut} from '../../cli/luxi-command.js';
import {pyStr} from '../../format/python.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class InstanceModify extends LuxiCommand {
  static override summary = "Change an instance's backend parameters (OP_INSTANCE_SET_PARAMS)";
  static override usage = 'instance modify [-B k=v,...] [-H k=v,...] [--force] [--submit] [--print-jobid] NAME';
  static override args = {name: Args.string({description: 'The instance', ignoreStdin: true})};
  static override flags = {
    ...SUBMIT_FLAGS,
    'backend-parameters': Flags.string({char: 'B', description: 'Backend parameters; "default" resets one'}),
    'hypervisor-parameters': Flags.string({char: 'H', description: 'Hypervisor parameters k=v,...; "default" resets one'}),
    force: Flags.boolean({char: 'f', description: 'Skip the memory check on the primary node'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceModify);
    checkArgCount('modify', args, 1, 1);
    const hv = parseKeyVal(flags['hypervisor-parameters'] ?? '');
    for (const [k, v] of Object.entries(hv)) if (typeof v === 'string' && v.toLowerCase() === 'default') hv[k] = 'default';
    const hvparams = forceHvTypes(hv, ['default']);
    if (flags['backend-parameters'] === undefined && Object.keys(hvparams).length === 0) {
      writeErr('Please give at least one of the parameters.\n');
      return 1;
    }
    const op = {
      OP_ID: 'OP_INSTANCE_SET_PARAMS',
      instance_name: args[0],
      beparams: parseBeparams(flags['backend-parameters']),
      hvparams,
      force: flags.force,
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'modify'),
    };
    const result = (await submitOrSend(this.client(), op, {submitOnly: flags.submit, printJobId: flags['print-jobid']})) as Array<
      [string, unknown]
    > | null;
    if (result !== null && result.length > 0) {
      writeOut(`Modified instance ${args[0]!}\n`);
      for (const [key, value] of result) writeOut(` - ${pyStr(key).padEnd(5)} -> ${pyStr(value)}\n`);
      writeOut(
        "Please don't forget that most parameters take effect only at the next (re)start of the instance initiated by ganeti; restarting from within the instance will not be enough.\n",
      );
      if (Object.keys(hvparams).length > 0) {
        writeOut(
          'Note that changing hypervisor parameters without performing a restart might lead to a crash while performing a live migration. This will be addressed in future Ganeti versions.\n',
        );
      }
    }
    return EXIT_SUCCESS;
  }
}
