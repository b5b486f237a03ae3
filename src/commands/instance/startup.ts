import {Args, Flags} from '@oclif/core';
import {manyOps, MULTI_FLAGS, parseBeparams, parseKeyVal} from '../../cli/instance-cli.js';
import {LuxiCommand} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';

export default class InstanceStartup extends LuxiCommand {
  static override summary = 'Start instances (OP_INSTANCE_STARTUP, one job each)';
  static override aliases = ['instance:start'];
  static override usage = 'instance startup [--all | --primary | --node] [--force-multi] [-B k=v,...] [-H k=v,...] [--submit] NAME...';
  static override args = {names: Args.string({description: 'Instances (or nodes with --primary/--node)', ignoreStdin: true})};
  static override flags = {
    ...MULTI_FLAGS,
    'backend-parameters': Flags.string({char: 'B', description: 'Temporary backend parameters for this start'}),
    'hypervisor-parameters': Flags.string({char: 'H', description: 'Temporary hypervisor parameters for this start'}),
    'ignore-offline': Flags.boolean({description: 'Only mark the instance up when its primary node is offline'}),
    'no-remember': Flags.boolean({description: "Don't change the instance's configured state"}),
    paused: Flags.boolean({description: 'Start the instance paused'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceStartup);
    const beparams = parseBeparams(flags['backend-parameters']);
    const hvparams = parseKeyVal(flags['hypervisor-parameters'] ?? '');
    return manyOps(this.client(), 'startup', args, flags, (name) => ({
      OP_ID: 'OP_INSTANCE_STARTUP',
      instance_name: name,
      force: false,
      ignore_offline_nodes: flags['ignore-offline'],
      hvparams,
      beparams,
      no_remember: flags['no-remember'],
      startup_paused: flags.paused,
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'startup'),
    }));
  }
}
