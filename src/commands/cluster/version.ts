import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {pyStr} from '../../format/python.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class ClusterVersion extends LuxiCommand {
  static override summary = 'Shows the cluster version';
  static override description = "The master daemon's software, protocol and configuration versions.";
  static override usage = 'cluster version';
  static override synopsis = '';

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(ClusterVersion);
    checkArgCount('version', args, 0, 0);
    const r = await this.client().queryClusterInfo();
    writeOut(
      `Software version: ${pyStr(r.software_version)}\n` +
        `Internode protocol: ${pyStr(r.protocol_version)}\n` +
        `Configuration format: ${pyStr(r.config_version)}\n` +
        `OS api version: ${pyStr(r.os_api_version)}\n` +
        `Export interface: ${pyStr(r.export_version)}\n` +
        `VCS version: ${pyStr(r.vcs_version)}\n`,
    );
    return EXIT_SUCCESS;
  }
}
