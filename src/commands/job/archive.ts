import {Args} from '@oclif/core';
import {formatArchiveFailure} from '../../cli/job-output.js';
import {checkArgCount, LuxiCommand, prepareJobId, writeErr} from '../../cli/luxi-command.js';

export default class JobArchive extends LuxiCommand {
  static override summary = 'Archive specified jobs';
  static override description =
    'Moves finished jobs to the archive (queue/archive/). A job that is not finished or does not exist is ' +
    'reported as "Failed to archive job with ID \'N\'" and the exit status is 1.';
  static override usage = 'job archive JOB-ID [JOB-ID...]';
  static override synopsis = '<job-id> [<job-id>...]';
  static override args = {jobs: Args.string({description: 'Job IDs', ignoreStdin: true})};

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(JobArchive);
    checkArgCount('archive', args, 1, null);
    const client = this.client();
    let code = 0;
    for (const jobId of args) {
      if (!(await client.archiveJob(prepareJobId('ArchiveJob', jobId)))) {
        writeErr(formatArchiveFailure(jobId));
        code = 1;
      }
    }
    return code;
  }
}
