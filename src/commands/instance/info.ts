import {Args, Flags} from '@oclif/core';
import {formatInstanceInfo} from '../../cli/instance-cli.js';
import {LuxiCommand, pollJob, writeErr, writeOut} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class InstanceInfo extends LuxiCommand {
  static override summary = 'Show the configuration and state of instances (OP_INSTANCE_QUERY_DATA)';
  static override usage = 'instance info [-s] [--all] [--json] NAME...';
  static override args = {names: Args.string({description: 'Instances to describe', ignoreStdin: true})};
  static override flags = {
    static: Flags.boolean({char: 's', description: 'Only the configuration, without asking the nodes'}),
    all: Flags.boolean({description: 'Describe every instance'}),
    json: Flags.boolean({description: 'Print the result as JSON'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceInfo);
    if (args.length === 0 && !flags.all) {
      writeErr(
        'No instance selected. Please pass in --all if you want to query all instances.\nNote that this can take a long time on a big cluster.\n',
      );
      return 1;
    }
    if (args.length > 0 && flags.all) {
      writeErr('Cannot use --all if you specify instance names.\n');
      return 1;
    }
    const op = {
      OP_ID: 'OP_INSTANCE_QUERY_DATA',
      instances: args,
      static: flags.static,
      use_locking: !flags.static,
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'info'),
    };
    const client = this.client();
    const results = await pollJob(client, await client.submitJob([op]), {log: writeOut, notChanged: writeErr});
    const result = (Array.isArray(results) ? results[0] : null) as Record<string, Record<string, unknown>> | null;
    if (flags.json) {
      writeOut(`${JSON.stringify(result, null, 2)}\n`);
      return EXIT_SUCCESS;
    }
    if (result === null || Object.keys(result).length === 0) {
      writeOut('No instances.\n');
      return 1;
    }
    writeOut(formatInstanceInfo(result));
    return EXIT_SUCCESS;
  }
}
