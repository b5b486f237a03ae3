// What an opcode implementation (Ganeti's "logical unit") provides to the job executor.
import type {ConfigData} from '../../config/config.js';
import type {NodeRpcResult, RpcTarget} from '../../rpc/client.js';
import type {NodedArgs, NodedProcedure, NodedResult} from '../../rpc/noded-contract.js';
import type {LockLevel, LockRequest} from '../locks.js';

export interface OpEnv {
  cfg: ConfigData;
  /** Aborted when the job is killed or the daemon exits at once. */
  signal: AbortSignal;
  /** Appends an entry to the job's execution log (type "message" unless given). */
  feedback(message: unknown, type?: string): void;
  /** Releases the opcode's locks of one level before it ends (absent outside the job executor). */
  releaseLocks?(level: LockLevel): void;
  /** Runs a node daemon procedure on the named nodes (absent until node RPC is configured). */
  rpc?: NodeRpc;
  /** Configuration changes and node daemons outside the configuration (absent without node RPC). */
  cluster?: ClusterServices;
}

export interface ClusterServices {
  /** Changes the configuration (serialised, written, distributed); a throwing mutator changes nothing. */
  updateConfig(mutate: (cfg: ConfigData) => void): Promise<ConfigData>;
  /** The configuration now (after the opcode's locks were taken it may differ from OpEnv.cfg). */
  current(): ConfigData;
  /** Calls the node daemon at an address that need not be in the configuration yet. */
  callAddress<P extends NodedProcedure>(target: RpcTarget, procedure: P, args: NodedArgs<P>, timeoutMs: number): Promise<NodedResult<P>>;
}

/** Calls several nodes at once; never rejects (a node's failure is its result). */
export type NodeRpc = <P extends NodedProcedure>(
  nodes: string[],
  procedure: P,
  args: NodedArgs<P>,
  timeoutMs: number,
) => Promise<Array<NodeRpcResult<NodedResult<P>>>>;

export interface LogicalUnit {
  /**
   * True when the opcode acts outside the job (config, nodes): its "running" state must be
   * on disk before it starts, so that a crash fails it instead of running it twice. Opcodes
   * whose only effect is the job itself may run again after a crash and skip that wait.
   */
  durableStart: boolean;
  /** Validates against the configuration and names the locks (Ganeti's ExpandNames). */
  locks(op: Record<string, unknown>, env: OpEnv): Promise<LockRequest[]> | LockRequest[];
  exec(op: Record<string, unknown>, env: OpEnv): Promise<unknown>;
}

/** " - INFO: ..." as Ganeti's LogInfo writes it. */
export function info(env: OpEnv, message: string): void {
  env.feedback(` - INFO: ${message}`);
}

/** " - WARNING: ..." as Ganeti's LogWarning writes it. */
export function warning(env: OpEnv, message: string): void {
  env.feedback(` - WARNING: ${message}`);
}
