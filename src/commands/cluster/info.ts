import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {formatGenericInfo, InfoPairs} from '../../cli/job-info.js';
import {formatTime, pyStr} from '../../format/python.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class ClusterInfo extends LuxiCommand {
  static override summary = 'Show the cluster configuration';
  static override usage = 'cluster info';
  static override synopsis = '';

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(ClusterInfo);
    checkArgCount('info', args, 0, 0);
    const r = await this.client().queryClusterInfo();
    const tags = r.tags as string[];
    const arch = r.architecture as [string, string];
    const info = new InfoPairs([
      ['Cluster name', r.name],
      ['Cluster UUID', r.uuid],
      ['Creation time', formatTime(r.ctime)],
      ['Modification time', formatTime(r.mtime)],
      ['Master node', r.master],
      ['Architecture (this node)', `${arch[0]} (${arch[1]})`],
      ['Tags', tags.length > 0 ? tags.join(', ') : '(none)'],
      ['Default hypervisor', r.default_hypervisor],
      ['Enabled hypervisors', (r.enabled_hypervisors as string[]).join(', ')],
      [
        'Cluster parameters',
        new InfoPairs([
          ['candidate pool size', pyStr(r.candidate_pool_size)],
          ['maximal number of jobs running simultaneously', pyStr(r.max_running_jobs)],
          ['maximal number of jobs tracked in the queue', pyStr(r.max_tracked_jobs)],
          ['master netdev', r.master_netdev],
          ['master netmask', pyStr(r.master_netmask)],
        ]),
      ],
      ['Software version', r.software_version],
      ['Internode protocol', pyStr(r.protocol_version)],
      ['Configuration format', pyStr(r.config_version)],
    ]);
    writeOut(formatGenericInfo(info));
    return EXIT_SUCCESS;
  }
}
