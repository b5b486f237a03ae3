import {Command, Flags} from '@oclif/core';
import {optparseTokens} from '../cli/optparse-argv.js';
import {DEFAULT_NODED_PORT} from '../rpc/client.js';

export default class Noded extends Command {
  static override summary = 'Run the Ganeti node daemon (the RPC server the master talks to)';
  static override description =
    'Serves the node RPC procedures (voting, test_delay, job queue replication, configuration and ssconf ' +
    'distribution) over HTTPS with the cluster certificate $GANETI_ROOTDIR/var/lib/ganeti/server.pem, and refuses ' +
    'to start without it. Without -f it detaches once it is ready.';
  static override usage = 'noded [-f] [-d] [-b ADDRESS] [-p PORT]';
  static override flags = {
    foreground: Flags.boolean({char: 'f', description: "Don't detach from the current terminal; also log to stderr"}),
    debug: Flags.boolean({char: 'd', description: 'Enable debug messages (one line per RPC call)'}),
    bind: Flags.string({
      char: 'b',
      description: 'Address to listen on (default 0.0.0.0)',
    }),
    port: Flags.integer({char: 'p', description: 'TCP port to listen on', default: DEFAULT_NODED_PORT, min: 1, max: 65535}),
    'detached-child': Flags.boolean({hidden: true}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Noded, optparseTokens(this, Noded.flags, 'ganeti-noded', '[-f] [-d] [-b ADDRESS] [-p PORT]', 'plain'));
    // Loaded here, not at the top: without an oclif manifest every CLI call imports every command module.
    const {runNoded} = await import('../noded/noded.js');
    const code = await runNoded({
      foreground: flags.foreground,
      debug: flags.debug,
      bind: flags.bind,
      port: flags.port,
      detachedChild: flags['detached-child'],
      argv: this.argv.filter((a) => a !== '-f' && a !== '--foreground' && a !== '--detached-child'),
    });
    process.exit(code);
  }
}
