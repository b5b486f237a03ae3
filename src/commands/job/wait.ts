import {Args} from '@oclif/core';
import {checkArgCount, LuxiCommand, pollJob, writeErr} from '../../cli/luxi-command.js';

export default class JobWait extends LuxiCommand {
  static override summary = 'Wait for a job to finish';
  static override description =
    'Waits until the job has finished, printing nothing. The exit status is 0 if the job succeeded; ' +
    'otherwise "Job N failed: ..." is printed on stderr and the exit status is 1.';
  static override usage = 'job wait JOB-ID';
  static override synopsis = '<job-id>';
  static override args = {job: Args.string({description: 'Job ID', ignoreStdin: true})};

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(JobWait);
    checkArgCount('wait', args, 1, 1);
    const jobId = args[0]!;
    try {
      await pollJob(this.client(), jobId);
    } catch (err) {
      const failure = this.jobFailure(jobId, err);
      writeErr(failure.text);
      return failure.exitCode;
    }
    return 0;
  }
}
