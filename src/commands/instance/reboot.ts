import {Args, Flags} from '@oclif/core';
import {manyOps, MULTI_FLAGS} from '../../cli/instance-cli.js';
import {LuxiCommand} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';

export default class InstanceReboot extends LuxiCommand {
  static override summary = 'Reboot instances (OP_INSTANCE_REBOOT, one job each); a stopped instance is started';
  static override usage = 'instance reboot [-t soft|hard|full] [--all | --primary | --node] [--force-multi] [--submit] NAME...';
  static override args = {names: Args.string({description: 'Instances (or nodes with --primary/--node)', ignoreStdin: true})};
  static override flags = {
    ...MULTI_FLAGS,
    type: Flags.string({char: 't', description: 'Reboot type', options: ['soft', 'hard', 'full'], default: 'hard'}),
    'shutdown-timeout': Flags.integer({description: 'Seconds to wait for a clean shutdown', default: 120, min: 0}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceReboot);
    return manyOps(this.client(), 'reboot', args, flags, (name) => ({
      OP_ID: 'OP_INSTANCE_REBOOT',
      instance_name: name,
      reboot_type: flags.type,
      ignore_secondaries: false,
      shutdown_timeout: flags['shutdown-timeout'],
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'reboot'),
    }));
  }
}
