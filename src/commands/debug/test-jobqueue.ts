import {PRIORITY_FLAG} from '../../cli/debug-jobs.js';
import {checkArgCount, LuxiCommand} from '../../cli/luxi-command.js';
import {testJobqueue} from '../../cli/test-jobqueue.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class DebugTestJobqueue extends LuxiCommand {
  static override summary = 'Test a few aspects of the job queue';
  static override description =
    "Checks the master daemon's job queue: submissions with an invalid priority are refused (one job alone " +
    'and within SubmitManyJobs), dependencies between the jobs of one submission are resolved and run in ' +
    'order, and OP_TEST_JQUEUE jobs that succeed, fail, or fail part-way report their status and log ' +
    'messages at each step (through notification sockets). Prints each step; exits 1 at the first failure.';
  static override usage = 'debug test-jobqueue [--priority P]';
  static override synopsis = '';
  static override flags = {priority: PRIORITY_FLAG};

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(DebugTestJobqueue);
    checkArgCount('test-jobqueue', args, 0, 0);
    await testJobqueue(this.client(), {
      debug: this.debugLevel > 0,
      generic: {debugLevel: this.debugLevel, priority: flags.priority, reason: flags.reason, client: 'gnt-debug', command: 'test-jobqueue'},
    });
    return EXIT_SUCCESS;
  }
}
