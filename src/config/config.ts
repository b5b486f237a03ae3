// config.data: the Ganeti-shaped cluster configuration (the subset ganeti-ts uses, same keys).
import {promises as fsp} from 'node:fs';
import {dirname} from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import {parseJson, stringifyJson} from '../json/lossless.js';
import {DurableWriter} from '../queue/durable-writer.js';

export const CONFIG_VERSION = 3000000;
export const DEFAULT_MAX_RUNNING_JOBS = 25;

export interface NodeConfig {
  name: string;
  uuid: string;
  primary_ip: string;
  secondary_ip: string;
  master_candidate: boolean;
  master_capable: boolean;
  vm_capable: boolean;
  offline: boolean;
  drained: boolean;
  group: string;
  ndparams: Record<string, unknown>;
  powered: boolean;
  tags: string[];
  serial_no: number;
  ctime: number;
  mtime: number;
  [key: string]: unknown;
}

export interface NodeGroupConfig {
  name: string;
  uuid: string;
  alloc_policy: string;
  tags: string[];
  serial_no: number;
  ctime: number;
  mtime: number;
  [key: string]: unknown;
}

export interface ClusterConfig {
  cluster_name: string;
  /** The master's node UUID. */
  master_node: string;
  uuid: string;
  master_ip: string;
  master_netdev: string;
  master_netmask: number;
  candidate_pool_size: number;
  max_running_jobs: number;
  tags: string[];
  serial_no: number;
  ctime: number;
  mtime: number;
  [key: string]: unknown;
}

export interface ConfigData {
  version: number;
  cluster: ClusterConfig;
  nodes: Record<string, NodeConfig>;
  nodegroups: Record<string, NodeGroupConfig>;
  instances: Record<string, unknown>;
  networks: Record<string, unknown>;
  disks: Record<string, unknown>;
  filters: Record<string, unknown>;
  serial_no: number;
  ctime: number;
  mtime: number;
  [key: string]: unknown;
}

export class ConfigError extends Error {}

function formatVersion(v: number): string {
  return `${Math.floor(v / 1000000)}.${Math.floor((v % 1000000) / 10000)}.${v % 10000}`;
}

export async function readConfig(path: string): Promise<ConfigData> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Configuration error while opening the configuration file: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseJson(text);
  } catch (err) {
    throw new ConfigError(`Configuration error while opening the configuration file: ${path}: ${(err as Error).message}`);
  }
  const cfg = raw as ConfigData;
  if (cfg === null || typeof cfg !== 'object' || typeof cfg.cluster !== 'object' || typeof cfg.nodes !== 'object') {
    throw new ConfigError(`Configuration error while opening the configuration file: ${path}: missing cluster or nodes`);
  }
  if (cfg.version !== CONFIG_VERSION) {
    throw new ConfigError(
      `Cluster configuration version mismatch, got ${formatVersion(Number(cfg.version))} instead of ${formatVersion(CONFIG_VERSION)}. ` +
        'Please use the upgrade tool to convert the configuration.',
    );
  }
  cfg.nodegroups ??= {};
  return cfg;
}

export async function writeConfig(path: string, cfg: ConfigData): Promise<void> {
  await writeFileAtomic(path, stringifyJson(cfg) + '\n', {mode: 0o640, fsync: true});
  await new DurableWriter().syncDir(dirname(path));
}

export function nodeByName(cfg: ConfigData, name: string): NodeConfig | undefined {
  const lower = name.toLowerCase();
  return Object.values(cfg.nodes).find((n) => n.name.toLowerCase() === lower);
}

export function masterNode(cfg: ConfigData): NodeConfig | undefined {
  return cfg.nodes[cfg.cluster.master_node];
}

/** Node names in Ganeti's "nice" order: digit runs compare numerically (node2 < node10). */
export function niceSort<T>(items: T[], key: (t: T) => string): T[] {
  const collator = new Intl.Collator('en', {numeric: true});
  return [...items].sort((a, b) => collator.compare(key(a), key(b)));
}
