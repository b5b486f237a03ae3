import {Args, Flags} from '@oclif/core';
import {SUBMIT_FLAGS, submitOrSend} from '../../cli/debug-jobs.js';
import {confirmInstanceAction} from '../../cli/instance-confirm.js';
import {prereq} from '../../cli/instance-cli.js';
import {checkArgCount, LuxiCommand} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class InstanceMigrate extends LuxiCommand {
  static override summary = 'Move a running instance to another node without stopping it (OP_INSTANCE_MIGRATE)';
  static override usage = 'instance migrate [-f] -n NODE [--non-live | --migration-mode live|non-live] [--submit] [--print-jobid] NAME';
  static override args = {name: Args.string({description: 'The instance', ignoreStdin: true})};
  static override flags = {
    ...SUBMIT_FLAGS,
    force: Flags.boolean({char: 'f', description: 'Do not ask for confirmation'}),
    'target-node': Flags.string({char: 'n', description: 'The node to migrate to'}),
    iallocator: Flags.string({char: 'I', description: 'Instance allocator (ganeti-ts has none)'}),
    'non-live': Flags.boolean({description: 'Non-live migration'}),
    'migration-mode': Flags.string({description: 'Migration mode', options: ['live', 'non-live']}),
    cleanup: Flags.boolean({description: 'Recover from a failed migration'}),
    'allow-failover': Flags.boolean({description: 'Fail over when the instance cannot be migrated'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceMigrate);
    checkArgCount('migrate', args, 1, 1);
    const name = args[0]!;
    if (flags.iallocator !== undefined && flags['target-node'] !== undefined) {
      throw prereq('Specify either an iallocator (-I), or a target node (-n) but not both');
    }
    const question = flags.cleanup
      ? `Instance ${name} will be recovered from a failed migration. Note that the migration procedure (including cleanup) might impact the instance if anything goes wrong (e.g. due to bugs in the hypervisor). Continue?`
      : `Instance ${name} will be migrated. Note that migration might impact the instance if anything goes wrong (e.g. due to bugs in the hypervisor). Continue?`;
    if (!flags.force && !(await confirmInstanceAction(this.client(), name, question))) return 1;
    if (flags['non-live'] && flags['migration-mode'] !== undefined) {
      throw prereq('Only one of the --non-live and --migration-mode options can be passed');
    }
    const op = {
      OP_ID: 'OP_INSTANCE_MIGRATE',
      instance_name: name,
      mode: flags['non-live'] ? 'non-live' : (flags['migration-mode'] ?? null),
      cleanup: flags.cleanup,
      iallocator: flags.iallocator ?? null,
      target_node: flags['target-node'] ?? null,
      allow_failover: flags['allow-failover'],
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'migrate'),
    };
    await submitOrSend(this.client(), op, {submitOnly: flags.submit, printJobId: flags['print-jobid']});
    return EXIT_SUCCESS;
  }
}
