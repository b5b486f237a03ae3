// OP_INSTANCE_STARTUP, OP_INSTANCE_SHUTDOWN and OP_INSTANCE_REBOOT: the administrative state
// goes into the configuration first, then the primary node starts or stops the instance.
import type {ConfigData, InstanceConfig, NodeConfig} from '../../config/config.js';
import {forceHvTypes} from '../../config/hv-params.js';
import {opExecError, opPrereqError} from '../../protocol/errors.js';
import type {LockRequest} from '../locks.js';
import {
  bglShared,
  checkHvSyntax,
  filledHv,
  callOr,
  checkAdminState,
  checkBridges,
  checkFreeMemory,
  instanceDict,
  instanceLocks,
  lockedInstance,
  nodeOf,
  opInstance,
  parseBeparams,
  rememberLocked,
  runningInfo,
  setAdminState,
  filledBe,
  TMO_NORMAL,
} from './instance-common.js';
import {info, warning, type LogicalUnit, type OpEnv} from './logical-unit.js';

export const instanceStartup: LogicalUnit = {
  durableStart: true,

  locks(op, env): LockRequest[] {
    const inst = opInstance(env.cfg, op.instance_name);
    rememberLocked(op, inst, [inst.primary_node]);
    return [bglShared(), instanceLocks([inst.name]), {level: 'node-res', names: [inst.primary_node], shared: false}];
  },

  async exec(op, env): Promise<unknown> {
    const {cfg, inst} = lockedInstance(env, op);
    checkAdminState(inst, ['up', 'down'], 'cannot start');
    const overrides = parseBeparams((op.beparams ?? {}) as Record<string, unknown>, false);
    const pnode = nodeOf(cfg, inst.primary_node);
    // Temporary hypervisor parameters for this start only, checked as Ganeti does.
    const hvOverrides = forceHvTypes((op.hvparams ?? {}) as Record<string, unknown>);
    if (Object.keys(hvOverrides).length > 0) {
      const filled = filledHv(cfg, inst, hvOverrides);
      checkHvSyntax(inst.hypervisor, filled);
      if (!pnode.offline) {
        await callOr(env, pnode, 'hypervisor_validate_params', [inst.hypervisor, filled], TMO_NORMAL, (m) =>
          opPrereqError(`Hypervisor parameter validation failed on node ${pnode.name}: ${m}`, 'wrong_input'),
        );
      }
    }
    if (pnode.offline) {
      if (op.ignore_offline_nodes !== true) throw opPrereqError(`Can't use offline node ${pnode.name}`, 'wrong_state');
      info(env, `Primary node offline, marked instance as started`);
      if (op.no_remember !== true) await setAdminState(env, inst, 'up');
      return null;
    }
    await checkBridges(env, cfg, pnode, inst.nics);
    const running = await runningInfo(env, cfg, inst);
    if (running === null) {
      const be = filledBe(cfg, inst, overrides);
      await checkFreeMemory(env, cfg, pnode, inst.hypervisor, be.minmem, `starting instance ${inst.name}`);
    }
    if (op.no_remember !== true) await setAdminState(env, inst, 'up');
    await callOr(
      env,
      pnode,
      'instance_start',
      [instanceDict(cfg, inst, overrides, hvOverrides), op.startup_paused, op.reason],
      TMO_NORMAL,
      (m) => opExecError(`Could not start instance: ${m}`),
    );
    return null;
  },
};

/** Shutdown and reboot lock the instance alone (Ganeti takes no node lock for them). */
function instanceOnlyLocks(op: Record<string, unknown>, env: OpEnv): LockRequest[] {
  const inst = opInstance(env.cfg, op.instance_name);
  rememberLocked(op, inst, []);
  return [bglShared(), instanceLocks([inst.name])];
}

/** The instance under its lock, up or down unless `refusal` is null, and its primary node. */
function lockedOnPrimary(
  env: OpEnv,
  op: Record<string, unknown>,
  refusal: string | null,
): {cfg: ConfigData; inst: InstanceConfig; pnode: NodeConfig} {
  const {cfg, inst} = lockedInstance(env, op);
  if (refusal !== null) checkAdminState(inst, ['up', 'down'], refusal);
  return {cfg, inst, pnode: nodeOf(cfg, inst.primary_node)};
}

export const instanceShutdown: LogicalUnit = {
  durableStart: true,

  locks: instanceOnlyLocks,

  async exec(op, env): Promise<unknown> {
    const {cfg, inst, pnode} = lockedOnPrimary(env, op, op.force === true ? null : 'cannot shutdown');
    if (pnode.offline && op.ignore_offline_nodes !== true) throw opPrereqError(`Can't use offline node ${pnode.name}`, 'wrong_state');
    if (op.no_remember !== true && inst.admin_state !== 'offline') {
      await setAdminState(env, inst, 'down', (op.admin_state_source as 'admin' | 'user' | null) ?? 'admin');
    }
    if (pnode.offline) {
      info(env, 'Primary node offline, marked instance as stopped');
      return null;
    }
    try {
      await callOr(env, pnode, 'instance_shutdown', [instanceDict(cfg, inst), op.timeout, op.reason], TMO_NORMAL, (m) => opExecError(m));
    } catch (err) {
      warning(env, `Could not shutdown instance: ${(err as Error).message}`);
    }
    return null;
  },
};

export const instanceReboot: LogicalUnit = {
  durableStart: true,

  locks: instanceOnlyLocks,

  async exec(op, env): Promise<unknown> {
    const {cfg, inst, pnode} = lockedOnPrimary(env, op, 'cannot reboot');
    if (pnode.offline) throw opPrereqError(`Can't use offline node ${pnode.name}`, 'wrong_state');
    await checkBridges(env, cfg, pnode, inst.nics);
    const running = (await runningInfo(env, cfg, inst)) !== null;
    const kind = op.reboot_type as string;
    const dict = instanceDict(cfg, inst);
    if (running && (kind === 'soft' || kind === 'hard')) {
      await callOr(env, pnode, 'instance_reboot', [dict, kind, op.shutdown_timeout, op.reason], TMO_NORMAL, (m) =>
        opExecError(`Could not reboot instance: ${m}`),
      );
    } else {
      if (running) {
        await callOr(env, pnode, 'instance_shutdown', [dict, op.shutdown_timeout, op.reason], TMO_NORMAL, (m) =>
          opExecError(`Could not shutdown instance for full reboot: ${m}`),
        );
      } else {
        info(env, `Instance ${inst.name} was already stopped, starting now`);
      }
      await callOr(env, pnode, 'instance_start', [dict, false, op.reason], TMO_NORMAL, (m) =>
        opExecError(`Could not start instance for full reboot: ${m}`),
      );
    }
    await setAdminState(env, inst, 'up');
    return null;
  },
};
