// OP_NODE_ADD: adds (or re-adds) a node whose node daemon already runs with the cluster
// certificate. The node answers `version` before it joins; the new configuration goes out
// to every node, and a new master candidate gets the whole job queue.
import {randomUUID} from 'node:crypto';
import {lookup} from 'node:dns/promises';
import {isIP} from 'node:net';
import {nodeByName, type ConfigData, type NodeConfig} from '../../config/config.js';
import {opExecError, opPrereqError} from '../../protocol/errors.js';
import {DEFAULT_NODED_PORT, PROTOCOL_VERSION, RPC_TIMEOUT_URGENT_MS} from '../../rpc/client.js';
import {BGL, type LockRequest} from '../locks.js';
import {shouldSelfPromote} from './candidate-pool.js';
import {info, type LogicalUnit} from './logical-unit.js';

async function primaryIp(op: Record<string, unknown>): Promise<string> {
  const given = op.primary_ip as string | null;
  if (given !== null) {
    if (isIP(given) === 0) throw opPrereqError(`Invalid primary ip ${given}`, 'wrong_input');
    return given;
  }
  try {
    return (await lookup(op.node_name as string)).address;
  } catch {
    throw opPrereqError(`Cannot resolve node name ${String(op.node_name)}; give its primary IP address`, 'resolver_error');
  }
}

function groupUuid(cfg: ConfigData, wanted: string | null): string {
  const groups = Object.values(cfg.nodegroups);
  if (wanted !== null) {
    const g = groups.find((x) => x.name === wanted || x.uuid === wanted);
    if (g === undefined) throw opPrereqError(`Node group '${wanted}' not found`, 'unknown_entity');
    return g.uuid;
  }
  const g = groups.find((x) => x.name === 'default') ?? groups[0];
  if (g === undefined) throw opPrereqError('The cluster has no node group', 'wrong_state');
  return g.uuid;
}

function check(op: Record<string, unknown>, cfg: ConfigData, ip: string): NodeConfig | undefined {
  const name = op.node_name as string;
  const existing = nodeByName(cfg, name);
  if (op.readd === true && existing === undefined) throw opPrereqError(`Node ${name} is not in the configuration`, 'unknown_entity');
  if (op.readd !== true && existing !== undefined) throw opPrereqError(`Node ${name} is already in the configuration`, 'already_exists');
  if (existing?.uuid === cfg.cluster.master_node) throw opPrereqError('Cannot readd the master node', 'wrong_state');
  const clash = Object.values(cfg.nodes).find((n) => n !== existing && (n.primary_ip === ip || n.secondary_ip === ip));
  if (clash !== undefined) throw opPrereqError(`New node ip address(es) conflict with existing node ${clash.name}`, 'wrong_input');
  const port = op.rpc_port as number | null;
  if (port !== null && (port < 1 || port > 65535)) throw opPrereqError(`Invalid node daemon port ${port}`, 'wrong_input');
  return existing;
}

export const nodeAdd: LogicalUnit = {
  durableStart: true,

  async locks(op, env): Promise<LockRequest[]> {
    check(op, env.cfg, await primaryIp(op));
    groupUuid(env.cfg, op.group as string | null);
    return [{level: 'cluster', names: [BGL], shared: false}];
  },

  async exec(op, env): Promise<unknown> {
    if (env.cluster === undefined) throw opExecError('Node daemon RPC is not configured on this master');
    const name = (op.node_name as string).toLowerCase();
    const ip = await primaryIp(op);
    const port = (op.rpc_port as number | null) ?? DEFAULT_NODED_PORT;
    check(op, env.cfg, ip);
    let version: unknown;
    try {
      version = await env.cluster.callAddress({name, address: ip, port}, 'version', [], RPC_TIMEOUT_URGENT_MS);
    } catch (err) {
      throw opPrereqError(`Can't get version information from node ${name}: ${(err as Error).message}`, 'environment_error');
    }
    if (version !== PROTOCOL_VERSION) {
      throw opPrereqError(`Incompatible protocol versions: master ${PROTOCOL_VERSION}, node ${String(version)}`, 'environment_error');
    }
    let candidate = false;
    await env.cluster.updateConfig((cfg) => {
      const existing = check(op, cfg, ip);
      const now = Date.now() / 1000;
      const node: NodeConfig = existing ?? {
        name,
        uuid: randomUUID(),
        primary_ip: ip,
        secondary_ip: ip,
        master_candidate: false,
        master_capable: true,
        vm_capable: true,
        offline: false,
        drained: false,
        group: groupUuid(cfg, op.group as string | null),
        ndparams: {},
        powered: true,
        tags: [],
        serial_no: 0,
        ctime: now,
        mtime: now,
      };
      node.primary_ip = ip;
      node.secondary_ip = (op.secondary_ip as string | null) ?? ip;
      node.offline = false;
      node.drained = false;
      node.master_candidate = false;
      if (op.master_capable !== null) node.master_capable = op.master_capable as boolean;
      if (op.vm_capable !== null) node.vm_capable = op.vm_capable as boolean;
      if (op.rpc_port !== null) node.rpc_port = op.rpc_port;
      node.serial_no += 1;
      node.mtime = now;
      cfg.nodes[node.uuid] = node;
      node.master_candidate = shouldSelfPromote(cfg, node);
      candidate = node.master_candidate;
    });
    info(env, `Node ${name} ${op.readd === true ? 're-added' : 'added'}${candidate ? ' as a master candidate' : ''}`);
    return null;
  },
};
