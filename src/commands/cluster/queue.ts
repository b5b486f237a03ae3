import {Args} from '@oclif/core';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {opPrereqError} from '../../protocol/errors.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class ClusterQueue extends LuxiCommand {
  static override summary = 'Change queue properties';
  static override description =
    'drain: the master daemon refuses new jobs (SubmitJob answers JobQueueDrainError) until undrain; jobs ' +
    'already in the queue still run. info: prints whether the drain flag is set.';
  static override usage = 'cluster queue drain|undrain|info';
  static override synopsis = 'drain|undrain|info';
  static override args = {command: Args.string({description: 'drain, undrain or info', ignoreStdin: true})};

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(ClusterQueue);
    checkArgCount('queue', args, 1, 1);
    const command = args[0]!;
    const client = this.client();
    if (command === 'drain' || command === 'undrain') {
      await client.setDrainFlag(command === 'drain');
    } else if (command === 'info') {
      const [drained] = await client.queryConfigValues(['drain_flag']);
      writeOut(`The drain flag is ${drained === true ? 'set' : 'unset'}\n`);
    } else {
      throw opPrereqError(`Command '${command}' is not valid.`, 'wrong_input');
    }
    return EXIT_SUCCESS;
  }
}
