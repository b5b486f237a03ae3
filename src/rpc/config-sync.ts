// Configuration distribution (docs/architecture.md): config.data to every online master candidate
// (upload_file), the ssconf values to every online node (write_ssconf_files). The sending
// node, which wrote its own copies, is skipped. Failures are returned, never thrown.
import {niceSort, type ConfigData} from '../config/config.js';
import {ssconfValues} from '../config/ssconf.js';
import type {GanetiPaths} from '../paths.js';
import {RPC_TIMEOUT_URGENT_MS, type NodeRpcClient} from './client.js';
import {encodeContent} from './file-content.js';
import {makeVirtualPath} from './virtual-path.js';
import type {NodedArgs} from './noded-contract.js';

export interface SyncFailure {
  node: string;
  procedure: string;
  error: string;
}

/**
 * The owner and group config.data has on a Ganeti node (ensure-dirs: masterd user, confd group),
 * by the names Ganeti 3.0 gives them: its node daemon maps the names it receives to its own
 * users and refuses any other name ("Unknown Ganeti group 'root'"); ours ignores them.
 */
const CONFIG_OWNER = 'gnt-masterd';
const CONFIG_GROUP = 'gnt-confd';

/** The upload_file argument for config.data (Ganeti's _PrepareFileUpload shape). */
export function configUpload(paths: GanetiPaths, text: string): NodedArgs<'upload_file'> {
  const now = Date.now() / 1000;
  return [[makeVirtualPath(paths, paths.configFile), encodeContent(text), 0o640, CONFIG_OWNER, CONFIG_GROUP, now, now]];
}

export async function distributeConfig(
  rpc: NodeRpcClient,
  paths: GanetiPaths,
  cfg: ConfigData,
  configText: string,
  opts: {only?: string[]; ssconfSent?: Map<string, string>} = {},
): Promise<SyncFailure[]> {
  const self = paths.hostname;
  const wanted = (name: string): boolean => name.toLowerCase() !== self && (opts.only === undefined || opts.only.includes(name));
  const nodes = niceSort(Object.values(cfg.nodes), (n) => n.name).filter((n) => !n.offline && wanted(n.name));
  const candidates = nodes.filter((n) => n.master_candidate).map((n) => n.name);
  const values = ssconfValues(cfg);
  // Most changes (an instance started or stopped) leave the ssconf values as they were: a node
  // that already has them is not sent them again (Ganeti writes them only when the cluster
  // serial number moves).
  const key = JSON.stringify(values);
  const sent = opts.ssconfSent;
  const ssconfNodes = nodes.map((n) => n.name).filter((n) => sent?.get(n) !== key);
  const [uploads, ssconf] = await Promise.all([
    rpc.callNodes(candidates, 'upload_file', configUpload(paths, configText), RPC_TIMEOUT_URGENT_MS),
    rpc.callNodes(ssconfNodes, 'write_ssconf_files', [values], RPC_TIMEOUT_URGENT_MS),
  ]);
  for (const r of ssconf) {
    if (r.ok) sent?.set(r.node, key);
    else sent?.delete(r.node);
  }
  return [
    ...uploads.filter((r) => !r.ok).map((r) => ({node: r.node, procedure: 'upload_file', error: String(r.payload)})),
    ...ssconf.filter((r) => !r.ok).map((r) => ({node: r.node, procedure: 'write_ssconf_files', error: String(r.payload)})),
  ];
}
