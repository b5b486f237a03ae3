import {Args} from '@oclif/core';
import {formatWatchHeader} from '../../cli/job-output.js';
import {checkArgCount, LuxiCommand, pollJob, writeErr, writeOut} from '../../cli/luxi-command.js';

export default class JobWatch extends LuxiCommand {
  static override summary = 'Follows a job and prints its output as it arrives';
  static override description =
    "Prints the job's log messages (time and text) as they are written, and ends when the job does. " +
    'The exit status is 0 if the job succeeded; otherwise "Job N failed: ..." is printed on stderr and ' +
    'the exit status is 1.';
  static override usage = 'job watch JOB-ID';
  static override synopsis = '<job-id>';
  static override args = {job: Args.string({description: 'Job ID', ignoreStdin: true})};

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(JobWatch);
    checkArgCount('watch', args, 1, 1);
    const jobId = args[0]!;
    writeOut(formatWatchHeader(jobId));
    try {
      await pollJob(this.client(), jobId, {log: writeOut, notChanged: writeErr});
    } catch (err) {
      const failure = this.jobFailure(jobId, err);
      writeErr(failure.text);
      return failure.exitCode;
    }
    return 0;
  }
}
