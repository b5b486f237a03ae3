import {Command, Flags} from '@oclif/core';
import {resolvePaths, VirtualClusterError} from '../../paths.js';
import {CommandFailure, exitWithFailure} from '../../cli/luxi-command.js';
import {optparseTokens} from '../../cli/optparse-argv.js';

export default class JobTop extends Command {
  static override summary = 'Watch the job queue live in the terminal';
  static override description =
    'A full-screen monitor of the jobs: status counts, the job list (search, sort, status views), a view of one ' +
    'job with its opcodes, inputs, results and whole log, what waiting jobs wait for, the locks, and keys to ' +
    'cancel, reprioritise, archive (also many marked jobs at once) and resubmit jobs or drain the queue. ' +
    'Press ? inside for the keys. Needs a terminal; for scripts use gnt-job list or gnt-job watch.';
  static override usage = 'job top [--socket PATH] [--interval MS]';
  static override flags = {
    socket: Flags.string({description: 'LUXI socket to talk to (default: the query socket)', helpValue: 'PATH'}),
    interval: Flags.integer({
      description: 'Milliseconds between two polls of the job list',
      default: 50,
      min: 10,
      max: 60_000,
      helpValue: 'MS',
    }),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(JobTop, optparseTokens(this, JobTop.flags, 'gnt-job', 'top [--socket PATH] [--interval MS]'));
    if (!process.stdout.isTTY) {
      exitWithFailure(
        this,
        new CommandFailure(
          'gnt-job top needs a terminal, but standard output is not one.\n' +
            "For a job list in scripts use 'gnt-job list' (repeatedly: 'watch gnt-job list'), " +
            "for one job 'gnt-job watch JOB_ID'.",
        ),
      );
    }
    let paths;
    try {
      paths = resolvePaths();
    } catch (err) {
      if (err instanceof VirtualClusterError) exitWithFailure(this, new CommandFailure(err.message));
      throw err;
    }
    // Set before react loads, or its development build is used. ink and react load here, not at
    // the top: every gnt-job command loads this module.
    process.env.NODE_ENV = 'production';
    // The colour library reads FORCE_COLOR when it loads and does not look at NO_COLOR
    // (https://no-color.org): without colour the selection still shows as '>'.
    if ((process.env.NO_COLOR ?? '') !== '') process.env.FORCE_COLOR = '0';
    const {runTop} = await import('../../ui/top.js');
    const code = await runTop({
      intervalMs: flags.interval,
      client: flags.socket === undefined ? {paths} : {paths, socketPath: flags.socket},
    });
    // Quit now, not when the last retry timer and socket of the monitor are gone.
    process.exit(code);
  }
}
