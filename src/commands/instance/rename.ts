import {Args, Flags} from '@oclif/core';
import {SUBMIT_FLAGS, submitOrSend} from '../../cli/debug-jobs.js';
import {checkArgCount, CommandFailure, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {pyStr} from '../../format/python.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {EXIT_CONFIRMATION, EXIT_SUCCESS} from '../../process/exit-codes.js';
import {askYesNo} from '../../cli/prompt.js';

export default class InstanceRename extends LuxiCommand {
  static override summary = 'Rename a stopped instance (OP_INSTANCE_RENAME)';
  static override usage = 'instance rename [-f] [--no-name-check] [--no-ip-check] [--submit] [--print-jobid] OLD NEW';
  static override args = {old: Args.string({description: 'Current name', ignoreStdin: true})};
  static override flags = {
    ...SUBMIT_FLAGS,
    force: Flags.boolean({char: 'f', description: 'Do not ask for confirmation'}),
    'no-name-check': Flags.boolean({description: 'Do not resolve the new name through DNS'}),
    'no-ip-check': Flags.boolean({description: "Don't check that the new IP is free"}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceRename);
    checkArgCount('rename', args, 2, 2);
    const [oldName, newName] = args as [string, string];
    if (!flags.force && flags['no-name-check']) {
      const question = `As you disabled the check of the DNS entry, please verify that '${newName}' is a FQDN. Continue?`;
      const answer = await askYesNo(question);
      if (answer === 'no-tty') {
        throw new CommandFailure(
          `Not confirmed: "${question}" needs an answer and standard input is not a terminal. Use -f to go ahead without confirmation.`,
          EXIT_CONFIRMATION,
        );
      }
      if (!answer) return 1;
    }
    const op = {
      OP_ID: 'OP_INSTANCE_RENAME',
      instance_name: oldName,
      new_name: newName,
      name_check: !flags['no-name-check'],
      ip_check: !flags['no-ip-check'],
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'rename'),
    };
    const result = await submitOrSend(this.client(), op, {submitOnly: flags.submit, printJobId: flags['print-jobid']});
    if (result) writeOut(`Instance '${oldName}' renamed to '${pyStr(result)}'\n`);
    return EXIT_SUCCESS;
  }
}
