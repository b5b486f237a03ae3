import {Args, Flags} from '@oclif/core';
import {manyOps, MULTI_FLAGS} from '../../cli/instance-cli.js';
import {LuxiCommand} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';

export default class InstanceShutdown extends LuxiCommand {
  static override summary = 'Stop instances (OP_INSTANCE_SHUTDOWN, one job each)';
  static override aliases = ['instance:stop'];
  static override usage = 'instance shutdown [--all | --primary | --node] [--force-multi] [--timeout S] [--submit] NAME...';
  static override args = {names: Args.string({description: 'Instances (or nodes with --primary/--node)', ignoreStdin: true})};
  static override flags = {
    ...MULTI_FLAGS,
    timeout: Flags.integer({description: 'Seconds to wait for a clean shutdown', default: 120, min: 0}),
    'ignore-offline': Flags.boolean({description: 'Only mark the instance down when its primary node is offline'}),
    'no-remember': Flags.boolean({description: "Don't change the instance's configured state"}),
    force: Flags.boolean({char: 'f', description: 'Also shut down an instance marked offline'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceShutdown);
    return manyOps(this.client(), 'shutdown', args, flags, (name) => ({
      OP_ID: 'OP_INSTANCE_SHUTDOWN',
      instance_name: name,
      force: flags.force,
      ignore_offline_nodes: flags['ignore-offline'],
      timeout: flags.timeout,
      no_remember: flags['no-remember'],
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'shutdown'),
    }));
  }
}
