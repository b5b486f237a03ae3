import {Args, Flags} from '@oclif/core';
import {JOB_SELECTION_FLAGS, LuxiCommand, multiJobAction, prepareJobId} from '../../cli/luxi-command.js';
import {opPrereqError} from '../../protocol/errors.js';

export default class JobCancel extends LuxiCommand {
  static override summary = 'Cancel jobs';
  static override description =
    'Cancels the given jobs, or all jobs in a status (--pending: queued, waiting or canceling; --queued; ' +
    '--waiting). Jobs selected by status are listed and the cancellation must be confirmed on the terminal ' +
    'unless --force is given; without a terminal the command refuses (exit status 13). A running job can ' +
    "only be stopped with --kill --yes-do-it. Prints the daemon's answer for each job; the exit status is 1 " +
    'if any job could not be cancelled.';
  static override usage = 'job cancel {[--force] [--kill --yes-do-it] {--pending | --queued | --waiting} | JOB-ID [JOB-ID...]}';
  static override synopsis = '{[--force] [--kill --yes-do-it] {--pending | --queued | --waiting} | <job-id> [<job-id>...]}';
  static override args = {jobs: Args.string({description: 'Job IDs', ignoreStdin: true})};
  static override flags = {
    ...JOB_SELECTION_FLAGS,
    kill: Flags.boolean({description: 'Kill running jobs (needs --yes-do-it)'}),
    'yes-do-it': Flags.boolean({aliases: ['ya-rly'], description: 'Really use --kill'}),
  };

  protected async execute(): Promise<number> {
    const {flags, args, raw} = await this.parseCommand(JobCancel);
    if (flags.kill && !flags['yes-do-it']) {
      throw opPrereqError('The --kill option must be confirmed with --yes-do-it', 'wrong_input');
    }
    const client = this.client();
    return multiJobAction(
      client,
      {
        args,
        selection: this.lastFlagOf(raw, ['pending', 'queued', 'waiting']),
        force: flags.force,
        question: `${flags.kill ? 'KILL' : 'Cancel'} job(s) listed above?`,
        forceHint: flags.kill ? 'kill them' : 'cancel them',
      },
      (jobId) => client.cancelJob(prepareJobId('CancelJob', jobId), flags.kill),
    );
  }
}
