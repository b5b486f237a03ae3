// What the instance opcodes share: lookups with Ganeti's messages, parameters filled from the
// cluster defaults, the instance dict the node daemons receive, node RPC with Ganeti's error
// wording, and the re-check that an instance did not move while its locks were awaited.
import {lookup} from 'node:dns/promises';
import {Socket} from 'node:net';
import {expandNode, instanceByName, type ConfigData, type InstanceConfig, type NicConfig, type NodeConfig} from '../../config/config.js';
import {checkFakeHvSyntax} from '../../config/hv-params.js';
import {opExecError, opPrereqError, type GanetiError} from '../../protocol/errors.js';
import {DEFAULT_NODED_PORT} from '../../rpc/client.js';
import {BGL, type LockRequest} from '../locks.js';
import type {ClusterServices, NodeRpc, OpEnv} from './logical-unit.js';
import type {NodedArgs, NodedProcedure, NodedResult} from '../../rpc/noded-contract.js';

/** Ganeti's RPC timeout classes. */
export const TMO_URGENT = 60_000;
export const TMO_FAST = 300_000;
export const TMO_NORMAL = 900_000;
export const TMO_SLOW = 3_600_000;

export const BE_KEYS = ['minmem', 'maxmem', 'vcpus', 'auto_balance', 'always_failover', 'spindle_use'] as const;
export interface FilledBe {
  minmem: number;
  maxmem: number;
  vcpus: number;
  auto_balance: boolean;
  always_failover: boolean;
  spindle_use: number;
  [key: string]: unknown;
}

export function opInstance(cfg: ConfigData, name: unknown): InstanceConfig {
  const inst = typeof name === 'string' ? instanceByName(cfg, name) : undefined;
  if (inst === undefined) throw opPrereqError(`Instance '${String(name)}' not known`, 'unknown_entity');
  return inst;
}

export function opNode(cfg: ConfigData, name: string): NodeConfig {
  const node = expandNode(cfg, name);
  if (node === undefined) throw opPrereqError(`Node '${name}' not known`, 'unknown_entity');
  return node;
}

export function nodeOf(cfg: ConfigData, uuid: string): NodeConfig {
  const node = cfg.nodes[uuid];
  if (node === undefined) throw opExecError(`Node ${uuid} of the instance is not in the configuration`);
  return node;
}

export function groupOf(cfg: ConfigData, node: NodeConfig): {uuid: string; name: string} {
  return {uuid: node.group, name: cfg.nodegroups[node.group]?.name ?? node.group};
}

export function clusterBe(cfg: ConfigData): FilledBe {
  const all = (cfg.cluster.beparams ?? {}) as Record<string, FilledBe>;
  return {...(all.default as FilledBe)};
}

export function filledBe(cfg: ConfigData, inst: InstanceConfig, overrides: Record<string, unknown> = {}): FilledBe {
  return {...clusterBe(cfg), ...inst.beparams, ...overrides} as FilledBe;
}

export function clusterHv(cfg: ConfigData, hv: string): Record<string, unknown> {
  const all = (cfg.cluster.hvparams ?? {}) as Record<string, Record<string, unknown>>;
  return {...(all[hv] ?? {})};
}

export function filledHv(cfg: ConfigData, inst: InstanceConfig, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {...clusterHv(cfg, inst.hypervisor), ...inst.hvparams, ...overrides};
}

/** The hypervisor's CheckParameterSyntax on filled parameters (ganeti-ts has only `fake`). */
export function checkHvSyntax(hv: string, filled: Record<string, unknown>): void {
  if (hv === 'fake') checkFakeHvSyntax(filled);
}

export function filledNic(cfg: ConfigData, nic: NicConfig): {mode: string; link: string; vlan: string} {
  const defaults = ((cfg.cluster.nicparams ?? {}) as Record<string, Record<string, unknown>>).default ?? {};
  const p = {...defaults, ...nic.nicparams};
  return {mode: String(p.mode ?? 'bridged'), link: String(p.link ?? ''), vlan: String(p.vlan ?? '')};
}

/** The bridges an instance's NICs need on its node (bridged NICs only). */
export function bridgesOf(cfg: ConfigData, nics: NicConfig[]): string[] {
  return [
    ...new Set(
      nics
        .map((n) => filledNic(cfg, n))
        .filter((p) => p.mode === 'bridged')
        .map((p) => p.link),
    ),
  ];
}

/** The instance as node daemons receive it: parameters filled, no disks, no secondaries. */
export function instanceDict(
  cfg: ConfigData,
  inst: InstanceConfig,
  beOverrides: Record<string, unknown> = {},
  hvOverrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...inst,
    hvparams: filledHv(cfg, inst, hvOverrides),
    beparams: filledBe(cfg, inst, beOverrides),
    disks_info: [],
    secondary_nodes: [],
  };
}

export function rpcOf(env: OpEnv): {rpc: NodeRpc; cluster: ClusterServices} {
  if (env.rpc === undefined || env.cluster === undefined) throw opExecError('Node daemon RPC is not configured on this master');
  return {rpc: env.rpc, cluster: env.cluster};
}

export class NodeCallError extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
  }
}

/** One procedure on one node; rejects with the node's own message. */
export async function callNode<P extends NodedProcedure>(
  env: OpEnv,
  node: NodeConfig,
  procedure: P,
  args: NodedArgs<P>,
  timeoutMs: number,
): Promise<NodedResult<P>> {
  const {rpc} = rpcOf(env);
  const [result] = await rpc([node.name], procedure, args, timeoutMs);
  if (result === undefined || !result.ok) throw new NodeCallError(node.name, String(result?.payload ?? 'no answer'));
  return result.payload;
}

/** Runs a node call and turns its failure into `make(message)`. */
export async function callOr<P extends NodedProcedure>(
  env: OpEnv,
  node: NodeConfig,
  procedure: P,
  args: NodedArgs<P>,
  timeoutMs: number,
  make: (message: string) => GanetiError,
): Promise<NodedResult<P>> {
  try {
    return await callNode(env, node, procedure, args, timeoutMs);
  } catch (err) {
    throw make((err as Error).message);
  }
}

export function hvSpecs(cfg: ConfigData, hv: string): NodedArgs<'node_info'> {
  return [null, [[hv, clusterHv(cfg, hv)]]];
}

/** The free memory a node's hypervisor reports (node_info). */
export async function nodeFreeMemory(env: OpEnv, cfg: ConfigData, node: NodeConfig, hv: string): Promise<number> {
  const reply = await callOr(env, node, 'node_info', hvSpecs(cfg, hv), TMO_URGENT, (m) =>
    opPrereqError(`Can't get data from node ${node.name}: ${m}`, 'environment_error'),
  );
  const hvInfo = Array.isArray(reply) && Array.isArray(reply[2]) ? (reply[2][0] as Record<string, unknown>) : undefined;
  const free = hvInfo?.memory_free;
  if (typeof free !== 'number')
    throw opPrereqError(`Can't compute free memory on node ${node.name}, result was '${String(free)}'`, 'environment_error');
  return free;
}

export async function checkFreeMemory(
  env: OpEnv,
  cfg: ConfigData,
  node: NodeConfig,
  hv: string,
  needed: number,
  reason: string,
): Promise<void> {
  const free = await nodeFreeMemory(env, cfg, node, hv);
  if (needed > free) {
    throw opPrereqError(
      `Not enough memory on node ${node.name} for ${reason}: needed ${needed} MiB, available ${free} MiB`,
      'insufficient_resources',
    );
  }
}

export async function checkBridges(env: OpEnv, cfg: ConfigData, node: NodeConfig, nics: NicConfig[]): Promise<void> {
  const bridges = bridgesOf(cfg, nics);
  if (bridges.length === 0) return;
  await callOr(env, node, 'bridges_exist', [bridges], TMO_URGENT, (m) =>
    opPrereqError(`Error checking bridges on destination node '${node.name}': ${m}`, 'environment_error'),
  );
}

/** instance_info on the primary: the hypervisor's data, or null when it does not run there. */
export async function runningInfo(env: OpEnv, cfg: ConfigData, inst: InstanceConfig): Promise<Record<string, unknown> | null> {
  const node = nodeOf(cfg, inst.primary_node);
  const reply = await callOr(env, node, 'instance_info', [inst.name, inst.hypervisor, filledHv(cfg, inst)], TMO_URGENT, (m) =>
    opPrereqError(`Error checking node ${node.name}: ${m}`, 'environment_error'),
  );
  return reply !== null && typeof reply === 'object' && Object.keys(reply).length > 0 ? (reply as Record<string, unknown>) : null;
}

export function checkNodeUsable(node: NodeConfig): void {
  if (node.offline) throw opPrereqError(`Can't use offline node ${node.name}`, 'wrong_state');
  if (node.drained) throw opPrereqError(`Can't use drained node ${node.name}`, 'wrong_state');
  if (!node.vm_capable) throw opPrereqError(`Can't use non-vm_capable node ${node.name}`, 'wrong_state');
}

/** Ganeti's CheckInstanceState wording: "Instance 'X' is marked to be up, cannot rename". */
export function checkAdminState(inst: InstanceConfig, allowed: string[], what: string): void {
  if (!allowed.includes(inst.admin_state)) {
    throw opPrereqError(`Instance '${inst.name}' is marked to be ${inst.admin_state}, ${what}`, 'wrong_state');
  }
}

const NO_ALLOCATOR =
  'No iallocator or node given and no cluster-wide default iallocator found; please specify either an iallocator or a node, or set a cluster-wide default iallocator';

/** The node an opcode targets: given by name; ganeti-ts has no instance allocator. */
export function targetNode(cfg: ConfigData, name: unknown, iallocator: unknown): NodeConfig {
  if (typeof name === 'string') return opNode(cfg, name);
  const allocator = typeof iallocator === 'string' ? iallocator : String(cfg.cluster.default_iallocator ?? '');
  if (allocator === '') throw opPrereqError(NO_ALLOCATOR, 'wrong_input');
  throw opPrereqError(`Can't compute nodes using iallocator '${allocator}': ganeti-ts has no instance allocator`, 'insufficient_resources');
}

export function bglShared(): LockRequest {
  return {level: 'cluster', names: [BGL], shared: true};
}

/**
 * The locks an opcode declared up front name the instance's nodes as they were; once they are
 * held the instance must still be where it was (Ganeti computes node locks after the instance
 * lock). Returns the instance from the current configuration.
 */
const lockedNodes = new WeakMap<object, {uuid: string; nodes: string[]}>();

export function rememberLocked(op: object, inst: InstanceConfig, nodes: string[]): void {
  lockedNodes.set(op, {uuid: inst.uuid, nodes});
}

export function lockedInstance(env: OpEnv, op: Record<string, unknown>): {cfg: ConfigData; inst: InstanceConfig} {
  const {cluster} = rpcOf(env);
  const cfg = cluster.current();
  const inst = opInstance(cfg, op.instance_name);
  const seen = lockedNodes.get(op);
  if (seen !== undefined && (seen.uuid !== inst.uuid || (seen.nodes.length > 0 && !seen.nodes.includes(inst.primary_node)))) {
    throw opPrereqError(`Instance '${inst.name}' changed while its locks were acquired; please retry`, 'wrong_state');
  }
  return {cfg, inst};
}

/** Changes one instance in the configuration (its serial number and mtime go up). */
export async function updateInstance(
  env: OpEnv,
  uuid: string,
  change: (inst: InstanceConfig, cfg: ConfigData) => void,
): Promise<InstanceConfig> {
  const {cluster} = rpcOf(env);
  let updated: InstanceConfig | undefined;
  await cluster.updateConfig((cfg) => {
    const inst = cfg.instances[uuid];
    if (inst === undefined) throw opExecError(`Instance ${uuid} disappeared from the configuration`);
    change(inst, cfg);
    inst.serial_no += 1;
    inst.mtime = Date.now() / 1000;
    updated = inst;
  });
  return updated!;
}

/** Marks the instance up/down in the configuration unless it already is. */
export async function setAdminState(
  env: OpEnv,
  inst: InstanceConfig,
  state: 'up' | 'down',
  source: 'admin' | 'user' = 'admin',
): Promise<void> {
  const active = state === 'up';
  if (inst.admin_state === state && inst.disks_active === active && inst.admin_state_source === source) return;
  await updateInstance(env, inst.uuid, (i) => {
    i.admin_state = state;
    i.admin_state_source = source;
    i.disks_active = active;
  });
}

const HOSTNAME = /^[a-z0-9_-][a-z0-9._-]{0,254}$/;

/**
 * An instance name as Ganeti checks it: with name_check resolved through the system resolver
 * (the FQDN must start with the given name), else only lower-cased and checked; with ip_check
 * the address must not answer on the node daemon port.
 */
export async function checkedName(
  _env: OpEnv,
  given: string,
  nameCheck: boolean,
  ipCheck: boolean,
): Promise<{name: string; ip: string | null}> {
  if (ipCheck && !nameCheck) throw opPrereqError('Cannot do IP address check without a name check', 'wrong_input');
  const lower = given.toLowerCase().replace(/\.$/, '');
  if (!nameCheck) {
    if (!HOSTNAME.test(lower) || lower.includes('..')) throw opPrereqError(`Invalid hostname '${given}'`, 'wrong_input');
    return {name: lower, ip: null};
  }
  let resolved: {address: string};
  try {
    resolved = await lookup(lower);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const text =
      code === 'ENOTFOUND'
        ? 'Name or service not known'
        : code === 'EAI_AGAIN'
          ? 'Temporary failure in name resolution'
          : (err as Error).message;
    throw opPrereqError(`The given name (${given}) does not resolve: ${text}`, 'resolver_error');
  }
  const fqdn = lower;
  if (ipCheck && (await answers(resolved.address, DEFAULT_NODED_PORT))) {
    throw opPrereqError(`IP ${resolved.address} of instance ${fqdn} already in use`, 'resource_not_unique');
  }
  return {name: fqdn, ip: resolved.address};
}

/** True when anything answers at address:port, an accepted or a refused connection alike. */
function answers(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (v: boolean): void => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(2000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
    sock.connect(port, address);
  });
}

/** Ganeti's instance policy bounds (the instance's memory, CPUs, NICs and spindles). */
export function ipolicyViolations(cfg: ConfigData, be: FilledBe, nicCount: number): string[] {
  const policy = cfg.cluster.ipolicy as {minmax?: Array<{min: Record<string, number>; max: Record<string, number>}>} | undefined;
  const minmax = policy?.minmax ?? [];
  if (minmax.length === 0) return [];
  const values: Array<[string, number]> = [
    ['memory-size', be.maxmem],
    ['cpu-count', be.vcpus],
    ['nic-count', nicCount],
    ['spindle-use', be.spindle_use],
  ];
  let best: string[] | null = null;
  for (const {min, max} of minmax) {
    const bad = values
      .filter(([k, v]) => min[k] !== undefined && max[k] !== undefined && (v < min[k]! || v > max[k]!))
      .map(([k, v]) => `${k} value ${v} is not in range [${min[k]}, ${max[k]}]`);
    if (best === null || bad.length < best.length) best = bad;
  }
  return best ?? [];
}

export function checkIpolicy(cfg: ConfigData, node: NodeConfig, be: FilledBe, nicCount: number): void {
  const bad = ipolicyViolations(cfg, be, nicCount);
  if (bad.length === 0) return;
  const g = groupOf(cfg, node);
  throw opPrereqError(`Instance allocation to group ${g.uuid} (${g.name}) violates policy: ${bad.join(', ')}`, 'wrong_input');
}

/** Backend parameters as given (`memory` stands for minmem and maxmem), checked. */
export function parseBeparams(given: Record<string, unknown>, allowDefault: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(given)) {
    const value = typeof raw === 'bigint' ? Number(raw) : raw;
    const target = key === 'memory' ? ['minmem', 'maxmem'] : [key];
    if (!(BE_KEYS as readonly string[]).includes(target[0]!)) throw opPrereqError(`Unknown parameter '${key}'`, 'wrong_input');
    if (value === 'default' && allowDefault) {
      for (const t of target) out[t] = 'default';
      continue;
    }
    const boolean = key === 'auto_balance' || key === 'always_failover';
    if (boolean ? typeof value !== 'boolean' : typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw opPrereqError(`'${key}' (value ${String(raw)}) is not a valid ${boolean ? 'boolean' : 'size'}`, 'wrong_input');
    }
    for (const t of target) out[t] = value;
  }
  return out;
}

export function checkMinMax(be: FilledBe): void {
  if (be.minmem > be.maxmem) {
    throw opPrereqError(`Minimum memory (${be.minmem}) is greater than maximum memory (${be.maxmem})`, 'wrong_input');
  }
}

/** The instance lock requests shared by most opcodes. */
export function instanceLocks(names: string[], shared = false): LockRequest {
  return {level: 'instance', names, shared};
}
