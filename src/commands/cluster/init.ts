import {Args, Command, Flags} from '@oclif/core';
import {ClusterExistsError, initCluster} from '../../cluster/cluster-init.js';
import {resolvePaths} from '../../paths.js';
import {CommandFailure, exitWithFailure} from '../../cli/luxi-command.js';
import {optparseTokens} from '../../cli/optparse-argv.js';

export default class ClusterInit extends Command {
  static override summary = 'Create a one-node cluster with this node as the master';
  static override description =
    'Writes config.data and the ssconf files, and creates the cluster certificate server.pem (a self-signed ' +
    'ECDSA certificate the node daemons use for TLS) unless one exists. This node is the master.';
  static override usage = 'cluster init [--master-node NODE] [--primary-ip IP] [--port N] [--master-netdev DEV] NAME';
  static override args = {name: Args.string({required: true, description: 'Cluster name'})};
  static override flags = {
    'master-node': Flags.string({
      description: 'Name of the master node; it must be this node ($GANETI_HOSTNAME in a virtual cluster, else the host name)',
    }),
    'primary-ip': Flags.string({char: 's', description: "This node's primary IP address", default: '127.0.0.1'}),
    'master-netdev': Flags.string({description: 'Network device of the master IP', default: 'lo'}),
    'max-running-jobs': Flags.integer({description: 'Jobs the master runs at once', min: 1}),
    port: Flags.integer({char: 'p', description: "This node's node daemon port (default 1811)", min: 1, max: 65535}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(
      ClusterInit,
      optparseTokens(
        this,
        ClusterInit.flags,
        'gnt-cluster',
        'init [--master-node NODE] [--primary-ip IP] [--port N] [--master-netdev DEV] NAME',
      ),
    );
    const paths = resolvePaths();
    const master = flags['master-node'];
    if (master !== undefined && master.toLowerCase() !== paths.hostname.toLowerCase()) {
      exitWithFailure(
        this,
        new CommandFailure(`The master node must be the node that runs "cluster init": this is ${paths.hostname}, not ${master}`),
      );
    }
    try {
      await initCluster(paths, {
        clusterName: args.name,
        primaryIp: flags['primary-ip'],
        masterNetdev: flags['master-netdev'],
        ...(flags['max-running-jobs'] !== undefined ? {maxRunningJobs: flags['max-running-jobs']} : {}),
        ...(flags.port !== undefined ? {rpcPort: flags.port} : {}),
      });
    } catch (err) {
      if (err instanceof ClusterExistsError) exitWithFailure(this, new CommandFailure(err.message));
      throw err;
    }
    this.log(`Cluster ${args.name} initialised with ${paths.hostname} as master (${paths.configFile})`);
  }
}
