import {Args} from '@oclif/core';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {submitOpcode} from '../../cli/submit-opcode.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class NodeRemove extends LuxiCommand {
  static override summary = 'Remove a node from the cluster (OP_NODE_REMOVE; not the master)';
  static override usage = 'node remove NAME';
  static override synopsis = '<node-name>';
  static override args = {name: Args.string({description: 'Node to remove', ignoreStdin: true})};

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(NodeRemove);
    checkArgCount('remove', args, 1, 1);
    await submitOpcode(
      this.client(),
      {OP_ID: 'OP_NODE_REMOVE', node_name: args[0], reason: extendReasonTrail([], flags.reason, 'gnt-node', 'remove')},
      writeOut,
    );
    return EXIT_SUCCESS;
  }
}
