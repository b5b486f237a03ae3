// OP_INSTANCE_QUERY_DATA: the per-instance description `gnt-instance info` prints; the run
// state comes from the primary node unless the query is static.
import {niceSort, type ConfigData, type InstanceConfig} from '../../config/config.js';
import type {LockRequest} from '../locks.js';
import {bglShared, filledBe, filledNic, groupOf, instanceLocks, nodeOf, opInstance, rpcOf, runningInfo} from './instance-common.js';
import {warning, type LogicalUnit, type OpEnv} from './logical-unit.js';

function wanted(cfg: ConfigData, names: string[]): InstanceConfig[] {
  if (names.length === 0) return niceSort(Object.values(cfg.instances), (i) => i.name);
  return names.map((n) => opInstance(cfg, n));
}

async function describe(env: OpEnv, cfg: ConfigData, inst: InstanceConfig, isStatic: boolean): Promise<Record<string, unknown>> {
  const pnode = nodeOf(cfg, inst.primary_node);
  let runState: string | null = null;
  if (!isStatic) {
    if (pnode.offline) {
      warning(env, `Primary node ${pnode.name} is marked offline, returning static information only for instance ${inst.name}`);
    } else {
      const live = await runningInfo(env, cfg, inst);
      runState = live !== null ? 'up' : inst.admin_state === 'offline' ? 'offline' : 'down';
    }
  }
  const group = groupOf(cfg, pnode);
  return {
    name: inst.name,
    config_state: inst.admin_state,
    run_state: runState,
    pnode: pnode.name,
    pnode_group_uuid: group.uuid,
    pnode_group_name: group.name,
    snodes: [],
    snodes_group_uuids: [],
    snodes_group_names: [],
    os: inst.os,
    nics: inst.nics.map((n) => {
      const p = filledNic(cfg, n);
      return [n.name ?? null, n.uuid, n.ip ?? null, n.mac, p.mode, p.link, p.vlan, n.network ?? null, null];
    }),
    disk_template: 'diskless',
    disks: [],
    hypervisor: inst.hypervisor,
    network_port: inst.network_port ?? null,
    hv_instance: {...inst.hvparams},
    // Filled without the hypervisor's global parameters, as Ganeti shows them.
    hv_actual: {...inst.hvparams},
    be_instance: {...inst.beparams},
    be_actual: Object.fromEntries(Object.entries(filledBe(cfg, inst)).sort(([a], [b]) => a.localeCompare(b))),
    os_instance: {...inst.osparams},
    os_actual: {...((cfg.cluster.osparams ?? {}) as Record<string, Record<string, unknown>>)[inst.os], ...inst.osparams},
    serial_no: inst.serial_no,
    mtime: inst.mtime,
    ctime: inst.ctime,
    uuid: inst.uuid,
  };
}

export const instanceQueryData: LogicalUnit = {
  durableStart: false,

  locks(op, env): LockRequest[] {
    const insts = wanted(env.cfg, op.instances as string[]);
    if (op.use_locking !== true) return [bglShared()];
    const nodes = [...new Set(insts.map((i) => i.primary_node))];
    const groups = [...new Set(nodes.map((u) => env.cfg.nodes[u]?.group).filter((g): g is string => g !== undefined))];
    return [
      bglShared(),
      instanceLocks(
        insts.map((i) => i.name),
        true,
      ),
      {level: 'nodegroup', names: groups, shared: true},
      {level: 'node', names: nodes, shared: true},
    ];
  },

  async exec(op, env): Promise<unknown> {
    const {cluster} = rpcOf(env);
    const cfg = cluster.current();
    const insts = wanted(cfg, op.instances as string[]);
    const out: Record<string, unknown> = {};
    const described = await Promise.all(insts.map((inst) => describe(env, cfg, inst, op.static === true)));
    for (const d of described) out[d.name as string] = d;
    return out;
  },
};
