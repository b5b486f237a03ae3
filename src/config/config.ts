// config.data: the Ganeti-shaped cluster configuration (the subset ganeti-ts uses, same keys).
import {promises as fsp} from 'node:fs';
import {parseJson, stringifyJson} from '../json/lossless.js';
import {writeFileDurable} from '../durable/files.js';

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

export interface NicConfig {
  mac: string;
  uuid: string;
  /** Only the parameters given when the NIC was made (mode, link, vlan); the rest come from the cluster. */
  nicparams: Record<string, unknown>;
  ip?: string;
  network?: string;
  name?: string;
}

export type AdminState = 'up' | 'down' | 'offline';

export interface InstanceConfig {
  name: string;
  uuid: string;
  /** Node UUID. */
  primary_node: string;
  os: string;
  hypervisor: string;
  /** Only explicitly set parameters; the cluster's fill the rest. */
  hvparams: Record<string, unknown>;
  beparams: Record<string, unknown>;
  osparams: Record<string, unknown>;
  osparams_private: Record<string, unknown>;
  admin_state: AdminState;
  admin_state_source: 'admin' | 'user';
  nics: NicConfig[];
  disks: string[];
  disks_active: boolean;
  network_port?: number;
  ctime: number;
  mtime: number;
  serial_no: number;
  tags: string[];
  [key: string]: unknown;
}

/**
 * The cluster keys the instance code reads, with the values a Ganeti 3.0 `cluster init` writes
 * for the fake hypervisor and the diskless template (docs/instances.md). ganeti-ts has no
 * instance allocator, so default_iallocator stays empty.
 */
export function instanceClusterDefaults(): Record<string, unknown> {
  const spec = (mem: number, cpu: number, disks: number, size: number, nics: number, spindles: number): Record<string, number> => ({
    'memory-size': mem,
    'disk-size': size,
    'disk-count': disks,
    'cpu-count': cpu,
    'nic-count': nics,
    'spindle-use': spindles,
  });
  return {
    enabled_hypervisors: ['fake'],
    hvparams: {fake: {migration_mode: 'live'}},
    beparams: {default: {minmem: 128, maxmem: 128, vcpus: 1, auto_balance: true, always_failover: false, spindle_use: 1}},
    nicparams: {default: {mode: 'bridged', link: 'xen-br0', vlan: ''}},
    os_hvp: {},
    osparams: {},
    osparams_private_cluster: {},
    mac_prefix: 'aa:00:00',
    default_iallocator: '',
    default_iallocator_params: {},
    enabled_disk_templates: ['diskless'],
    ipolicy: {
      minmax: [{min: spec(128, 1, 1, 1024, 1, 1), max: spec(32768, 8, 16, 1048576, 8, 12)}],
      std: spec(128, 1, 1, 1024, 1, 1),
      'spindle-ratio': 32,
      'vcpu-ratio': 4,
      'disk-templates': ['diskless'],
    },
    diskparams: {diskless: {}},
    enabled_user_shutdown: false,
    highest_used_port: 10999,
    tcpudp_port_pool: [],
    hidden_os: [],
    blacklisted_os: [],
    primary_ip_family: 2,
    uid_pool: [],
    prealloc_wipe_disks: false,
  };
}

export interface ConfigData {
  version: number;
  cluster: ClusterConfig;
  nodes: Record<string, NodeConfig>;
  nodegroups: Record<string, NodeGroupConfig>;
  instances: Record<string, InstanceConfig>;
  networks: Record<string, unknown>;
  disks: Record<string, unknown>;
  filters: Record<string, unknown>;
  serial_no: number;
  ctime: number;
  mtime: number;
  [key: string]: unknown;
}

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The errno code when the file could not be read (ENOENT: there is no configuration). */
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

function formatVersion(v: number): string {
  return `${Math.floor(v / 1000000)}.${Math.floor((v % 1000000) / 10000)}.${v % 10000}`;
}

export async function readConfig(path: string): Promise<ConfigData> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `Configuration error while opening the configuration file: ${(err as Error).message}`,
      (err as NodeJS.ErrnoException).code ?? null,
    );
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
  cfg.instances ??= {};
  for (const [key, value] of Object.entries(instanceClusterDefaults())) {
    if (!Object.hasOwn(cfg.cluster, key)) cfg.cluster[key] = value;
  }
  return cfg;
}

/** Writes config.data durably; `text` is cfg already serialised (stringifyJson + newline). */
export async function writeConfig(path: string, cfg: ConfigData, text = stringifyJson(cfg) + '\n'): Promise<void> {
  await writeFileDurable(path, text, 0o640);
}

export function nodeByName(cfg: ConfigData, name: string): NodeConfig | undefined {
  const lower = name.toLowerCase();
  return Object.values(cfg.nodes).find((n) => n.name.toLowerCase() === lower);
}

/**
 * An instance by name: the exact (case-insensitive) name, else the one instance whose name
 * starts with `name.` (Ganeti expands short names to the FQDN this way).
 */
export function instanceByName(cfg: ConfigData, name: string): InstanceConfig | undefined {
  const lower = name.toLowerCase();
  const all = Object.values(cfg.instances);
  const exact = all.find((i) => i.name.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const prefixed = all.filter((i) => i.name.toLowerCase().startsWith(`${lower}.`));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** A node by name with the same short-name expansion as instances. */
export function expandNode(cfg: ConfigData, name: string): NodeConfig | undefined {
  const exact = nodeByName(cfg, name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const prefixed = Object.values(cfg.nodes).filter((n) => n.name.toLowerCase().startsWith(`${lower}.`));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

export function masterNode(cfg: ConfigData): NodeConfig | undefined {
  return cfg.nodes[cfg.cluster.master_node];
}

/** Node names in Ganeti's "nice" order: digit runs compare numerically (node2 < node10). */
export function niceSort<T>(items: T[], key: (t: T) => string): T[] {
  const collator = new Intl.Collator('en', {numeric: true});
  return [...items].sort((a, b) => collator.compare(key(a), key(b)));
}
