import {Args} from '@oclif/core';
import {parseTimespec} from '../../cli/job-output.js';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {formatCtime} from '../../format/python.js';
import {opPrereqError} from '../../protocol/errors.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

/** gnt-cluster's line about the pause, given the end time the daemon reports (seconds or null). */
export function formatWatcherPause(until: unknown, now = Date.now() / 1000): string {
  if (typeof until !== 'number' || until < now) return 'The watcher is not paused.\n';
  return `The watcher is paused until ${formatCtime(until)}.\n`;
}

export default class ClusterWatcher extends LuxiCommand {
  static override summary = 'Change watcher properties';
  static override description =
    'pause DURATION: the watcher, and the automatic archiving of finished jobs in the master daemon, pause ' +
    'for DURATION (seconds, or a number with one of the suffixes s, m, h, d, w); continue: they resume now; ' +
    'info: prints until when they are paused.';
  static override usage = 'cluster watcher pause DURATION|continue|info';
  static override synopsis = '{pause <timespec>|continue|info}';
  static override args = {
    command: Args.string({description: 'pause, continue or info', ignoreStdin: true}),
    duration: Args.string({description: 'How long to pause (e.g. 30m, 1h, 4h)', ignoreStdin: true}),
  };

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(ClusterWatcher);
    checkArgCount('watcher', args, 1, 2);
    const command = args[0]!;
    const client = this.client();
    if (command === 'continue') {
      await client.setWatcherPause(null);
      writeOut('The watcher is no longer paused.\n');
    } else if (command === 'pause') {
      if (args.length < 2) throw opPrereqError('Missing pause duration', 'wrong_input');
      const seconds = Number(parseTimespec(args[1]!));
      writeOut(formatWatcherPause(await client.setWatcherPause(Date.now() / 1000 + seconds)));
    } else if (command === 'info') {
      const [until] = await client.queryConfigValues(['watcher_pause']);
      writeOut(formatWatcherPause(until));
    } else {
      throw opPrereqError(`Command '${command}' is not valid.`, 'wrong_input');
    }
    return EXIT_SUCCESS;
  }
}
