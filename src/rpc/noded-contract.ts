// The node RPC contract: every procedure the node daemon serves, with the arguments the master
// sends (POST /<procedure>, a JSON array) and the payload of a successful [true, payload] answer.
// The master's RPC client, the callers and noded's procedure table are typed from it, so a
// misspelt procedure, a wrong argument list or a procedure noded lacks does not compile.
// Values whose shape only the hypervisor side interprets stay `unknown` here.
import type {EncodedContent} from './file-content.js';

/** An instance as noded procedures receive it (objects.Instance.ToDict plus filled parameters). */
export type InstanceDict = Record<string, unknown>;

/** An opcode parameter passed on as the (validated) opcode carries it. */
export type OpParam = unknown;

/** upload_file's one argument: [file_name, content, mode, uid, gid, atime, mtime]. */
export type UploadDetails = [file: string, content: EncodedContent, mode: number, uid: string, gid: string, atime: number, mtime: number];

/** master_info: [netdev, ip, master name, ip family, netmask]. */
export type MasterInfo = [netdev: string | null, ip: string | null, name: string, family: number, netmask: number];

/** Procedure name -> [argument tuple, payload]. */
export interface NodedContract {
  version: [[], number];
  master_node_name: [[], string];
  master_info: [[], MasterInfo];
  test_delay: [[duration: number], null];
  jobqueue_update: [[file: string, content: EncodedContent], null];
  /** Not in stock Ganeti: several files in one call (a stock node answers HTTP 404). */
  jobqueue_update_many: [[files: Array<[file: string, content: EncodedContent]>], null];
  jobqueue_rename: [[pairs: Array<[from: string, to: string]>], null[]];
  jobqueue_purge: [[], null];
  jobqueue_set_drain_flag: [[flag: boolean], null];
  upload_file: [[details: UploadDetails], null];
  write_ssconf_files: [[values: Record<string, string>], null];
  set_watcher_pause: [[until: number | null], null];
  node_stop_master: [[], null];

  instance_start: [[instance: InstanceDict, startupPaused: OpParam, reason: OpParam], null];
  instance_shutdown: [[instance: InstanceDict, timeout: OpParam, reason: OpParam], null];
  instance_reboot: [[instance: InstanceDict, kind: 'soft' | 'hard', shutdownTimeout: OpParam, reason: OpParam], null];
  instance_info: [[name: string, hypervisor: string, hvparams: Record<string, unknown>], Record<string, unknown>];
  all_instances_info: [[hypervisors: string[], hvparams: Record<string, unknown>], Record<string, unknown>];
  instance_list: [[hypervisors: string[], hvparams?: Record<string, unknown>], string[]];
  node_info: [
    [storageUnits: unknown, hvSpecs: Array<[hypervisor: string, hvparams: Record<string, unknown>]>],
    [bootId: string, storage: unknown, hypervisors: unknown[]],
  ];
  bridges_exist: [[bridges: string[]], null];
  hypervisor_validate_params: [[hypervisor: string, hvparams: Record<string, unknown>], null];
  os_validate: [[required: boolean, name: string, checks?: unknown, params?: unknown, force?: unknown], boolean];
  os_diagnose: [[], unknown[]];
  instance_migratable: [[instance: InstanceDict], null];
  migration_info: [[instance: InstanceDict], unknown];
  accept_instance: [[instance: InstanceDict, info: unknown, target: string], null];
  instance_migrate: [[clusterName: string, instance: InstanceDict, target: string, live: boolean], null];
  instance_get_migration_status: [[instance: InstanceDict], {status: string}];
  instance_finalize_migration_src: [[instance: InstanceDict, success: boolean, live: boolean], null];
  instance_finalize_migration_dst: [[instance: InstanceDict, info: unknown, success: boolean], null];
  blockdev_open: [[instanceName: string, disks: unknown[], exclusive: boolean], null];
  blockdev_close: [[instanceName: string, disks: unknown[]], null];
  instance_run_rename: [[instance: InstanceDict, oldName: string, debug: OpParam], null];
  instance_balloon_memory: [[instance: InstanceDict, memory: number], null];
}

export type NodedProcedure = keyof NodedContract;
export type NodedArgs<P extends NodedProcedure> = NodedContract[P][0];
export type NodedResult<P extends NodedProcedure> = NodedContract[P][1];

type Promisable<T> = T | Promise<T>;
/** The arguments as they arrive at noded: the contract's positions, each still to be checked. */
export type RawArgs<P extends NodedProcedure> = {[K in keyof NodedArgs<P>]-?: unknown};

/** noded's side of one procedure; `signal` aborts when the caller goes away before the answer. */
export type NodedHandler<P extends NodedProcedure> = (args: RawArgs<P> & unknown[], signal: AbortSignal) => Promisable<NodedResult<P>>;

/** One handler per procedure: a procedure of the contract noded lacks does not compile. */
export type NodedTable = {[P in NodedProcedure]: NodedHandler<P>};
