import {checkArgCount, LuxiCommand} from '../../cli/luxi-command.js';
import {EXIT_FAILURE, EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class ClusterMasterPing extends LuxiCommand {
  static override summary = 'Checks if the master is alive';
  static override description = 'Exits with status 0 when the master daemon answers a query, 1 otherwise; prints nothing.';
  static override usage = 'cluster master-ping';
  static override synopsis = '';

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(ClusterMasterPing);
    checkArgCount('master-ping', args, 0, 0);
    try {
      await this.client().queryClusterInfo();
      return EXIT_SUCCESS;
    } catch {
      return EXIT_FAILURE;
    }
  }
}
