import {Args} from '@oclif/core';
import {formatAutoArchiveResult, parseAutoArchiveAge} from '../../cli/job-output.js';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';

/** What the stock client gives the daemon as time budget: (LUXI_DEF_RWTO - 1) // 2. */
const AUTOARCHIVE_TIMEOUT = 89;

export default class JobAutoarchive extends LuxiCommand {
  static override summary = 'Auto archive jobs older than the given age';
  static override description =
    'Archives every finished job that ended longer ago than AGE: seconds, or a number with one of the ' +
    'suffixes s, m, h, d, w (e.g. 1d, 4w). "all" archives every finished job.';
  static override usage = 'job autoarchive AGE|all';
  static override synopsis = '<age>';
  static override args = {age: Args.string({description: 'Age (e.g. 1d, 1w, 4w) or "all"', ignoreStdin: true})};

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(JobAutoarchive);
    checkArgCount('autoarchive', args, 1, 1);
    const age = parseAutoArchiveAge(args[0]!);
    const [archived, left] = await this.client().autoArchiveJobs(age, AUTOARCHIVE_TIMEOUT);
    writeOut(formatAutoArchiveResult(archived, left));
    return 0;
  }
}
