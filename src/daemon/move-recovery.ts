// After an unclean master shutdown, a migration or failover may have stopped half-way: the
// instance may already run on the target while the configuration still names the source. For
// each such interrupted opcode the master asks every online node where the instance runs and
// makes the configuration say so (the instance's lock held meanwhile), as Ganeti's
// `migrate --cleanup` would. Migration starts the instance on the target before stopping it on
// the source, so at any moment it runs on at least one of them.
import type {Logger} from 'pino';
import {instanceByName, type ConfigData} from '../config/config.js';
import type {QueuedJob} from '../queue/job.js';
import type {ConfigWriter} from './config-writer.js';
import type {LockManager} from './locks.js';
import {instanceDict} from './logical-units/instance-common.js';
import type {NodeRpc} from './logical-units/logical-unit.js';

const MOVES = new Set(['OP_INSTANCE_MIGRATE', 'OP_INSTANCE_FAILOVER']);
const OWNER = 'masterd/recovery';

/** The instances named by interrupted migrate/failover opcodes. */
export function interruptedMoves(jobs: readonly QueuedJob[]): string[] {
  const names = new Set<string>();
  for (const job of jobs) {
    for (const op of job.ops) {
      const input = op.input as Record<string, unknown>;
      if (MOVES.has(String(input.OP_ID)) && op.status === 'error' && typeof input.instance_name === 'string')
        names.add(input.instance_name);
    }
  }
  return [...names];
}

export async function reconcileInstances(
  names: readonly string[],
  deps: {config: ConfigWriter; rpc: NodeRpc; locks: LockManager; log: Logger},
): Promise<void> {
  const found = names.map((n) => instanceByName(deps.config.current, n)?.name).filter((n): n is string => n !== undefined);
  if (found.length === 0) return;
  // Taken before any job is scheduled (the locks are free then, so this does not wait).
  const held = deps.locks.acquire(OWNER, [{level: 'instance', names: found, shared: false}], 0);
  await held;
  try {
    for (const name of found) {
      try {
        await reconcileOne(name, deps);
      } catch (err) {
        deps.log.warn({instance: name, error: (err as Error).message}, 'could not check where an interrupted migration left the instance');
      }
    }
  } finally {
    deps.locks.release(OWNER);
  }
}

async function reconcileOne(name: string, deps: {config: ConfigWriter; rpc: NodeRpc; log: Logger}): Promise<void> {
  const cfg: ConfigData = deps.config.current;
  const inst = instanceByName(cfg, name);
  if (inst === undefined) return;
  const nodes = Object.values(cfg.nodes).filter((n) => !n.offline);
  const hvparams = (((cfg.cluster.hvparams ?? {}) as Record<string, unknown>)[inst.hypervisor] ?? {}) as Record<string, unknown>;
  const answers = await deps.rpc(
    nodes.map((n) => n.name),
    'instance_info',
    [inst.name, inst.hypervisor, hvparams],
    30_000,
  );
  const runningOn = answers
    .filter((a) => a.ok && a.payload !== null && typeof a.payload === 'object' && Object.keys(a.payload).length > 0)
    .map((a) => nodes.find((n) => n.name === a.node)!);
  const primary = cfg.nodes[inst.primary_node];
  const elsewhere = runningOn.filter((n) => n.uuid !== inst.primary_node);
  if (elsewhere.length !== 1) return;
  const target = elsewhere[0]!;
  if (runningOn.some((n) => n.uuid === inst.primary_node) && primary !== undefined) {
    const dict = instanceDict(cfg, inst);
    const [stop] = await deps.rpc([primary.name], 'instance_finalize_migration_src', [dict, true, true], 60_000);
    if (stop === undefined || !stop.ok) throw new Error(`cannot stop the source copy on ${primary.name}: ${String(stop?.payload)}`);
  }
  await deps.config.update((next) => {
    const i = next.instances[inst.uuid];
    if (i === undefined || next.nodes[target.uuid] === undefined) return;
    i.primary_node = target.uuid;
    i.serial_no += 1;
    i.mtime = Date.now() / 1000;
  });
  deps.log.warn(
    {instance: inst.name, from: primary?.name, to: target.name},
    'an interrupted migration had moved the instance: configuration updated',
  );
}
