import {Args, Flags} from '@oclif/core';
import {CommandFailure, JOB_SELECTION_FLAGS, LuxiCommand, multiJobAction, prepareJobId} from '../../cli/luxi-command.js';

/** cli_opts._PRIONAME_TO_VALUE */
const PRIORITIES: Readonly<Record<string, number>> = {low: 10, normal: 0, high: -10};

export default class JobChangePriority extends LuxiCommand {
  static override summary = 'Change the priority of jobs';
  static override description =
    'Changes the priority of the opcodes of the given jobs that have not started yet, or of all jobs in a ' +
    'status (--pending, --queued, --waiting). Jobs selected by status are listed and the change must be ' +
    'confirmed on the terminal unless --force is given; without a terminal the command refuses (exit status ' +
    "13). Prints the daemon's answer for each job; the exit status is 1 if any change failed.";
  static override usage =
    'job change-priority --priority low|normal|high {[--force] {--pending | --queued | --waiting} | JOB-ID [JOB-ID...]}';
  static override synopsis = '--priority <priority> {[--force] {--pending | --queued | --waiting} | <job-id> [<job-id>...]}';
  static override args = {jobs: Args.string({description: 'Job IDs', ignoreStdin: true})};
  static override flags = {
    ...JOB_SELECTION_FLAGS,
    priority: Flags.string({
      description: 'Priority for opcode processing',
      options: Object.keys(PRIORITIES),
      helpValue: 'low|normal|high',
    }),
  };

  protected async execute(): Promise<number> {
    const {flags, args, raw} = await this.parseCommand(JobChangePriority);
    if (flags.priority === undefined) throw new CommandFailure('--priority option must be given.');
    const priority = PRIORITIES[flags.priority]!;
    const client = this.client();
    return multiJobAction(
      client,
      {
        args,
        selection: this.lastFlagOf(raw, ['pending', 'queued', 'waiting']),
        force: flags.force,
        question: 'Change priority of job(s) listed above?',
        forceHint: 'change their priority',
      },
      (jobId) => client.changeJobPriority(prepareJobId('ChangeJobPriority', jobId), priority),
    );
  }
}
