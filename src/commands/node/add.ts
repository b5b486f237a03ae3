import {Args, Flags} from '@oclif/core';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {submitOpcode} from '../../cli/submit-opcode.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

const yesNo = (description: string) => Flags.string({options: ['yes', 'no'], description});

export default class NodeAdd extends LuxiCommand {
  static override summary = 'Add a node to the cluster (OP_NODE_ADD, run by the master daemon)';
  static override description =
    "The node's daemon (ganeti noded) must already run, with a copy of the cluster certificate " +
    '(var/lib/ganeti/server.pem) when the cluster has one. The master checks it answers, adds it to the ' +
    'configuration and sends the configuration to every node; a new master candidate receives the job queue.';
  static override usage = 'node add --primary-ip IP [--port N] [--secondary-ip IP] [--readd] [-g GROUP] NAME';
  static override args = {name: Args.string({description: 'Name of the new node', ignoreStdin: true})};
  static override flags = {
    'primary-ip': Flags.string({description: "The node's primary IP address (default: resolved from NAME)"}),
    'secondary-ip': Flags.string({char: 's', description: "The node's secondary IP address (default: the primary)"}),
    port: Flags.integer({char: 'p', description: "The node daemon's port, when not 1811", min: 1, max: 65535}),
    readd: Flags.boolean({description: 'Re-add a node that is already in the configuration'}),
    group: Flags.string({char: 'g', description: 'Node group of the new node'}),
    'master-capable': yesNo('Whether the node can become a master candidate'),
    'vm-capable': yesNo('Whether the node can host instances'),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(NodeAdd);
    checkArgCount('add', args, 1, 1);
    const opt = (v: string | undefined): boolean | null => (v === undefined ? null : v === 'yes');
    await submitOpcode(
      this.client(),
      {
        OP_ID: 'OP_NODE_ADD',
        node_name: args[0],
        primary_ip: flags['primary-ip'] ?? null,
        secondary_ip: flags['secondary-ip'] ?? null,
        readd: flags.readd,
        group: flags.group ?? null,
        master_capable: opt(flags['master-capable']),
        vm_capable: opt(flags['vm-capable']),
        rpc_port: flags.port ?? null,
        reason: extendReasonTrail([], flags.reason, 'gnt-node', 'add'),
      },
      writeOut,
    );
    return EXIT_SUCCESS;
  }
}
