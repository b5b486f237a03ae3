import {Args, Command} from '@oclif/core';
import {describeFailure} from '../../cli/failure.js';
import {submitOpcode} from '../../cli/submit-opcode.js';
import {LuxiClient} from '../../protocol/client.js';

export default class NodeRemove extends Command {
  static override summary = 'Remove a node from the cluster (OP_NODE_REMOVE; not the master)';
  static override usage = 'node remove NAME';
  static override args = {name: Args.string({required: true, description: 'Node to remove'})};

  async run(): Promise<void> {
    const {args} = await this.parse(NodeRemove);
    const client = new LuxiClient();
    try {
      await submitOpcode(client, {OP_ID: 'OP_NODE_REMOVE', node_name: args.name}, (t) => process.stdout.write(t));
    } catch (err) {
      const f = describeFailure(err);
      process.stderr.write(`${f.text}\n`);
      this.exit(f.exitCode);
    } finally {
      client.close();
    }
  }
}
