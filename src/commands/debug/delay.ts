import {Args, Flags} from '@oclif/core';
import {DRY_RUN_FLAG, intOption, PRIORITY_FLAG, setGenericOpcodeOpts, SUBMIT_FLAGS, submitOrSend} from '../../cli/debug-jobs.js';
import {checkArgCount, CommandFailure, LuxiCommand} from '../../cli/luxi-command.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

/** Python's float() of a command-line string. */
function parseFloatArg(text: string): number {
  const t = text.trim().replaceAll('_', '');
  if (!/^[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|inf(inity)?|nan)$/i.test(t)) {
    throw new CommandFailure(`Invalid duration '${text}': not a number`);
  }
  return /inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t);
}

export default class DebugDelay extends LuxiCommand {
  static override summary = 'Executes a TestDelay OpCode';
  static override description =
    'Submits a job with one OP_TEST_DELAY opcode that sleeps DURATION seconds on the master (unless ' +
    '--no-master) and on each node given with -n, REPEAT more times with -r; then follows the job ' +
    'and prints its log, or with --submit prints its ID ("JobID: N" on stderr) and returns at once.';
  static override usage =
    'debug delay [--no-master] [-n NODE...] [-r N] [-i] [-l] [--dry-run] [--priority P] [--submit] [--print-jobid] DURATION';
  static override synopsis = '[<opts>...] <duration>';
  static override args = {duration: Args.string({description: 'Seconds to sleep', ignoreStdin: true})};
  static override flags = {
    'no-master': Flags.boolean({description: 'Do not sleep in the master code'}),
    node: Flags.string({char: 'n', multiple: true, description: 'Select nodes to sleep on', helpValue: 'NODE'}),
    repeat: Flags.string({char: 'r', description: 'Number of times to repeat the sleep', helpValue: 'N'}),
    interruptible: Flags.boolean({
      char: 'i',
      description: 'Allows the opcode to be interrupted by using a domain socket',
    }),
    'no-locks': Flags.boolean({char: 'l', description: "Don't take locks while performing the delay"}),
    'dry-run': DRY_RUN_FLAG,
    priority: PRIORITY_FLAG,
    ...SUBMIT_FLAGS,
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(DebugDelay);
    const repeat = intOption('-r', flags.repeat ?? '0');
    checkArgCount('delay', args, 1, 1);
    const op: Record<string, unknown> = {
      OP_ID: 'OP_TEST_DELAY',
      duration: parseFloatArg(args[0]!),
      on_master: !flags['no-master'],
      on_nodes: flags.node ?? [],
      repeat,
      interruptible: flags.interruptible === true,
      no_locks: flags['no-locks'] === true,
    };
    setGenericOpcodeOpts(op, {
      debugLevel: this.debugLevel,
      dryRun: flags['dry-run'] === true,
      priority: flags.priority,
      reason: flags.reason,
      client: 'gnt-debug',
      command: 'delay',
    });
    await submitOrSend(this.client(), op, {submitOnly: flags.submit, printJobId: flags['print-jobid']});
    return EXIT_SUCCESS;
  }
}
