import {Args, Flags} from '@oclif/core';
import {SUBMIT_FLAGS, submitOrSend} from '../../cli/debug-jobs.js';
import {confirmInstanceAction} from '../../cli/instance-confirm.js';
import {prereq} from '../../cli/instance-cli.js';
import {checkArgCount, LuxiCommand} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class InstanceFailover extends LuxiCommand {
  static override summary = 'Move an instance to another node by stopping and starting it (OP_INSTANCE_FAILOVER)';
  static override usage = 'instance failover [-f] -n NODE [--ignore-consistency] [--submit] [--print-jobid] NAME';
  static override args = {name: Args.string({description: 'The instance', ignoreStdin: true})};
  static override flags = {
    ...SUBMIT_FLAGS,
    force: Flags.boolean({char: 'f', description: 'Do not ask for confirmation'}),
    'target-node': Flags.string({char: 'n', description: 'The node to fail over to'}),
    iallocator: Flags.string({char: 'I', description: 'Instance allocator (ganeti-ts has none)'}),
    'ignore-consistency': Flags.boolean({description: 'Go on when the source node cannot stop the instance'}),
    'shutdown-timeout': Flags.integer({description: 'Seconds to wait for a clean shutdown', default: 120, min: 0}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceFailover);
    checkArgCount('failover', args, 1, 1);
    const name = args[0]!;
    if (flags.iallocator !== undefined && flags['target-node'] !== undefined) {
      throw prereq('Specify either an iallocator (-I), or a target node (-n) but not both');
    }
    const question = `Failover will happen to image ${name}. This requires a shutdown of the instance. Continue?`;
    if (!flags.force && !(await confirmInstanceAction(this.client(), name, question))) return 1;
    const op = {
      OP_ID: 'OP_INSTANCE_FAILOVER',
      instance_name: name,
      ignore_consistency: flags['ignore-consistency'],
      shutdown_timeout: flags['shutdown-timeout'],
      iallocator: flags.iallocator ?? null,
      target_node: flags['target-node'] ?? null,
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'failover'),
    };
    await submitOrSend(this.client(), op, {submitOnly: flags.submit, printJobId: flags['print-jobid']});
    return EXIT_SUCCESS;
  }
}
