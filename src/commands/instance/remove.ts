import {Args, Flags} from '@oclif/core';
import {SUBMIT_FLAGS, submitOrSend} from '../../cli/debug-jobs.js';
import {confirmInstanceAction} from '../../cli/instance-confirm.js';
import {checkArgCount, LuxiCommand} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class InstanceRemove extends LuxiCommand {
  static override summary = 'Remove an instance (OP_INSTANCE_REMOVE): stopped on its node, then dropped from the configuration';
  static override usage = 'instance remove [-f] [--ignore-failures] [--submit] [--print-jobid] NAME';
  static override args = {name: Args.string({description: 'The instance', ignoreStdin: true})};
  static override flags = {
    ...SUBMIT_FLAGS,
    force: Flags.boolean({char: 'f', description: 'Do not ask for confirmation'}),
    'ignore-failures': Flags.boolean({description: 'Remove it from the configuration even if its node fails to stop it'}),
    'shutdown-timeout': Flags.integer({description: 'Seconds to wait for a clean shutdown', default: 120, min: 0}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceRemove);
    checkArgCount('remove', args, 1, 1);
    const name = args[0]!;
    const question = `This will remove the volumes of the instance ${name} (including mirrors), thus removing all the data of the instance. Continue?`;
    if (!flags.force && !(await confirmInstanceAction(this.client(), name, question))) return 1;
    const op = {
      OP_ID: 'OP_INSTANCE_REMOVE',
      instance_name: name,
      ignore_failures: flags['ignore-failures'],
      shutdown_timeout: flags['shutdown-timeout'],
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'remove'),
    };
    await submitOrSend(this.client(), op, {submitOnly: flags.submit, printJobId: flags['print-jobid']});
    return EXIT_SUCCESS;
  }
}
