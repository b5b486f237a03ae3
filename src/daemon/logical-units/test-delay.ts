// OP_TEST_DELAY (docs/opcodes.md): sleep on the master and/or on nodes, optionally interruptible.
import {nodeByName, type ConfigData} from '../../config/config.js';
import {opExecError, opPrereqError} from '../../protocol/errors.js';
import {BGL, type LockRequest} from '../locks.js';
import {longSleep} from '../../long-timeout.js';
import {info, type LogicalUnit, type OpEnv} from './logical-unit.js';
import {awaitByte, listenOnce} from './notify-socket.js';

function targetNodes(op: Record<string, unknown>, cfg: ConfigData): {uuids: string[]; names: string[]} {
  const names = (op.on_nodes as string[] | undefined) ?? [];
  const uuids: string[] = [];
  const resolved: string[] = [];
  for (const name of names) {
    const node = nodeByName(cfg, name) ?? cfg.nodes[name];
    if (node === undefined) throw opPrereqError(`Node '${name}' not known`, 'unknown_entity');
    uuids.push(node.uuid);
    resolved.push(node.name);
  }
  return {uuids, names: resolved};
}

async function interruptibleRound(durationMs: number, env: OpEnv): Promise<boolean> {
  const started = Date.now();
  const conn = await listenOnce({
    announce: (path) => env.feedback([path], 'delay-test'),
    connectTimeoutMs: durationMs,
    signal: env.signal,
  });
  if (conn === null) return false;
  const left = durationMs - (Date.now() - started);
  env.feedback(`Received connection, time to go is ${Math.trunc(left / 1000)}`);
  await awaitByte(conn, Math.max(0, left), env.signal);
  env.feedback(`Interrupted, time spent waiting: ${Math.trunc((Date.now() - started) / 1000)}`);
  return true;
}

export const testDelay: LogicalUnit = {
  durableStart: false,

  locks(op, env): LockRequest[] {
    const duration = op.duration as number;
    if (duration < 0) throw opPrereqError('Duration must be greater than zero');
    const {uuids} = targetNodes(op, env.cfg);
    const locks: LockRequest[] = [{level: 'cluster', names: [BGL], shared: true}];
    if (op.no_locks === false) {
      const nodes = [...uuids];
      if (op.on_master !== false) nodes.push(env.cfg.cluster.master_node);
      if (nodes.length > 0) locks.push({level: 'node', names: nodes, shared: false});
    }
    return locks;
  },

  async exec(op, env): Promise<unknown> {
    const durationMs = (op.duration as number) * 1000;
    const repeat = (op.repeat as number | undefined) ?? 0;
    const {names} = targetNodes(op, env.cfg);
    const master = env.cfg.nodes[env.cfg.cluster.master_node]?.name;
    const remote = names.filter((n) => n !== master);
    const rounds = Math.max(1, repeat);
    for (let i = 0; i < rounds; i++) {
      if (repeat > 0) info(env, `Test delay iteration ${i}/${repeat - 1}`);
      if (op.interruptible === true) {
        if (await interruptibleRound(durationMs, env)) break;
        continue;
      }
      const waits: Array<Promise<unknown>> = [];
      if (op.on_master !== false || names.includes(master ?? '')) waits.push(longSleep(durationMs, env.signal));
      if (remote.length > 0) waits.push(delayOnNodes(remote, op.duration as number, env));
      await Promise.all(waits);
    }
    return null;
  },
};

async function delayOnNodes(nodes: string[], duration: number, env: OpEnv): Promise<void> {
  if (env.rpc === undefined) {
    throw opExecError(`Failure during rpc call to node ${nodes[0]}: node daemon RPC is not configured on this master`);
  }
  const results = await env.rpc(nodes, 'test_delay', [duration], Math.ceil(duration + 5) * 1000);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw opExecError(failed.map((f) => `Failure during rpc call to node ${f.node}: ${String(f.payload)}`).join('; '));
  }
}
