import {Args, Command} from '@oclif/core';
import {withClient} from '../../cli/failure.js';
import {submitOpcode} from '../../cli/submit-opcode.js';

export default class NodeRemove extends Command {
  static override summary = 'Remove a node from the cluster (OP_NODE_REMOVE; not the master)';
  static override usage = 'node remove NAME';
  static override args = {name: Args.string({required: true, description: 'Node to remove'})};

  async run(): Promise<void> {
    const {args} = await this.parse(NodeRemove);
    await withClient(this, async (client) => {
      await submitOpcode(client, {OP_ID: 'OP_NODE_REMOVE', node_name: args.name}, (t) => process.stdout.write(t));
    });
  }
}
