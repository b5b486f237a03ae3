// Every LUXI method masterd serves: argument decoding and the handler, one entry per method of
// the contract (src/protocol/luxi-contract.ts, docs/luxi.md). Handlers get the narrow services
// below, not the whole master.
import type {Logger} from 'pino';
import {masterNode, nodeByName, type ConfigData} from '../config/config.js';
import {DistinctScalars} from '../json/distinct.js';
import {clip, ellipsis, jsonHead} from '../json/long-strings.js';
import {DEFAULT_BEPARAMS, DEFAULT_HVPARAMS, DEFAULT_IPOLICY, DEFAULT_NDPARAMS, DEFAULT_NICPARAMS} from '../config/defaults.js';
import {RELEASE_VERSION} from '../config/ssconf.js';
import {genericError, LuxiParseError, opPrereqError} from '../protocol/errors.js';
import type {LuxiArgs, LuxiMethod, LuxiResult, SubmitResult} from '../protocol/luxi-contract.js';
import {LUXI_VERSION} from '../protocol/messages.js';
import {opcodeSummary} from '../opcodes/summary.js';
import {instanceByName} from '../config/config.js';
import type {StreamedList} from '../json/sliced-stringify.js';
import type {JobQueue} from './job-queue.js';
import {query, queryFieldDefs, queryInstancesOldStyle, queryJobsOldStyle, queryOldStyle, type QuerySources} from './queries.js';
import {TimeSlicer} from '../time-slice.js';

/** Where a request came from: the connection's logger (its `conn` id). */
export interface RequestContext {
  log: Logger;
}

/** The queue operations LUXI requests reach. */
export type JobService = Pick<
  JobQueue,
  'submitOne' | 'submitMany' | 'waitForChange' | 'cancel' | 'changePriority' | 'archive' | 'autoArchive'
>;

/** Cluster-wide state the methods read and the flags they set. */
export interface ClusterState {
  readonly version: string;
  config(): ConfigData;
  isDrained(): boolean;
  setDrainFlag(flag: boolean): Promise<void>;
  /** The end of the watcher pause (seconds since the epoch), null when not paused. */
  watcherPausedUntil(): Promise<number | null>;
  /** Sets (or with null ends) the watcher pause here and on the other nodes. */
  setWatcherPause(until: number | null): Promise<void>;
}

export interface LuxiServices {
  jobs: JobService;
  queries: QuerySources;
  cluster: ClusterState;
}

type Promisable<T> = T | Promise<T>;
/** A result as the server answers it: QueryJobs' rows may be a StreamedList, written in slices. */
type Answer<M extends LuxiMethod> = M extends 'QueryJobs' ? LuxiResult<M> | StreamedList : LuxiResult<M>;
/** The arguments as they arrive: the contract's positions, each still to be checked. */
type Raw<A extends readonly unknown[]> = {[K in keyof A]: unknown};

export interface Handler<M extends LuxiMethod> {
  /** Allowed argument counts. */
  arity: number[];
  handle(s: LuxiServices, args: Raw<LuxiArgs<M>>, req: RequestContext): Promisable<Answer<M>>;
}

/** One handler per method of the contract: a missing or mistyped one does not compile. */
export type MethodTable = {[M in LuxiMethod]: Handler<M>};

/**
 * A state-changing request: one INFO line in the log (the audit trail) with what was asked
 * and how it ended, refused or not. Node cannot read a Unix socket peer's uid/pid
 * (SO_PEERCRED) without a native module, so the line names the connection, not the user.
 */
function audited<M extends LuxiMethod>(
  kind: string,
  method: Handler<M>,
  describe: (args: Raw<LuxiArgs<M>>, result: Answer<M>) => Record<string, unknown>,
): Handler<M> {
  return {
    arity: method.arity,
    handle: async (s, args, req) => {
      try {
        const result = await method.handle(s, args, req);
        // After the answer is on its way: the line is written asynchronously and best effort
        // anyway, and building and handing it over delayed a lone SubmitJob's answer by ~7%
        // (docs/architecture.md, "A job from socket to disk to waiter").
        setImmediate(() => req.log.info({audit: kind, ...describe(args, result)}, `audit: ${kind}`));
        return result;
      } catch (err) {
        req.log.info({audit: kind, request: show(args), error: clip((err as Error).message, 1000)}, `audit: ${kind} refused`);
        throw err;
      }
    },
  };
}

/** A submitted job for the audit trail: its id, opcode summaries and the reason trail. */
function submittedJob(ops: unknown, result: number | SubmitResult): Record<string, unknown> {
  const list = Array.isArray(ops) ? ops : [];
  const first = list[0] as Record<string, unknown> | undefined;
  const entry: Record<string, unknown> = {ops: list.map((op) => opcodeSummary(op)), reason: first?.reason ?? []};
  if (Array.isArray(result)) {
    if (result[0] === true) entry.id = result[1];
    else entry.error = result[1];
  } else {
    entry.id = result;
  }
  return entry;
}

/** A request value in an error message: short, and never throws (bigints, deep nesting). */
function show(v: unknown): string {
  let text: string;
  try {
    text = typeof v === 'bigint' ? JSON.stringify(v.toString()) : v === undefined ? String(v) : jsonHead(v, 201);
  } catch {
    text = Array.isArray(v) ? '[...]' : typeof v === 'object' && v !== null ? '{...}' : typeof v;
  }
  return ellipsis(text, 200);
}

function jobId(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  throw new LuxiParseError(`Invalid job id ${show(v)}`);
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new LuxiParseError(`Invalid ${what}: expected a list of strings`);
  return v as string[];
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new LuxiParseError(`Invalid ${what}: expected a string, got ${show(v)}`);
  return v;
}

function optStringList(v: unknown, what: string): string[] | null {
  return v === null ? null : stringList(v, what);
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new LuxiParseError(`Invalid ${what}: expected a boolean`);
  return v;
}

function num(v: unknown, what: string): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new LuxiParseError(`Invalid ${what}: expected a number`);
  return v;
}

function int(v: unknown, what: string): number {
  const n = num(v, what);
  if (!Number.isInteger(n)) throw new LuxiParseError(`Invalid ${what}: expected an integer`);
  return n;
}

/** The distinct ids of a QueryJobs, in the order first named; made in place (the list may be millions long). */
async function distinctJobIds(v: unknown): Promise<number[] | null> {
  if (v === null) return null;
  if (!Array.isArray(v)) throw new LuxiParseError('Invalid job id list');
  const list = v as unknown[];
  const seen = new DistinctScalars();
  const slicer = new TimeSlicer();
  let kept = 0;
  for (let i = 0; i < list.length; i++) {
    await slicer.step();
    const id = jobId(list[i]);
    if (seen.add(id)) list[kept++] = id;
  }
  list.length = kept;
  return list as number[];
}

const oldStyle = (what: string): Handler<'QueryNodes' | 'QueryGroups' | 'QueryNetworks'> => ({
  arity: [3],
  handle: (s, [names, fields, useLocking]) => {
    if (bool(useLocking, 'use_locking')) throw opPrereqError('Sync queries are not allowed', 'wrong_input');
    return queryOldStyle(s.queries, what, stringList(names, 'names'), stringList(fields, 'fields'));
  },
});

const filterRuleCall = <M extends 'QueryFilters' | 'ReplaceFilter' | 'DeleteFilter'>(name: M, arity: number): Handler<M> => ({
  arity: [arity],
  handle: () => {
    throw genericError(`Luxi call '${name}' is not supported: ganeti-ts has no job filter rules`);
  },
});

function clusterInfo(cluster: ClusterState): Record<string, unknown> {
  const cfg = cluster.config();
  const c = cfg.cluster;
  const hypervisors = (c.enabled_hypervisors ?? ['fake']) as string[];
  return {
    software_version: RELEASE_VERSION,
    protocol_version: LUXI_VERSION,
    config_version: cfg.version,
    os_api_version: 20,
    export_version: 0,
    vcs_version: `ganeti-ts ${cluster.version}`,
    architecture: ['64bits', process.arch === 'x64' ? 'x86_64' : process.arch],
    name: c.cluster_name,
    master: masterNode(cfg)?.name ?? null,
    default_hypervisor: hypervisors[0] ?? 'fake',
    enabled_hypervisors: hypervisors,
    hvparams: c.hvparams ?? DEFAULT_HVPARAMS,
    os_hvp: c.os_hvp ?? {},
    beparams: c.beparams ?? DEFAULT_BEPARAMS,
    osparams: c.osparams ?? {},
    ipolicy: c.ipolicy ?? DEFAULT_IPOLICY,
    nicparams: c.nicparams ?? DEFAULT_NICPARAMS,
    ndparams: c.ndparams ?? DEFAULT_NDPARAMS,
    diskparams: {},
    candidate_pool_size: c.candidate_pool_size,
    max_running_jobs: c.max_running_jobs,
    max_tracked_jobs: c.max_running_jobs,
    mac_prefix: c.mac_prefix ?? 'aa:00:00',
    master_netdev: c.master_netdev,
    master_netmask: c.master_netmask,
    use_external_mip_script: false,
    volume_group_name: null,
    drbd_usermode_helper: null,
    file_storage_dir: '',
    shared_file_storage_dir: '',
    gluster_storage_dir: '',
    maintain_node_health: false,
    ctime: c.ctime,
    mtime: c.mtime,
    uuid: c.uuid,
    tags: [...c.tags].sort(),
    uid_pool: [],
    default_iallocator: '',
    default_iallocator_params: {},
    reserved_lvs: [],
    primary_ip_version: 4,
    prealloc_wipe_disks: false,
    hidden_os: c.hidden_os ?? [],
    blacklisted_os: c.blacklisted_os ?? [],
    enabled_disk_templates: c.enabled_disk_templates ?? [],
    install_image: '',
    instance_communication_network: '',
    zeroing_image: '',
    compression_tools: [],
    enabled_user_shutdown: false,
    enabled_data_collectors: {},
    data_collector_interval: {},
    modify_ssh_setup: false,
    ssh_key_type: 'rsa',
    ssh_key_bits: 2048,
  };
}

export const METHODS: MethodTable = {
  SubmitJob: audited('submit', {arity: [1], handle: (s, [ops]) => s.jobs.submitOne(ops, false)}, ([ops], id) => ({
    jobs: [submittedJob(ops, id)],
  })),
  SubmitJobToDrainedQueue: audited('submit', {arity: [1], handle: (s, [ops]) => s.jobs.submitOne(ops, true)}, ([ops], id) => ({
    jobs: [submittedJob(ops, id)],
    drained: true,
  })),
  SubmitManyJobs: audited(
    'submit',
    {
      arity: [1],
      handle: (s, [jobs]) => {
        if (!Array.isArray(jobs)) throw new LuxiParseError('Invalid job list: expected a list of jobs');
        return s.jobs.submitMany(jobs);
      },
    },
    ([jobs], results) => ({jobs: (jobs as unknown[]).map((ops, i) => submittedJob(ops, results[i]!))}),
  ),
  WaitForJobChange: {
    arity: [5],
    handle: (s, [id, fields, prevInfo, prevSerial, timeout]) =>
      s.jobs.waitForChange(
        jobId(id),
        stringList(fields, 'fields'),
        prevInfo,
        prevSerial === null ? null : int(prevSerial, 'previous log serial'),
        num(timeout, 'timeout'),
      ),
  },
  QueryJobs: {
    arity: [2],
    handle: async (s, [ids, fields]) => queryJobsOldStyle(s.queries, await distinctJobIds(ids), stringList(fields, 'fields')),
  },
  Query: {arity: [3], handle: (s, [what, fields, filter]) => query(s.queries, what, stringList(fields, 'fields'), filter)},
  QueryFields: {arity: [2], handle: (_s, [what, fields]) => queryFieldDefs(what, optStringList(fields, 'fields'))},
  CancelJob: audited(
    'cancel',
    {
      arity: [1, 2],
      handle: (s, [id, kill]) => s.jobs.cancel(jobId(id), kill === undefined ? false : bool(kill, 'kill')),
    },
    ([id, kill], result) => ({job: id, kill: kill ?? false, result}),
  ),
  ChangeJobPriority: audited(
    'change-priority',
    {arity: [2], handle: (s, [id, prio]) => s.jobs.changePriority(jobId(id), int(prio, 'priority'))},
    ([id, priority], result) => ({job: id, priority, result}),
  ),
  ArchiveJob: audited('archive', {arity: [1], handle: (s, [id]) => s.jobs.archive(jobId(id))}, ([id], archived) => ({job: id, archived})),
  AutoArchiveJobs: audited(
    'autoarchive',
    {arity: [2], handle: (s, [age, timeout]) => s.jobs.autoArchive(num(age, 'age'), num(timeout, 'timeout'))},
    ([age, timeout], [archived, left]) => ({age, timeout, archived, left}),
  ),
  SetDrainFlag: audited(
    'drain-flag',
    {
      arity: [1],
      handle: async (s, [flag]) => {
        await s.cluster.setDrainFlag(bool(flag, 'drain flag'));
        return true;
      },
    },
    ([flag]) => ({flag}),
  ),
  SetWatcherPause: audited(
    'watcher-pause',
    {
      arity: [1],
      handle: async (s, [until]) => {
        if (until === null) {
          await s.cluster.setWatcherPause(null);
          return null;
        }
        const t = num(until, 'pause end time');
        if (t < Date.now() / 1000) throw genericError('Unable to set pause end time in the past');
        await s.cluster.setWatcherPause(t);
        return t;
      },
    },
    ([until]) => ({until}),
  ),
  QueryClusterInfo: {arity: [0], handle: (s) => clusterInfo(s.cluster)},
  QueryConfigValues: {
    arity: [1],
    handle: async (s, [fields]) => {
      const names = stringList(fields, 'fields');
      const cfg = s.cluster.config();
      // A file read: only when asked for (a monitor asks for the other values many times a second).
      const pause = names.includes('watcher_pause') ? await s.cluster.watcherPausedUntil() : null;
      const values: Record<string, unknown> = {
        cluster_name: cfg.cluster.cluster_name,
        watcher_pause: pause,
        master_node: masterNode(cfg)?.name ?? null,
        drain_flag: s.cluster.isDrained(),
        modify_ssh_setup: false,
        ssh_key_type: 'rsa',
        ssh_key_bits: 2048,
      };
      return names.map((f) => (f in values ? values[f] : null));
    },
  },
  QueryTags: {
    arity: [2],
    handle: (s, [kind, name]) => {
      const cfg = s.cluster.config();
      const sorted = (tags: string[] | undefined): string[] => [...(tags ?? [])].sort();
      switch (kind) {
        case 'cluster':
          return sorted(cfg.cluster.tags);
        case 'node': {
          const n = str(name, 'node name');
          const node = nodeByName(cfg, n);
          if (node === undefined) throw opPrereqError(`Node ${n} not found`, 'unknown_entity');
          return sorted(node.tags);
        }
        case 'nodegroup': {
          const n = str(name, 'node group name');
          const group = Object.values(cfg.nodegroups).find((g) => g.name === n || g.uuid === n);
          if (group === undefined) throw opPrereqError(`Node group ${n} not found`, 'unknown_entity');
          return sorted(group.tags);
        }
        case 'instance': {
          const n = str(name, 'instance name');
          const inst = instanceByName(cfg, n);
          if (inst === undefined) throw opPrereqError(`Instance ${n} not found`, 'unknown_entity');
          return sorted(inst.tags);
        }
        case 'network':
          throw opPrereqError(`Network ${str(name, 'network name')} not found`, 'unknown_entity');
        default:
          throw new LuxiParseError(`Invalid tag kind ${show(kind)}`);
      }
    },
  },
  QueryNodes: oldStyle('node'),
  QueryGroups: oldStyle('group'),
  QueryInstances: {
    arity: [3],
    handle: (s, [names, fields, useLocking]) => {
      if (bool(useLocking, 'use_locking')) throw opPrereqError('Sync queries are not allowed', 'wrong_input');
      return queryInstancesOldStyle(s.queries, stringList(names, 'names'), stringList(fields, 'fields'));
    },
  },
  QueryNetworks: oldStyle('network'),
  QueryExports: {arity: [2], handle: () => []},
  PickupJob: {
    arity: [1],
    handle: () => {
      throw genericError("Luxi call 'PickupJob' is for internal use only");
    },
  },
  QueryFilters: filterRuleCall('QueryFilters', 2),
  ReplaceFilter: filterRuleCall('ReplaceFilter', 5),
  DeleteFilter: filterRuleCall('DeleteFilter', 1),
};

/** Any handler, seen from the dispatcher (which checked the argument count). */
interface AnyHandler {
  arity: number[];
  handle(s: LuxiServices, args: unknown[], req: RequestContext): Promisable<unknown>;
}

/** Decodes and runs one request; throws LuxiParseError for undecodable ones. */
export function dispatch(services: LuxiServices, method: string, args: unknown[], req: RequestContext): Promisable<unknown> {
  const def = Object.hasOwn(METHODS, method) ? (METHODS as Record<string, AnyHandler>)[method] : undefined;
  if (def === undefined) {
    throw new LuxiParseError(`Unable to parse LUXI request method: Invalid string value for type LuxiReq: "${method}"`);
  }
  if (!def.arity.includes(args.length)) {
    throw new LuxiParseError(`Invalid arguments for ${method}: expected ${def.arity.join(' or ')} argument(s), got ${args.length}`);
  }
  return def.handle(services, args, req);
}
