// The RPC procedures of the node daemon, one per procedure of the contract
// (src/rpc/noded-contract.ts, docs/luxi.md "Node daemon RPC"). Each takes the decoded JSON
// argument array and returns the payload of `[true, payload]`, or throws RpcFailure.
import {promises as fsp, readFileSync} from 'node:fs';
import {masterNode, readConfig, type ConfigData} from '../config/config.js';
import {writeSsconf} from '../config/ssconf.js';
import {removeFilesDurable, writeFileDurable} from '../durable/files.js';
import {longSleep} from '../long-timeout.js';
import type {GanetiPaths} from '../paths.js';
import {PROTOCOL_VERSION} from '../rpc/client.js';
import type {MasterInfo, NodedTable} from '../rpc/noded-contract.js';
import {localizeVirtualPath, VirtualPathError} from '../rpc/virtual-path.js';
import {instanceProcedures} from './instance-procedures.js';
import {decodeContent, QueueFiles} from './queue-files.js';
import {RpcFailure} from './rpc-failure.js';

/** Any procedure, as the server calls it; `signal` aborts when the caller goes away before the answer. */
export type Procedure = (args: unknown[], signal: AbortSignal) => Promise<unknown> | unknown;

const SSCONF_KEY = /^[a-z0-9_]+$/;
const CONFIG_MODE = 0o640;

function arg(args: unknown[], i: number, what: string): unknown {
  if (args.length <= i) throw new RpcFailure(`Missing argument ${i + 1} (${what})`);
  return args[i];
}

function readSsconf(paths: GanetiPaths, key: string): string | null {
  try {
    return readFileSync(paths.ssconf(key), 'utf8').replace(/\n$/, '');
  } catch {
    return null;
  }
}

async function localConfig(paths: GanetiPaths): Promise<ConfigData | null> {
  try {
    return await readConfig(paths.configFile);
  } catch {
    return null;
  }
}

/** The master's name as this node knows it: ssconf first (all nodes have it), else config.data. */
async function masterName(paths: GanetiPaths): Promise<string> {
  const fromSsconf = readSsconf(paths, 'master_node');
  if (fromSsconf !== null && fromSsconf !== '') return fromSsconf;
  const cfg = await localConfig(paths);
  const master = cfg === null ? undefined : masterNode(cfg);
  if (master === undefined)
    throw new RpcFailure(`Cluster configuration incomplete: no ${paths.ssconf('master_node')} and no usable ${paths.configFile}`);
  return master.name;
}

async function masterInfo(paths: GanetiPaths): Promise<MasterInfo> {
  const name = await masterName(paths);
  const cfg = await localConfig(paths);
  const netmask = readSsconf(paths, 'master_netmask');
  return [
    readSsconf(paths, 'master_netdev') ?? cfg?.cluster.master_netdev ?? null,
    readSsconf(paths, 'master_ip') ?? cfg?.cluster.master_ip ?? null,
    name,
    Number(readSsconf(paths, 'primary_ip_family') ?? 2),
    netmask !== null ? Number(netmask) : (cfg?.cluster.master_netmask ?? 32),
  ];
}

async function uploadFile(paths: GanetiPaths, details: unknown): Promise<null> {
  if (!Array.isArray(details) || details.length < 2) {
    throw new RpcFailure('Invalid upload: expected [file_name, [encoding, data], mode, uid, gid, atime, mtime]');
  }
  const [name, content, mode, , , atime, mtime] = details as unknown[];
  if (typeof name !== 'string') throw new RpcFailure('Invalid upload: file name must be a string');
  let local: string;
  try {
    local = localizeVirtualPath(paths, name);
  } catch (err) {
    if (err instanceof VirtualPathError) throw new RpcFailure(`Filename passed to UploadFile is not absolute: '${name}'`);
    throw err;
  }
  if (local !== paths.configFile) {
    throw new RpcFailure(`Filename passed to UploadFile not in allowed upload targets: '${local}'`);
  }
  const text = decodeContent(content);
  await fsp.mkdir(paths.dataDir, {recursive: true, mode: 0o750});
  // The sender's mode, but never wider than config.data's own: owner read-write, group read.
  await writeFileDurable(local, text, (typeof mode === 'number' ? mode : CONFIG_MODE) & CONFIG_MODE);
  if (typeof atime === 'number' && typeof mtime === 'number') await fsp.utimes(local, atime, mtime);
  return null;
}

async function writeSsconfFiles(paths: GanetiPaths, values: unknown): Promise<null> {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new RpcFailure('Invalid ssconf values: expected an object of key to value');
  }
  const entries = Object.entries(values as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (!SSCONF_KEY.test(key)) throw new RpcFailure(`Invalid ssconf key '${key}'`);
    if (typeof value !== 'string') throw new RpcFailure(`Invalid value for ssconf key '${key}': expected a string`);
  }
  await writeSsconf(paths, Object.fromEntries(entries) as Record<string, string>);
  return null;
}

async function setWatcherPause(paths: GanetiPaths, until: unknown): Promise<null> {
  if (until === null) {
    await removeFilesDurable([paths.watcherPauseFile]);
    return null;
  }
  if (typeof until !== 'number' || !Number.isFinite(until)) throw new RpcFailure('Invalid watcher pause: expected a time or null');
  await fsp.mkdir(paths.dataDir, {recursive: true, mode: 0o750});
  await writeFileDurable(paths.watcherPauseFile, `${Math.trunc(until)}\n`, 0o644);
  return null;
}

/** node_stop_master: ends this node's master daemon (master failover). */
async function stopMaster(queue: QueueFiles): Promise<null> {
  const holder = await queue.masterDaemon();
  if (holder === null) return null;
  if (holder.pid === null) throw new RpcFailure('A master daemon is starting on this node; its pid is not known yet');
  try {
    process.kill(holder.pid, 'SIGTERM');
  } catch (err) {
    throw new RpcFailure(`Cannot stop the master daemon (pid ${holder.pid}): ${(err as Error).message}`);
  }
  return null;
}

async function testDelay(duration: unknown, signal: AbortSignal): Promise<null> {
  if (typeof duration !== 'number' || !Number.isFinite(duration)) throw new RpcFailure('Invalid sleep duration');
  if (duration < 0) throw new RpcFailure('Invalid sleep duration');
  await longSleep(duration * 1000, signal);
  return null;
}

export function nodeProcedures(paths: GanetiPaths): ReadonlyMap<string, Procedure> {
  const queue = new QueueFiles(paths);
  const table: NodedTable = {
    version: () => PROTOCOL_VERSION,
    master_node_name: () => masterName(paths),
    master_info: () => masterInfo(paths),
    test_delay: (a, signal) => testDelay(arg(a, 0, 'duration'), signal),
    jobqueue_update: (a) => queue.update(arg(a, 0, 'file name'), arg(a, 1, 'content')),
    jobqueue_update_many: (a) => queue.updateMany(arg(a, 0, 'files')),
    jobqueue_rename: (a) => queue.rename(arg(a, 0, 'rename list')),
    jobqueue_purge: () => queue.purge(),
    jobqueue_set_drain_flag: (a) => queue.setDrainFlag(arg(a, 0, 'flag')),
    upload_file: (a) => uploadFile(paths, arg(a, 0, 'file details')),
    write_ssconf_files: (a) => writeSsconfFiles(paths, arg(a, 0, 'values')),
    set_watcher_pause: (a) => setWatcherPause(paths, arg(a, 0, 'until')),
    node_stop_master: () => stopMaster(queue),
    ...instanceProcedures(paths),
  };
  return new Map(Object.entries(table) as Array<[string, Procedure]>);
}
