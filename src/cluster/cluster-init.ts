// Creates a one-node cluster: config.data with this node as master, plus ssconf.
import {randomUUID} from 'node:crypto';
import {promises as fsp} from 'node:fs';
import type {GanetiPaths} from '../paths.js';
import {generateClusterCertificate, writeClusterCertificate} from '../rpc/certificate.js';
import {CONFIG_VERSION, DEFAULT_MAX_RUNNING_JOBS, instanceClusterDefaults, writeConfig, type ConfigData} from '../config/config.js';
import {ssconfValues, writeSsconf} from '../config/ssconf.js';

export interface InitOptions {
  clusterName: string;
  primaryIp: string;
  masterNetdev?: string;
  maxRunningJobs?: number;
  /** This node's node daemon port, when not the default. */
  rpcPort?: number;
  /** Create the cluster certificate (server.pem) unless one exists; default true. */
  certificate?: boolean;
}

export class ClusterExistsError extends Error {}

export async function initCluster(paths: GanetiPaths, opts: InitOptions): Promise<ConfigData> {
  try {
    await fsp.access(paths.configFile);
    throw new ClusterExistsError(`Cluster is already initialised (${paths.configFile} exists)`);
  } catch (err) {
    if (err instanceof ClusterExistsError) throw err;
  }
  for (const dir of [paths.dataDir, paths.queueDir, paths.socketDir, paths.logDir]) {
    await fsp.mkdir(dir, {recursive: true, mode: 0o750});
  }
  const now = Date.now() / 1000;
  const nodeUuid = randomUUID();
  const groupUuid = randomUUID();
  const cfg: ConfigData = {
    version: CONFIG_VERSION,
    cluster: {
      cluster_name: opts.clusterName,
      master_node: nodeUuid,
      uuid: randomUUID(),
      master_ip: opts.primaryIp,
      master_netdev: opts.masterNetdev ?? 'lo',
      master_netmask: 32,
      candidate_pool_size: 10,
      max_running_jobs: opts.maxRunningJobs ?? DEFAULT_MAX_RUNNING_JOBS,
      tags: [],
      serial_no: 1,
      ctime: now,
      mtime: now,
      ...instanceClusterDefaults(),
    },
    nodes: {
      [nodeUuid]: {
        name: paths.hostname,
        uuid: nodeUuid,
        primary_ip: opts.primaryIp,
        secondary_ip: opts.primaryIp,
        master_candidate: true,
        master_capable: true,
        vm_capable: true,
        offline: false,
        drained: false,
        group: groupUuid,
        ndparams: {},
        powered: true,
        tags: [],
        serial_no: 1,
        ctime: now,
        mtime: now,
        ...(opts.rpcPort !== undefined ? {rpc_port: opts.rpcPort} : {}),
      },
    },
    nodegroups: {
      [groupUuid]: {
        name: 'default',
        uuid: groupUuid,
        alloc_policy: 'preferred',
        tags: [],
        serial_no: 1,
        ctime: now,
        mtime: now,
      },
    },
    instances: {},
    networks: {},
    disks: {},
    filters: {},
    serial_no: 1,
    ctime: now,
    mtime: now,
  };
  if (opts.certificate !== false && !(await exists(paths.serverCert))) {
    await writeClusterCertificate(paths.serverCert, generateClusterCertificate());
  }
  await writeConfig(paths.configFile, cfg);
  await writeSsconf(paths, ssconfValues(cfg));
  return cfg;
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}
