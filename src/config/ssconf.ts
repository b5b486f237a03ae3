// ssconf_* files: the flat copies of cluster facts that clients and node daemons read.
import {promises as fsp} from 'node:fs';
import type {GanetiPaths} from '../paths.js';
import {writeFilesDurable, type DurableFile} from '../durable/files.js';
import {masterNode, niceSort, type ConfigData} from './config.js';

export const RELEASE_VERSION = '3.0.2';

export function ssconfValues(cfg: ConfigData): Record<string, string> {
  const nodes = niceSort(Object.values(cfg.nodes), (n) => n.name);
  const candidates = nodes.filter((n) => n.master_candidate);
  const lines = (xs: string[]): string => xs.join('\n');
  return {
    cluster_name: cfg.cluster.cluster_name,
    master_node: masterNode(cfg)?.name ?? '',
    master_ip: cfg.cluster.master_ip,
    master_netdev: cfg.cluster.master_netdev,
    node_list: lines(nodes.map((n) => n.name)),
    node_primary_ips: lines(nodes.map((n) => `${n.name} ${n.primary_ip}`)),
    node_secondary_ips: lines(nodes.map((n) => `${n.name} ${n.secondary_ip}`)),
    master_candidates: lines(candidates.map((n) => n.name)),
    master_candidates_ips: lines(candidates.map((n) => n.primary_ip)),
    online_nodes: lines(nodes.filter((n) => !n.offline).map((n) => n.name)),
    offline_nodes: lines(nodes.filter((n) => n.offline).map((n) => n.name)),
    nodegroups: lines(niceSort(Object.values(cfg.nodegroups), (g) => g.name).map((g) => `${g.uuid} ${g.name}`)),
    instance_list: lines(niceSort(Object.values(cfg.instances ?? {}), (i) => i.name).map((i) => i.name)),
    hypervisor_list: lines(enabledHypervisors(cfg)),
    ...Object.fromEntries(enabledHypervisors(cfg).map((hv) => [`hvparams_${hv}`, lines(hvparamLines(cfg, hv))])),
    release_version: RELEASE_VERSION,
    primary_ip_family: '2',
  };
}

function enabledHypervisors(cfg: ConfigData): string[] {
  const hvs = cfg.cluster.enabled_hypervisors;
  return Array.isArray(hvs) ? (hvs as string[]) : ['fake'];
}

/** `key=value` lines of a hypervisor's cluster parameters (Ganeti's ssconf_hvparams_<hv>). */
function hvparamLines(cfg: ConfigData, hv: string): string[] {
  const all = (cfg.cluster.hvparams ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(all[hv] ?? {}).map(([k, v]) => `${k}=${String(v)}`);
}

/**
 * Writes the ssconf files (mode 0444, value + newline) whose content changed, then fsyncs the
 * directory. Most configuration changes touch one or two values; rewriting (and fsyncing) all
 * of them on every node for each change was the bulk of an instance opcode's disk writes.
 */
export async function writeSsconf(paths: GanetiPaths, values: Record<string, string>): Promise<void> {
  await fsp.mkdir(paths.dataDir, {recursive: true, mode: 0o755});
  const changed = await Promise.all(
    Object.entries(values).map(async ([key, value]): Promise<DurableFile | null> => {
      const text = value === '' ? '' : `${value}\n`;
      const current = await fsp.readFile(paths.ssconf(key), 'utf8').catch(() => null);
      return current === text ? null : {path: paths.ssconf(key), content: text, mode: 0o444};
    }),
  );
  await writeFilesDurable(changed.filter((f) => f !== null));
}
