// OP_INSTANCE_MIGRATE and OP_INSTANCE_FAILOVER of a diskless instance to a named node. A
// diskless instance counts as externally mirrored: any vm-capable node is a valid target.
import type {ConfigData, InstanceConfig, NodeConfig} from '../../config/config.js';
import {opExecError, opPrereqError} from '../../protocol/errors.js';
import type {LockRequest} from '../locks.js';
import {
  bglShared,
  callOr,
  checkBridges,
  checkFreeMemory,
  checkNodeUsable,
  filledBe,
  filledHv,
  instanceDict,
  instanceLocks,
  lockedInstance,
  nodeOf,
  opInstance,
  rememberLocked,
  rpcOf,
  runningInfo,
  targetNode,
  TMO_NORMAL,
  TMO_SLOW,
  updateInstance,
} from './instance-common.js';
import {info, warning, type LogicalUnit, type OpEnv} from './logical-unit.js';

function moveLocks(op: Record<string, unknown>, env: OpEnv): LockRequest[] {
  const inst = opInstance(env.cfg, op.instance_name);
  if (op.cleanup === true) throw opPrereqError('Migration cleanup is not supported by ganeti-ts', 'wrong_input');
  const target = targetNode(env.cfg, op.target_node, op.iallocator);
  const nodes = [inst.primary_node, target.uuid];
  rememberLocked(op, inst, [inst.primary_node]);
  return [
    bglShared(),
    instanceLocks([inst.name]),
    {level: 'node', names: nodes, shared: false},
    {level: 'node-res', names: nodes, shared: false},
  ];
}

function checkTarget(cfg: ConfigData, inst: InstanceConfig, op: Record<string, unknown>, what: string): NodeConfig {
  const target = targetNode(cfg, op.target_node, op.iallocator);
  if (target.uuid === inst.primary_node) {
    throw opPrereqError(`Cannot ${what} instance ${inst.name} to its primary (${target.name})`, 'wrong_state');
  }
  checkNodeUsable(target);
  return target;
}

async function setPrimary(env: OpEnv, inst: InstanceConfig, target: NodeConfig): Promise<void> {
  await updateInstance(env, inst.uuid, (i, next) => {
    if (next.nodes[target.uuid] === undefined) throw opExecError(`Node ${target.name} disappeared from the configuration`);
    i.primary_node = target.uuid;
  });
}

export const instanceMigrate: LogicalUnit = {
  durableStart: true,

  locks: moveLocks,

  async exec(op, env): Promise<unknown> {
    rpcOf(env);
    const {cfg, inst} = lockedInstance(env, op);
    const target = checkTarget(cfg, inst, op, 'migrate');
    const source = nodeOf(cfg, inst.primary_node);
    const be = filledBe(cfg, inst);
    if (inst.admin_state === 'up') {
      await checkFreeMemory(env, cfg, target, inst.hypervisor, be.minmem, `migrating instance ${inst.name}`);
    }
    await checkBridges(env, cfg, target, inst.nics);
    const dict = instanceDict(cfg, inst);
    await callOr(env, source, 'instance_migratable', [dict], TMO_NORMAL, (m) =>
      opPrereqError(`Can't migrate, please use failover: ${m}`, 'wrong_state'),
    );
    if (inst.admin_state !== 'up') {
      throw opPrereqError(`Can't migrate, please use failover: Instance ${inst.name} is not marked to be up`, 'wrong_state');
    }
    const mode = (op.mode as string | null) ?? (op.live === false ? 'non-live' : String(filledHv(cfg, inst).migration_mode ?? 'live'));
    const live = mode === 'live';

    env.feedback(`Migrating instance ${inst.name}`);
    env.feedback('* checking disk consistency between source and target');
    if ((await runningInfo(env, cfg, inst)) === null) throw opExecError(`Instance ${inst.name} is not running on node ${source.name}`);
    const migrationInfo = await callOr(env, source, 'migration_info', [dict], TMO_NORMAL, (m) =>
      opExecError(`Failed fetching source migration information from ${source.name}: ${m}`),
    );
    env.feedback(`* closing instance disks on node ${target.name}`);
    await callOr(env, target, 'blockdev_close', [inst.name, []], TMO_NORMAL, (m) =>
      opExecError(`Cannot change disk to secondary on node ${target.name}: ${m}`),
    );
    env.feedback(`* opening instance disks on node ${source.name} in shared mode`);
    env.feedback(`* opening instance disks on node ${target.name} in shared mode`);
    for (const node of [source, target]) {
      await callOr(env, node, 'blockdev_open', [inst.name, [], false], TMO_NORMAL, (m) =>
        opExecError(`Cannot open disks on node ${node.name}: ${m}`),
      );
    }
    env.feedback(`* preparing ${target.name} to accept the instance`);
    await callOr(env, target, 'accept_instance', [dict, migrationInfo, target.secondary_ip], TMO_NORMAL, (m) =>
      opExecError(`Could not pre-migrate instance ${inst.name}: ${m}`),
    );
    env.feedback(`* migrating instance to ${target.name}`);
    try {
      await callOr(env, source, 'instance_migrate', [cfg.cluster.cluster_name, dict, target.secondary_ip, live], TMO_SLOW, (m) =>
        opExecError(`Could not migrate instance ${inst.name}: ${m}`),
      );
      env.feedback('* starting memory transfer');
      const status = (await callOr(env, source, 'instance_get_migration_status', [dict], TMO_SLOW, (m) =>
        opExecError(`Could not get migration status of instance ${inst.name}: ${m}`),
      )) as {status?: string} | null;
      if (status?.status !== 'completed') throw opExecError(`Migration of instance ${inst.name} failed: status ${String(status?.status)}`);
      env.feedback('* memory transfer complete');
    } catch (err) {
      await callOr(env, target, 'instance_finalize_migration_dst', [dict, migrationInfo, false], TMO_NORMAL, (m) => opExecError(m)).catch(
        () => undefined,
      );
      await callOr(env, source, 'instance_finalize_migration_src', [dict, false, live], TMO_SLOW, (m) => opExecError(m)).catch(
        () => undefined,
      );
      throw err;
    }
    // Target first: whenever the master stops here the instance runs somewhere (see
    // ../move-recovery.ts).
    await callOr(env, target, 'instance_finalize_migration_dst', [dict, migrationInfo, true], TMO_NORMAL, (m) =>
      opExecError(`Could not finalize instance migration: ${m}`),
    );
    await callOr(env, source, 'instance_finalize_migration_src', [dict, true, live], TMO_SLOW, (m) =>
      opExecError(`Instance migration succeeded, but finalization failed on the source node: ${m}`),
    );
    await setPrimary(env, inst, target);
    env.feedback(`* closing instance disks on node ${source.name}`);
    await callOr(env, source, 'blockdev_close', [inst.name, []], TMO_NORMAL, (m) =>
      opExecError(`Cannot change disk to secondary on node ${source.name}: ${m}`),
    ).catch((err: Error) => warning(env, err.message));
    env.feedback(`* opening instance disks on node ${target.name} in exclusive mode`);
    await callOr(env, target, 'blockdev_open', [inst.name, [], true], TMO_NORMAL, (m) => opExecError(m)).catch((err: Error) =>
      warning(env, err.message),
    );
    env.feedback('* done');
    return null;
  },
};

export const instanceFailover: LogicalUnit = {
  durableStart: true,

  locks: moveLocks,

  async exec(op, env): Promise<unknown> {
    const {cluster} = rpcOf(env);
    const {cfg, inst} = lockedInstance(env, op);
    const target = checkTarget(cfg, inst, op, 'failover');
    const source = nodeOf(cfg, inst.primary_node);
    const up = inst.admin_state === 'up';
    if (up) {
      await checkFreeMemory(env, cfg, target, inst.hypervisor, filledBe(cfg, inst).minmem, `failing over instance ${inst.name}`);
      await checkBridges(env, cfg, target, inst.nics);
    } else {
      info(env, 'Not checking memory on the secondary node as instance will not be started');
    }
    const dict = instanceDict(cfg, inst);
    env.feedback(`Failover instance ${inst.name}`);
    env.feedback(
      up ? '* checking disk consistency between source and target' : '* not checking disk consistency as instance is not running',
    );
    env.feedback('* shutting down instance on source node');
    try {
      await callOr(env, source, 'instance_shutdown', [dict, op.shutdown_timeout, op.reason], TMO_NORMAL, (m) => opExecError(m));
    } catch (err) {
      if (op.ignore_consistency !== true && !source.offline) {
        throw opExecError(`Could not shutdown instance ${inst.name} on node ${source.name}: ${(err as Error).message}`);
      }
      warning(
        env,
        `Could not shutdown instance ${inst.name} on node ${source.name}, proceeding anyway; please make sure node ${source.name} is down; error details: ${(err as Error).message}`,
      );
    }
    env.feedback(`* closing instance disks on node ${source.name}`);
    await callOr(env, source, 'blockdev_close', [inst.name, []], TMO_NORMAL, (m) => opExecError(m)).catch(() => undefined);
    env.feedback("* deactivating the instance's disks on source node");
    await setPrimary(env, inst, target);
    if (up) {
      env.feedback(`* activating the instance's disks on target node ${target.name}`);
      env.feedback(`* starting the instance on the target node ${target.name}`);
      await callOr(
        env,
        target,
        'instance_start',
        [instanceDict(cluster.current(), {...inst, primary_node: target.uuid}), false, op.reason],
        TMO_NORMAL,
        (m) => opExecError(`Could not start instance ${inst.name} on node ${target.name}: ${m}`),
      );
    }
    return null;
  },
};
