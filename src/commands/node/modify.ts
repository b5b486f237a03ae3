import {Args, Flags} from '@oclif/core';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {submitOpcode} from '../../cli/submit-opcode.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

const yesNo = (description: string) => Flags.string({options: ['yes', 'no'], description});

export default class NodeModify extends LuxiCommand {
  static override summary = "Change a node's flags (OP_NODE_SET_PARAMS)";
  static override usage =
    'node modify [--offline yes|no] [--master-candidate yes|no] [--drained yes|no] [--master-capable yes|no] ' +
    '[--vm-capable yes|no] [--auto-promote] [--force] NAME';
  static override synopsis = '<node-name>';
  static override args = {name: Args.string({description: 'Node to modify', ignoreStdin: true})};
  static override flags = {
    offline: yesNo('Mark the node offline (it is not contacted; a master candidate is demoted)'),
    'master-candidate': yesNo('Promote the node to master candidate, or demote it'),
    drained: yesNo('Mark the node drained'),
    'master-capable': yesNo('Whether the node can become a master candidate'),
    'vm-capable': yesNo('Whether the node can host instances'),
    'auto-promote': Flags.boolean({description: 'Promote other nodes when this change leaves too few master candidates'}),
    force: Flags.boolean({char: 'f', description: 'Demote a master candidate even if the pool gets too small'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(NodeModify);
    checkArgCount('modify', args, 1, 1);
    const name = args[0]!;
    const opt = (v: string | undefined): boolean | null => (v === undefined ? null : v === 'yes');
    const changes = await submitOpcode(
      this.client(),
      {
        OP_ID: 'OP_NODE_SET_PARAMS',
        node_name: name,
        offline: opt(flags.offline),
        master_candidate: opt(flags['master-candidate']),
        drained: opt(flags.drained),
        master_capable: opt(flags['master-capable']),
        vm_capable: opt(flags['vm-capable']),
        auto_promote: flags['auto-promote'],
        force: flags.force,
        reason: extendReasonTrail([], flags.reason, 'gnt-node', 'modify'),
      },
      writeOut,
    );
    let out = `Modified node ${name}\n`;
    for (const [param, value] of (changes as Array<[string, string]>) ?? []) out += ` - ${param.padEnd(5)} -> ${value}\n`;
    writeOut(out);
    return EXIT_SUCCESS;
  }
}
