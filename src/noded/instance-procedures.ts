// The node daemon's instance procedures for the fake hypervisor and the built-in OS `noop`
// (docs/instances.md): argument shapes and replies as Ganeti 3.0's noded has them.
import {existsSync, readFileSync} from 'node:fs';
import {FakeHypervisor, instanceDict, instanceName} from './fake-hypervisor.js';
import type {GanetiPaths} from '../paths.js';
import {RpcFailure} from './rpc-failure.js';

import type {NodedProcedure, NodedTable} from '../rpc/noded-contract.js';

/** The procedures this file serves; the rest of the contract is in procedures.ts. */
type InstanceProcedure = Exclude<
  NodedProcedure,
  | 'version'
  | 'master_node_name'
  | 'master_info'
  | 'test_delay'
  | 'jobqueue_update'
  | 'jobqueue_update_many'
  | 'jobqueue_rename'
  | 'jobqueue_purge'
  | 'jobqueue_set_drain_flag'
  | 'upload_file'
  | 'write_ssconf_files'
  | 'set_watcher_pause'
  | 'node_stop_master'
>;

/** The OS every ganeti-ts node daemon provides: API 20, trusted, nothing to run. */
export const BUILTIN_OS = 'noop';
const OS_API_VERSION = 20;

function arg(args: unknown[], i: number, what: string): unknown {
  if (args.length <= i) throw new RpcFailure(`Missing argument ${i + 1} (${what})`);
  return args[i];
}

function hypervisors(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) throw new RpcFailure('Invalid hypervisor list');
  for (const hv of value as string[]) if (hv !== 'fake') throw new RpcFailure(`Hypervisor '${hv}' not supported`);
  return value as string[];
}

function osExists(name: unknown): boolean {
  if (typeof name !== 'string') throw new RpcFailure('Invalid OS name');
  return name.split('+')[0] === BUILTIN_OS;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** bridges_exist: a bridge is a network device with a `bridge` directory, as Ganeti checks. */
function bridgesExist(value: unknown): null {
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'string' && !x.includes('/'))) throw new RpcFailure('Invalid bridge list');
  const missing = (value as string[]).filter((br) => !existsSync(`/sys/class/net/${br}/bridge`));
  if (missing.length > 0) throw new RpcFailure(`Missing bridges ${missing.join(', ')}`);
  return null;
}

export function instanceProcedures(paths: GanetiPaths): Pick<NodedTable, InstanceProcedure> {
  const hv = new FakeHypervisor(paths);
  const start = async (a: unknown[]): Promise<null> => {
    const inst = instanceDict(arg(a, 0, 'instance'));
    await hv.storeReason(inst.name, a[2], 'start');
    if (hv.isRunning(inst.name)) return null;
    await hv.markUp(inst, await hv.startupMemory(inst));
    return null;
  };
  const stop = async (a: unknown[]): Promise<null> => {
    const inst = instanceDict(arg(a, 0, 'instance'));
    await hv.storeReason(inst.name, a[2], 'stop');
    await hv.markDown(inst.name);
    return null;
  };
  const running = (a: unknown[]): ReturnType<typeof instanceDict> => {
    const inst = instanceDict(arg(a, 0, 'instance'));
    if (!hv.isRunning(inst.name)) throw new RpcFailure(`Instance ${inst.name} is not running`);
    return inst;
  };
  return {
    instance_start: start,
    instance_shutdown: stop,
    instance_reboot: async (a) => {
      const inst = instanceDict(arg(a, 0, 'instance'));
      const kind = arg(a, 1, 'reboot type');
      if (kind !== 'soft' && kind !== 'hard') throw new RpcFailure(`Invalid reboot type ${JSON.stringify(kind)}`);
      if (!hv.isRunning(inst.name)) throw new RpcFailure(`Cannot reboot instance '${inst.name}' that is not running`);
      if (kind === 'hard') {
        await hv.markDown(inst.name);
        await hv.markUp(inst, await hv.startupMemory(inst));
        await hv.storeReason(inst.name, a[3], 'reboot');
      }
      return null;
    },
    instance_info: async (a) => {
      hypervisors([arg(a, 1, 'hypervisor')]);
      return (await hv.info(instanceName(arg(a, 0, 'instance name')))) ?? {};
    },
    all_instances_info: async (a) => {
      hypervisors(arg(a, 0, 'hypervisors'));
      return hv.allInfo();
    },
    instance_list: async (a) => {
      hypervisors(arg(a, 0, 'hypervisors'));
      return hv.list();
    },
    node_info: async (a) => {
      const specs = arg(a, 1, 'hypervisor specs');
      if (!Array.isArray(specs)) throw new RpcFailure('Invalid hypervisor specs');
      hypervisors(specs.map((s) => (Array.isArray(s) ? s[0] : s)));
      const info = await hv.nodeInfo();
      return [bootId(), null, specs.map(() => info)];
    },
    bridges_exist: (a) => bridgesExist(arg(a, 0, 'bridges')),
    hypervisor_validate_params: (a) => {
      hypervisors([arg(a, 0, 'hypervisor')]);
      const params = arg(a, 1, 'parameters');
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new RpcFailure('Invalid hypervisor parameters');
      const mode = (params as Record<string, unknown>).migration_mode;
      if (mode !== undefined && mode !== 'live' && mode !== 'non-live') {
        throw new RpcFailure(`Parameter 'migration_mode' fails validation: must be one of live, non-live`);
      }
      return null;
    },
    os_validate: (a) => {
      const required = arg(a, 0, 'required');
      const name = arg(a, 1, 'OS name');
      if (osExists(name)) return true;
      if (required === true) throw new RpcFailure(`Directory for OS ${String(name)} not found in search path`);
      return false;
    },
    os_diagnose: () => [[BUILTIN_OS, `(built-in)`, true, '', [], [], [OS_API_VERSION], true]],
    instance_migratable: (a) => {
      running(a);
      return null;
    },
    migration_info: (a) => {
      instanceDict(arg(a, 0, 'instance'));
      return '';
    },
    accept_instance: (a) => {
      const inst = instanceDict(arg(a, 0, 'instance'));
      if (hv.isRunning(inst.name)) throw new RpcFailure("Can't accept instance, already running");
      return null;
    },
    instance_migrate: (a) => {
      running([arg(a, 1, 'instance')]);
      return null;
    },
    instance_get_migration_status: (a) => {
      instanceDict(arg(a, 0, 'instance'));
      return {status: 'completed'};
    },
    instance_finalize_migration_src: async (a) => {
      const inst = instanceDict(arg(a, 0, 'instance'));
      if (arg(a, 1, 'success') === true) await hv.markDown(inst.name);
      return null;
    },
    instance_finalize_migration_dst: async (a) => {
      const inst = instanceDict(arg(a, 0, 'instance'));
      if (arg(a, 2, 'success') === true) await hv.markUp(inst, await hv.startupMemory(inst));
      else await hv.markDown(inst.name);
      return null;
    },
    blockdev_open: () => null,
    blockdev_close: () => null,
    instance_run_rename: (a) => {
      instanceDict(arg(a, 0, 'instance'));
      return null;
    },
    instance_balloon_memory: async (a) => {
      const inst = running(a);
      const mem = arg(a, 1, 'memory');
      if (typeof mem !== 'number' || !Number.isInteger(mem) || mem <= 0) throw new RpcFailure('Invalid memory size');
      await hv.markUp(inst, mem);
      return null;
    },
  };
}
