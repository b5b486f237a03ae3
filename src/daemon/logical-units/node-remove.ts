// OP_NODE_REMOVE: drops a node from the configuration (never the master); the candidate pool
// is refilled from the remaining nodes.
import type {ConfigData, NodeConfig} from '../../config/config.js';
import {opExecError, opPrereqError} from '../../protocol/errors.js';
import {BGL, type LockRequest} from '../locks.js';
import {fillCandidatePool, opNode} from './candidate-pool.js';
import {info, type LogicalUnit} from './logical-unit.js';

function check(op: Record<string, unknown>, cfg: ConfigData): NodeConfig {
  const node = opNode(cfg, op);
  if (node.uuid === cfg.cluster.master_node) {
    throw opPrereqError('Node is the master node, failover to another node is required', 'wrong_input');
  }
  const hosted = Object.values(cfg.instances).find((i) => i.primary_node === node.uuid);
  if (hosted !== undefined) {
    throw opPrereqError(`Instance ${hosted.name} is still running on the node, please remove first`, 'wrong_input');
  }
  return node;
}

export const nodeRemove: LogicalUnit = {
  durableStart: true,

  locks(op, env): LockRequest[] {
    check(op, env.cfg);
    return [{level: 'cluster', names: [BGL], shared: false}];
  },

  async exec(op, env): Promise<unknown> {
    if (env.cluster === undefined) throw opExecError('Node daemon RPC is not configured on this master');
    let promoted: string[] = [];
    let name = '';
    await env.cluster.updateConfig((cfg) => {
      const node = check(op, cfg);
      name = node.name;
      delete cfg.nodes[node.uuid];
      promoted = fillCandidatePool(cfg);
    });
    info(env, `Node ${name} removed from the cluster`);
    for (const p of promoted) info(env, `Promoted node ${p} to master candidate`);
    return null;
  },
};
