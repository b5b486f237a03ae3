import {Args} from '@oclif/core';
import {formatJobInfo, JOB_INFO_FIELDS} from '../../cli/job-info.js';
import {parseJobIds} from '../../cli/job-output.js';
import {checkArgCount, LuxiCommand, makeSimpleFilter, writeOut} from '../../cli/luxi-command.js';
import {RS_NORMAL} from '../../query/fields.js';
import {EXIT_FAILURE, EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class JobInfo extends LuxiCommand {
  static override summary = 'Show detailed information about the specified jobs';
  static override description =
    'Shows, for each job, its status, timestamps and every opcode with its input fields, result and ' +
    'execution log. A job that does not exist is reported as "Job ID N not found" and makes the ' +
    'command exit with status 1.';
  static override usage = 'job info JOB-ID [JOB-ID...]';
  static override synopsis = '<job-id> [<job-id>...]';
  static override aliases = ['job:show'];
  static override args = {jobs: Args.string({description: 'Job IDs', ignoreStdin: true})};

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(JobInfo);
    checkArgCount('info', args, 1, null);
    const filter = makeSimpleFilter('id', parseJobIds(args));
    const response = await this.client().query('job', [...JOB_INFO_FIELDS], filter);
    writeOut(formatJobInfo(response.data));
    // Stock gnt-job exits 0 here; an operator's script needs to tell that a job was missing.
    return response.data.every((row) => row[1]?.[0] === RS_NORMAL) ? EXIT_SUCCESS : EXIT_FAILURE;
  }
}
