// Master candidate pool rules shared by the node opcodes (Ganeti's GetMasterCandidateStats,
// _DecideSelfPromotion and AdjustCandidatePool).
import {niceSort, nodeByName, type ConfigData, type NodeConfig} from '../../config/config.js';
import {opPrereqError} from '../../protocol/errors.js';

function eligible(n: NodeConfig): boolean {
  return n.master_capable && !n.offline && !n.drained;
}

/** [current candidates, candidates there should be], ignoring the excepted node UUIDs. */
export function candidateStats(cfg: ConfigData, except: string[] = []): {now: number; should: number} {
  const nodes = Object.values(cfg.nodes).filter((n) => !except.includes(n.uuid));
  const now = nodes.filter((n) => n.master_candidate).length;
  const possible = nodes.filter(eligible).length;
  return {now, should: Math.min(possible, cfg.cluster.candidate_pool_size)};
}

/** Whether a node joining (or coming back) should become a candidate by itself. */
export function shouldSelfPromote(cfg: ConfigData, node: NodeConfig): boolean {
  if (!eligible(node)) return false;
  const {now} = candidateStats(cfg, [node.uuid]);
  return now < cfg.cluster.candidate_pool_size;
}

/** Promotes eligible regular nodes until the pool is full; returns their names. */
export function fillCandidatePool(cfg: ConfigData): string[] {
  const promoted: string[] = [];
  let {now} = candidateStats(cfg);
  for (const node of niceSort(Object.values(cfg.nodes), (n) => n.name)) {
    if (now >= cfg.cluster.candidate_pool_size) break;
    if (node.master_candidate || !eligible(node)) continue;
    node.master_candidate = true;
    node.serial_no += 1;
    promoted.push(node.name);
    now++;
  }
  return promoted;
}

/** The configured node of an opcode's node_name (or node_uuid), else OpPrereqError. */
export function opNode(cfg: ConfigData, op: Record<string, unknown>): NodeConfig {
  const uuid = op.node_uuid as string | null | undefined;
  const node = (uuid ? cfg.nodes[uuid] : undefined) ?? nodeByName(cfg, op.node_name as string);
  if (node === undefined) throw opPrereqError(`Node '${String(op.node_name)}' not known`, 'unknown_entity');
  return node;
}
