// OP_INSTANCE_SET_PARAMS (backend parameters), OP_INSTANCE_RENAME and OP_INSTANCE_REMOVE:
// the opcodes that mostly change the configuration.
import {checkHvNotGlobal, forceHvTypes} from '../../config/hv-params.js';
import {opExecError, opPrereqError} from '../../protocol/errors.js';
import type {LockRequest} from '../locks.js';
import {
  bglShared,
  callOr,
  checkAdminState,
  checkedName,
  checkHvSyntax,
  checkIpolicy,
  checkMinMax,
  clusterBe,
  clusterHv,
  filledBe,
  instanceDict,
  instanceLocks,
  lockedInstance,
  nodeFreeMemory,
  nodeOf,
  opInstance,
  parseBeparams,
  rememberLocked,
  rpcOf,
  runningInfo,
  TMO_NORMAL,
  TMO_SLOW,
  updateInstance,
  type FilledBe,
} from './instance-common.js';
import {warning, type LogicalUnit} from './logical-unit.js';

/** The SET_PARAMS changes ganeti-ts does not make, with the option the user gave. */
function refusedChange(op: Record<string, unknown>): string | null {
  const nonEmpty = (k: string): boolean => {
    const v = op[k];
    if (v === null || v === undefined) return false;
    if (Array.isArray(v)) return v.length > 0;
    if (typeof v === 'object') return Object.keys(v).length > 0;
    return true;
  };
  const checks: Array<[string, string]> = [
    ['nics', 'NIC'],
    ['disks', 'disk'],
    ['runtime_mem', 'runtime memory'],
    ['os_name', 'OS'],
    ['osparams', 'OS parameter'],
    ['osparams_private', 'OS parameter'],
    ['offline', 'offline state'],
    ['disk_template', 'disk template'],
    ['pnode', 'primary node'],
    ['remote_node', 'disk template'],
    ['iallocator', 'disk template'],
    ['ext_params', 'ext storage parameter'],
    ['instance_communication', 'instance communication'],
  ];
  for (const [key, what] of checks) if (nonEmpty(key)) return what;
  return null;
}

export const instanceSetParams: LogicalUnit = {
  durableStart: true,

  locks(op, env): LockRequest[] {
    const inst = opInstance(env.cfg, op.instance_name);
    const refused = refusedChange(op);
    if (refused !== null)
      throw opPrereqError(
        `Changing the ${refused} of an instance is not supported by ganeti-ts; only backend parameters (-B) can be modified`,
        'wrong_input',
      );
    const hvGiven = (op.hvparams ?? {}) as Record<string, unknown>;
    if (Object.keys(op.beparams ?? {}).length === 0 && Object.keys(hvGiven).length === 0)
      throw opPrereqError('No changes submitted', 'wrong_input');
    checkHvNotGlobal(hvGiven);
    parseBeparams((op.beparams ?? {}) as Record<string, unknown>, true);
    rememberLocked(op, inst, [inst.primary_node]);
    const group = env.cfg.nodes[inst.primary_node]?.group;
    return [
      bglShared(),
      instanceLocks([inst.name]),
      {level: 'nodegroup', names: group === undefined ? [] : [group], shared: true},
      {level: 'node', names: [inst.primary_node], shared: false},
    ];
  },

  async exec(op, env): Promise<unknown> {
    const {cfg, inst} = lockedInstance(env, op);
    // Hypervisor parameters as Ganeti checks them; the fake hypervisor's only one is global, so
    // what passes is a reset to the default ("default").
    const hvGiven = (op.hvparams ?? {}) as Record<string, unknown>;
    const hvCustom: Record<string, unknown> = {...inst.hvparams};
    for (const [k, v] of Object.entries(hvGiven)) {
      if (v === 'default') delete hvCustom[k];
      else hvCustom[k] = v;
    }
    const hvTyped = forceHvTypes(hvCustom);
    checkHvSyntax(inst.hypervisor, {...clusterHv(cfg, inst.hypervisor), ...hvTyped});
    const given = (op.beparams ?? {}) as Record<string, unknown>;
    const parsed = parseBeparams(given, true);
    const custom: Record<string, unknown> = {...inst.beparams};
    for (const [k, v] of Object.entries(parsed)) {
      if (v === 'default') delete custom[k];
      else custom[k] = v;
    }
    const be = {...clusterBe(cfg), ...custom} as FilledBe;
    checkMinMax(be);
    const pnode = nodeOf(cfg, inst.primary_node);
    if (op.ignore_ipolicy !== true) checkIpolicy(cfg, pnode, be, inst.nics.length);
    const old = filledBe(cfg, inst);
    if (Object.hasOwn(given, 'maxmem') && be.maxmem > old.maxmem && op.force !== true && !pnode.offline) {
      const running = await runningInfo(env, cfg, inst);
      const current = typeof running?.memory === 'number' ? running.memory : 0;
      const free = await nodeFreeMemory(env, cfg, pnode, inst.hypervisor);
      const missing = be.maxmem - current - free;
      if (missing > 0) {
        throw opPrereqError(
          `This change will prevent the instance from starting, due to ${missing} MB of memory missing on its primary node`,
          'insufficient_resources',
        );
      }
    }
    await updateInstance(env, inst.uuid, (i) => {
      if (Object.keys(hvGiven).length > 0) i.hvparams = hvTyped;
      i.beparams = custom;
    });
    return [...Object.entries(hvGiven).map(([k, v]) => [`hv/${k}`, v]), ...Object.entries(given).map(([k, v]) => [`be/${k}`, v])];
  },
};

export const instanceRename: LogicalUnit = {
  durableStart: true,

  async locks(op, env): Promise<LockRequest[]> {
    const inst = opInstance(env.cfg, op.instance_name);
    const {name} = await checkedName(env, op.new_name as string, op.name_check as boolean, op.ip_check as boolean);
    rememberLocked(op, inst, []);
    return [bglShared(), instanceLocks([inst.name, name])];
  },

  async exec(op, env): Promise<unknown> {
    const {cluster} = rpcOf(env);
    const {cfg, inst} = lockedInstance(env, op);
    const {name} = await checkedName(env, op.new_name as string, op.name_check as boolean, op.ip_check as boolean);
    checkAdminState(inst, ['down', 'offline'], 'cannot rename');
    if (name !== inst.name && Object.values(cfg.instances).some((i) => i.name === name)) {
      throw opPrereqError(`Instance '${name}' is already in the cluster`, 'already_exists');
    }
    const pnode = nodeOf(cfg, inst.primary_node);
    if (!pnode.offline && (await runningInfo(env, cfg, inst)) !== null) {
      throw opPrereqError(`Instance ${inst.name} is running, cannot rename`, 'wrong_state');
    }
    const oldName = inst.name;
    const renamed = await updateInstance(env, inst.uuid, (i, next) => {
      if (Object.values(next.instances).some((o) => o.uuid !== i.uuid && o.name === name)) {
        throw opPrereqError(`Instance '${name}' is already in the cluster`, 'already_exists');
      }
      i.name = name;
    });
    if (!pnode.offline) {
      try {
        await callOr(
          env,
          pnode,
          'instance_run_rename',
          [instanceDict(cluster.current(), renamed), oldName, op.debug_level ?? 0],
          TMO_SLOW,
          (m) => opExecError(m),
        );
      } catch (err) {
        warning(
          env,
          `Could not run OS rename script for instance ${name} on node ${pnode.name} (but the instance has been renamed in Ganeti): ${(err as Error).message}`,
        );
      }
    }
    return name;
  },
};

export const instanceRemove: LogicalUnit = {
  durableStart: true,

  locks(op, env): LockRequest[] {
    const inst = opInstance(env.cfg, op.instance_name);
    rememberLocked(op, inst, [inst.primary_node]);
    return [
      bglShared(),
      instanceLocks([inst.name]),
      {level: 'node', names: [inst.primary_node], shared: false},
      {level: 'node-res', names: [inst.primary_node], shared: false},
    ];
  },

  async exec(op, env): Promise<unknown> {
    const {cluster} = rpcOf(env);
    const {cfg, inst} = lockedInstance(env, op);
    const pnode = nodeOf(cfg, inst.primary_node);
    try {
      await callOr(env, pnode, 'instance_shutdown', [instanceDict(cfg, inst), op.shutdown_timeout, op.reason], TMO_NORMAL, (m) =>
        opExecError(m),
      );
    } catch (err) {
      const message = `Could not shutdown instance ${inst.name} on node ${pnode.name}: ${(err as Error).message}`;
      if (op.ignore_failures !== true && !pnode.offline) throw opExecError(message);
      warning(env, message);
    }
    await cluster.updateConfig((next) => {
      delete next.instances[inst.uuid];
    });
    return null;
  },
};
