// OP_NODE_SET_PARAMS: the node flags ganeti-ts keeps (offline, drained, master_candidate,
// master_capable, vm_capable) with Ganeti's rules for the master and the candidate pool.
// The result lists the changes as [parameter, new value] pairs.
import type {ConfigData, NodeConfig} from '../../config/config.js';
import {opExecError, opPrereqError} from '../../protocol/errors.js';
import {BGL, type LockRequest} from '../locks.js';
import {candidateStats, fillCandidatePool, opNode, shouldSelfPromote} from './candidate-pool.js';
import type {LogicalUnit} from './logical-unit.js';

const FLAGS = ['master_candidate', 'offline', 'drained', 'master_capable', 'vm_capable'] as const;

const pyBool = (v: boolean): string => (v ? 'True' : 'False');

function check(op: Record<string, unknown>, cfg: ConfigData): NodeConfig {
  const node = opNode(cfg, op);
  if (FLAGS.every((f) => op[f] === null)) throw opPrereqError('Please pass at least one modification', 'wrong_input');
  if (['offline', 'drained', 'master_candidate'].filter((f) => op[f] === true).length > 1) {
    throw opPrereqError("Can't set the node into more than one state at the same time", 'wrong_input');
  }
  const demotes = op.master_candidate === false || op.offline === true || op.drained === true || op.master_capable === false;
  if (node.uuid === cfg.cluster.master_node && demotes) {
    throw opPrereqError('The master role can be changed only via master failover', 'wrong_input');
  }
  if (op.master_candidate === true) {
    if (op.master_capable === false || (!node.master_capable && op.master_capable !== true)) {
      throw opPrereqError(`Node ${node.name} is not master capable, cannot make it a master candidate`, 'wrong_state');
    }
    if (node.offline && op.offline !== false)
      throw opPrereqError(`Node ${node.name} is offline, it cannot be a master candidate`, 'wrong_state');
    if (node.drained && op.drained !== false)
      throw opPrereqError(`Node ${node.name} is drained, it cannot be a master candidate`, 'wrong_state');
  }
  if (node.master_candidate && demotes && op.auto_promote !== true && op.force !== true) {
    const {now, should} = candidateStats(cfg, [node.uuid]);
    if (now < should) {
      throw opPrereqError(
        'Not enough master candidates, please pass auto promote option to allow promotion (--auto-promote or RAPI auto_promote=True)',
        'wrong_state',
      );
    }
  }
  return node;
}

function apply(op: Record<string, unknown>, cfg: ConfigData): Array<[string, string]> {
  const node = check(op, cfg);
  const changes: Array<[string, string]> = [];
  const demote = (why: string): void => {
    if (!node.master_candidate) return;
    node.master_candidate = false;
    changes.push(['master_candidate', `auto-demotion due to ${why}`]);
  };
  if (op.offline !== null) {
    node.offline = op.offline as boolean;
    changes.push(['offline', pyBool(node.offline)]);
    if (node.offline) demote('offline');
    else if (op.master_candidate === null && shouldSelfPromote(cfg, node)) {
      node.master_candidate = true;
      changes.push(['master_candidate', 'auto-promotion due to onlining']);
    }
  }
  if (op.drained !== null) {
    node.drained = op.drained as boolean;
    changes.push(['drained', pyBool(node.drained)]);
    if (node.drained) demote('drain');
  }
  if (op.master_capable !== null) {
    node.master_capable = op.master_capable as boolean;
    changes.push(['master_capable', pyBool(node.master_capable)]);
    if (!node.master_capable) demote('master capability removal');
  }
  if (op.vm_capable !== null) {
    node.vm_capable = op.vm_capable as boolean;
    changes.push(['vm_capable', pyBool(node.vm_capable)]);
  }
  if (op.master_candidate !== null) {
    node.master_candidate = op.master_candidate as boolean;
    changes.push(['master_candidate', pyBool(node.master_candidate)]);
  }
  if (op.auto_promote === true) {
    for (const name of fillCandidatePool(cfg)) changes.push([`master_candidate (${name})`, 'auto-promotion']);
  }
  node.serial_no += 1;
  node.mtime = Date.now() / 1000;
  return changes;
}

export const nodeSetParams: LogicalUnit = {
  durableStart: true,

  locks(op, env): LockRequest[] {
    const node = check(op, env.cfg);
    return [
      {level: 'cluster', names: [BGL], shared: true},
      {level: 'node', names: [node.uuid], shared: false},
    ];
  },

  async exec(op, env): Promise<unknown> {
    if (env.cluster === undefined) throw opExecError('Node daemon RPC is not configured on this master');
    let changes: Array<[string, string]> = [];
    await env.cluster.updateConfig((cfg) => {
      changes = apply(op, cfg);
    });
    return changes;
  },
};
