// The opcodes ganeti-ts implements, their parameters, and the summary fields of the other
// Ganeti 3.0 opcodes (to render summaries of jobs written by a real Ganeti cluster).
import {jsonHead} from '../json/long-strings.js';
import {FINALIZED, SUBMIT_PRIORITIES} from '../queue/job.js';

/** A parameter value of the wrong type; the message is the reason, without the parameter name. */
export class ParamTypeError extends Error {
  override name = 'ParamTypeError';
}

export interface CheckContext {
  /** Negative (relative) job IDs in `depends` are accepted (SubmitManyJobs only). */
  readonly allowRelativeDepends: boolean;
}

/** Checks a value; returns the value to store (containers freshly copied) or throws ParamTypeError. */
export type Checker = (value: unknown, ctx: CheckContext) => unknown;

export interface ParamDef {
  readonly name: string;
  readonly check: Checker;
  /**
   * Filled in when the parameter is missing; a non-null default also replaces an explicit null.
   * A primitive or a list of primitives.
   */
  readonly default: unknown;
  readonly required: boolean;
  /** A Haskell Double in Ganeti 3.x: rendered with showHaskellDouble in summaries. */
  readonly float: boolean;
}

export interface OpcodeDef {
  readonly id: string;
  /** Opcode parameters, then the common ones: the key order of a validated opcode. */
  readonly params: readonly ParamDef[];
  readonly summaryParam: string | null;
}

export interface SummaryField {
  readonly param: string;
  readonly check: Checker;
  readonly render?: (value: unknown) => string;
}

const fail = (message: string): never => {
  throw new ParamTypeError(message);
};

/** Compact JSON text of a value for error messages (truncated). */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : jsonHead(value, 121);
  } catch {
    // Nested too deeply for JSON.stringify (a hostile request): describe it without recursing.
    text = Array.isArray(value) ? '[...]' : '{...}';
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isInteger(value: unknown): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

export const tBool: Checker = (v) => (typeof v === 'boolean' ? v : fail('Unable to read Bool'));

/** Integers beyond 2^53 arrive as bigint; a Double holds them approximately, like Ganeti. */
export const tDouble: Checker = (v) => {
  const n = typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : fail('Unable to read Double');
};

export const tNonNegativeInt: Checker = (v) => {
  if (!isInteger(v)) return fail('Unable to read Int');
  return v >= 0 ? v : fail(`Invalid value for non-negative type '${String(v)}'`);
};

export const tString: Checker = (v) => (typeof v === 'string' ? v : fail('Unable to read String'));

export const tNonEmptyString: Checker = (v, ctx) => (tString(v, ctx) !== '' ? v : fail('Received empty value for non-empty string'));

/** A JSON object (Ganeti's dict parameters: beparams, hvparams, ...), copied. */
export const tDict: Checker = (v) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? {...(v as Record<string, unknown>)} : fail('Unable to read Dict');

export const tStringOrNumber: Checker = (v) =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? v : fail('Unable to read value');

export function tListOf(item: Checker): Checker {
  return (v, ctx) => (Array.isArray(v) ? v.map((x) => item(x, ctx)) : fail('Unable to read list'));
}

export function tMaybe(inner: Checker): Checker {
  return (v, ctx) => (v === null ? null : inner(v, ctx));
}

/** One of a fixed set of values (named like the Haskell type, for messages). */
export function tElemOf(typeName: string, values: readonly (string | number)[]): Checker {
  return (v) => {
    const found = values.find((x) => x === (typeof v === 'bigint' ? Number(v) : v));
    return found ?? fail(`Invalid value for type ${typeName}: ${showValue(v)}, expected one of ${values.join(', ')}`);
  };
}

const tPriority = tElemOf('OpSubmitPriority', SUBMIT_PRIORITIES);
const tFinalizedStatuses = tListOf(tElemOf('FinalizedJobStatus', [...FINALIZED]));

/**
 * Job IDs may be sent as decimal strings (Python's ht.TJobId); they are stored as integers.
 * An id no job can ever have (beyond 2^53 - 1, where a double stops counting) is refused here:
 * accepted, it would leave the job waiting for a dependency that can never be looked up.
 */
function jobId(value: unknown, ctx: CheckContext, dep: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) return fail(`Invalid job ID ${showValue(value)} in dependency ${showValue(dep)}`);
  if (n < 0 && !ctx.allowRelativeDepends) {
    return fail(`Relative job ID ${String(n)} in dependency ${showValue(dep)} is only allowed in SubmitManyJobs`);
  }
  return n;
}

const tJobDependency: Checker = (v, ctx) =>
  Array.isArray(v) && v.length === 2
    ? [jobId(v[0], ctx, v), tFinalizedStatuses(v[1], ctx)]
    : fail(`Invalid job dependency ${showValue(v)}, expected [job_id, [status, ...]]`);

/** [source, text, timestamp]; the nanosecond timestamp exceeds 2^53 and is usually a bigint. */
const tReasonEntry: Checker = (v) =>
  Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'string' && isInteger(v[2])
    ? [v[0], v[1], v[2]]
    : fail(`Invalid reason trail entry ${showValue(v)}, expected [source, text, timestamp]`);

function param(name: string, check: Checker, dflt: unknown): ParamDef {
  return {name, check, default: dflt, required: false, float: false};
}

function required(name: string, check: Checker, opts: {float?: boolean} = {}): ParamDef {
  return {name, check, default: null, required: true, float: opts.float ?? false};
}

const DISK_TEMPLATES = ['diskless', 'drbd', 'plain', 'file', 'sharedfile', 'blockdev', 'rbd', 'ext', 'gluster'];

/** Items of SET_PARAMS' nics/disks modification lists: [op or index, {params}]. */
const tStringOrDictItem: Checker = (v, ctx) =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? v : tDict(v, ctx);

/** Parameters of every opcode (docs/opcodes.md). */
export const COMMON_PARAMS: readonly ParamDef[] = [
  param('dry_run', tMaybe(tBool), null),
  param('debug_level', tMaybe(tNonNegativeInt), null),
  param('priority', tPriority, 0),
  param('depends', tMaybe(tListOf(tJobDependency)), null),
  param('comment', tMaybe(tString), null),
  param('reason', tListOf(tReasonEntry), []),
];

function opcode(id: string, params: readonly ParamDef[], summaryParam: string | null = null): OpcodeDef {
  return {id, params: [...params, ...COMMON_PARAMS], summaryParam};
}

export const OPCODES: ReadonlyMap<string, OpcodeDef> = new Map(
  [
    opcode(
      'OP_TEST_DELAY',
      [
        required('duration', tDouble, {float: true}),
        param('on_master', tBool, true),
        param('on_nodes', tListOf(tNonEmptyString), []),
        param('on_node_uuids', tMaybe(tListOf(tNonEmptyString)), null),
        param('repeat', tNonNegativeInt, 0),
        param('interruptible', tBool, false),
        param('no_locks', tBool, true),
      ],
      'duration',
    ),
    opcode(
      'OP_NODE_ADD',
      [
        required('node_name', tNonEmptyString),
        param('primary_ip', tMaybe(tNonEmptyString), null),
        param('secondary_ip', tMaybe(tNonEmptyString), null),
        param('readd', tBool, false),
        param('group', tMaybe(tNonEmptyString), null),
        param('master_capable', tMaybe(tBool), null),
        param('vm_capable', tMaybe(tBool), null),
        // ganeti-ts: the node daemon's port when it is not the cluster default (virtual clusters).
        param('rpc_port', tMaybe(tNonNegativeInt), null),
      ],
      'node_name',
    ),
    opcode('OP_NODE_REMOVE', [required('node_name', tNonEmptyString), param('node_uuid', tMaybe(tNonEmptyString), null)], 'node_name'),
    opcode(
      'OP_NODE_SET_PARAMS',
      [
        required('node_name', tNonEmptyString),
        param('node_uuid', tMaybe(tNonEmptyString), null),
        param('force', tBool, false),
        param('master_candidate', tMaybe(tBool), null),
        param('offline', tMaybe(tBool), null),
        param('drained', tMaybe(tBool), null),
        param('auto_promote', tBool, false),
        param('master_capable', tMaybe(tBool), null),
        param('vm_capable', tMaybe(tBool), null),
      ],
      'node_name',
    ),
    opcode(
      'OP_INSTANCE_CREATE',
      [
        required('instance_name', tString),
        param('mode', tElemOf('InstCreateMode', ['create', 'import', 'remote-import']), null),
        param('disk_template', tMaybe(tElemOf('DiskTemplate', DISK_TEMPLATES)), null),
        param('disks', tListOf(tDict), []),
        param('nics', tListOf(tDict), []),
        param('os_type', tMaybe(tNonEmptyString), null),
        param('pnode', tMaybe(tNonEmptyString), null),
        param('pnode_uuid', tMaybe(tNonEmptyString), null),
        param('snode', tMaybe(tNonEmptyString), null),
        param('snode_uuid', tMaybe(tNonEmptyString), null),
        param('hypervisor', tMaybe(tNonEmptyString), null),
        param('hvparams', tMaybe(tDict), null),
        param('beparams', tMaybe(tDict), null),
        param('osparams', tMaybe(tDict), null),
        param('osparams_private', tMaybe(tDict), null),
        param('osparams_secret', tMaybe(tDict), null),
        param('start', tBool, true),
        param('no_install', tMaybe(tBool), null),
        param('name_check', tBool, true),
        param('ip_check', tBool, true),
        param('conflicts_check', tBool, true),
        param('wait_for_sync', tBool, true),
        param('iallocator', tMaybe(tNonEmptyString), null),
        param('group_name', tMaybe(tNonEmptyString), null),
        param('tags', tListOf(tString), []),
        param('identify_defaults', tBool, false),
        param('ignore_ipolicy', tBool, false),
        param('opportunistic_locking', tBool, false),
        param('force_variant', tBool, false),
        param('forthcoming', tBool, false),
        param('commit', tBool, false),
        param('instance_communication', tBool, false),
        param('compress', tString, 'none'),
        param('helper_startup_timeout', tMaybe(tNonNegativeInt), null),
        param('helper_shutdown_timeout', tMaybe(tNonNegativeInt), null),
        param('file_driver', tMaybe(tString), null),
        param('file_storage_dir', tMaybe(tString), null),
        param('src_node', tMaybe(tNonEmptyString), null),
        param('src_node_uuid', tMaybe(tNonEmptyString), null),
        param('src_path', tMaybe(tNonEmptyString), null),
        param('source_handshake', tMaybe(tListOf(tStringOrNumber)), null),
        param('source_instance_name', tMaybe(tString), null),
        param('source_shutdown_timeout', tNonNegativeInt, 120),
        param('source_x509_ca', tMaybe(tString), null),
      ],
      'instance_name',
    ),
    opcode(
      'OP_INSTANCE_REMOVE',
      [
        required('instance_name', tString),
        param('instance_uuid', tMaybe(tNonEmptyString), null),
        param('shutdown_timeout', tNonNegativeInt, 120),
        param('ignore_failures', tBool, false),
      ],
      'instance_name',
    ),
    opcode(
      'OP_INSTANCE_STARTUP',
      [
        required('instance_name', tString),
        param('instance_uuid', tMaybe(tNonEmptyString), null),
        param('force', tBool, false),
        param('ignore_offline_nodes', tBool, false),
        param('hvparams', tMaybe(tDict), null),
        param('beparams', tMaybe(tDict), null),
        param('no_remember', tBool, false),
        param('startup_paused', tBool, false),
        param('shutdown_timeout', tNonNegativeInt, 120),
      ],
      'instance_name',
    ),
    opcode(
      'OP_INSTANCE_SHUTDOWN',
      [
        required('instance_name', tString),
        param('instance_uuid', tMaybe(tNonEmptyString), null),
        param('force', tBool, false),
        param('ignore_offline_nodes', tBool, false),
        param('timeout', tNonNegativeInt, 120),
        param('no_remember', tBool, false),
        param('admin_state_source', tMaybe(tElemOf('AdminStateSource', ['admin', 'user'])), null),
      ],
      'instance_name',
    ),
    opcode(
      'OP_INSTANCE_REBOOT',
      [
        required('instance_name', tString),
        param('instance_uuid', tMaybe(tNonEmptyString), null),
        param('ignore_secondaries', tBool, false),
        required('reboot_type', tElemOf('RebootType', ['soft', 'hard', 'full'])),
        param('shutdown_timeout', tNonNegativeInt, 120),
      ],
      'instance_name',
    ),
    opcode('OP_INSTANCE_RENAME', [
      required('instance_name', tString),
      param('instance_uuid', tMaybe(tNonEmptyString), null),
      required('new_name', tNonEmptyString),
      param('name_check', tBool, true),
      param('ip_check', tBool, true),
    ]),
    opcode(
      'OP_INSTANCE_SET_PARAMS',
      [
        required('instance_name', tString),
        param('instance_uuid', tMaybe(tNonEmptyString), null),
        param('force', tBool, false),
        param('force_variant', tBool, false),
        param('ignore_ipolicy', tBool, false),
        param('nics', tListOf(tListOf(tStringOrDictItem)), []),
        param('disks', tListOf(tListOf(tStringOrDictItem)), []),
        param('beparams', tMaybe(tDict), null),
        param('runtime_mem', tMaybe(tNonNegativeInt), null),
        param('hvparams', tMaybe(tDict), null),
        param('disk_template', tMaybe(tElemOf('DiskTemplate', DISK_TEMPLATES)), null),
        param('ext_params', tMaybe(tDict), null),
        param('file_driver', tMaybe(tString), null),
        param('file_storage_dir', tMaybe(tString), null),
        param('pnode', tMaybe(tNonEmptyString), null),
        param('pnode_uuid', tMaybe(tNonEmptyString), null),
        param('remote_node', tMaybe(tNonEmptyString), null),
        param('remote_node_uuid', tMaybe(tNonEmptyString), null),
        param('iallocator', tMaybe(tNonEmptyString), null),
        param('os_name', tMaybe(tNonEmptyString), null),
        param('osparams', tMaybe(tDict), null),
        param('osparams_private', tMaybe(tDict), null),
        param('wait_for_sync', tBool, true),
        param('offline', tMaybe(tBool), null),
        param('conflicts_check', tBool, true),
        param('hotplug', tBool, false),
        param('hotplug_if_possible', tBool, false),
        param('instance_communication', tMaybe(tBool), null),
      ],
      'instance_name',
    ),
    opcode(
      'OP_INSTANCE_MIGRATE',
      [
        required('instance_name', tString),
        param('instance_uuid', tMaybe(tNonEmptyString), null),
        param('mode', tMaybe(tElemOf('MigrationMode', ['live', 'non-live'])), null),
        param('live', tMaybe(tBool), null),
        param('target_node', tMaybe(tNonEmptyString), null),
        param('target_node_uuid', tMaybe(tNonEmptyString), null),
        param('allow_runtime_changes', tBool, true),
        param('ignore_ipolicy', tBool, false),
        param('iallocator', tMaybe(tNonEmptyString), null),
        param('cleanup', tBool, false),
        param('allow_failover', tBool, false),
        param('ignore_hvversions', tBool, false),
      ],
      'instance_name',
    ),
    opcode(
      'OP_INSTANCE_FAILOVER',
      [
        required('instance_name', tString),
        param('instance_uuid', tMaybe(tNonEmptyString), null),
        param('shutdown_timeout', tNonNegativeInt, 120),
        param('ignore_consistency', tBool, false),
        param('target_node', tMaybe(tNonEmptyString), null),
        param('target_node_uuid', tMaybe(tNonEmptyString), null),
        param('ignore_ipolicy', tBool, false),
        param('cleanup', tBool, false),
        param('iallocator', tMaybe(tNonEmptyString), null),
      ],
      'instance_name',
    ),
    opcode('OP_INSTANCE_QUERY_DATA', [
      param('instances', tListOf(tNonEmptyString), []),
      param('static', tBool, false),
      param('use_locking', tBool, false),
    ]),
    opcode('OP_TEST_JQUEUE', [
      param('notify_waitlock', tBool, false),
      param('notify_exec', tBool, false),
      param('log_messages', tListOf(tString), []),
      param('fail', tBool, false),
    ]),
  ].map((def) => [def.id, def]),
);

const TAG_KIND_CONSTRUCTORS: Readonly<Record<string, string>> = {
  instance: 'TagKindInstance',
  node: 'TagKindNode',
  nodegroup: 'TagKindGroup',
  cluster: 'TagKindCluster',
  network: 'TagKindNetwork',
};

const QUERY_TYPES = ['cluster', 'extstorage', 'os', 'export', 'filter', 'group', 'instance', 'job', 'lock', 'network', 'node'];

const groupName: SummaryField = {param: 'group_name', check: tNonEmptyString};
const nodeName: SummaryField = {param: 'node_name', check: tNonEmptyString};
// Ganeti 3.x types instance_name as a plain (possibly empty) string.
const instanceName: SummaryField = {param: 'instance_name', check: tString};
const networkName: SummaryField = {param: 'network_name', check: tNonEmptyString};
const queryWhat: SummaryField = {param: 'what', check: tElemOf('QueryTypeOp', QUERY_TYPES)};

/**
 * The Ganeti 3.0 opcodes ganeti-ts does not implement, with the field shown in their summary
 * (Ganeti 3.x rendering), or null when the summary is the bare name.
 */
export const GANETI_CATALOGUE: ReadonlyMap<string, SummaryField | null> = new Map([
  ['OP_CLUSTER_POST_INIT', null],
  ['OP_CLUSTER_DESTROY', null],
  ['OP_CLUSTER_QUERY', null],
  ['OP_CLUSTER_VERIFY', null],
  ['OP_CLUSTER_VERIFY_CONFIG', null],
  ['OP_CLUSTER_VERIFY_GROUP', groupName],
  ['OP_CLUSTER_VERIFY_DISKS', null],
  ['OP_GROUP_VERIFY_DISKS', groupName],
  ['OP_CLUSTER_REPAIR_DISK_SIZES', null],
  ['OP_CLUSTER_CONFIG_QUERY', null],
  ['OP_CLUSTER_RENAME', {param: 'name', check: tNonEmptyString}],
  ['OP_CLUSTER_SET_PARAMS', null],
  ['OP_CLUSTER_REDIST_CONF', null],
  ['OP_CLUSTER_ACTIVATE_MASTER_IP', null],
  ['OP_CLUSTER_DEACTIVATE_MASTER_IP', null],
  ['OP_CLUSTER_RENEW_CRYPTO', null],
  ['OP_QUERY', queryWhat],
  ['OP_QUERY_FIELDS', queryWhat],
  ['OP_OOB_COMMAND', null],
  ['OP_RESTRICTED_COMMAND', null],
  ['OP_NODE_QUERYVOLS', null],
  ['OP_NODE_QUERY_STORAGE', null],
  ['OP_NODE_MODIFY_STORAGE', nodeName],
  ['OP_REPAIR_NODE_STORAGE', nodeName],
  ['OP_NODE_POWERCYCLE', nodeName],
  ['OP_NODE_MIGRATE', nodeName],
  ['OP_NODE_EVACUATE', nodeName],
  ['OP_INSTANCE_MULTI_ALLOC', null],
  ['OP_INSTANCE_REINSTALL', instanceName],
  ['OP_INSTANCE_REPLACE_DISKS', instanceName],
  ['OP_INSTANCE_MOVE', instanceName],
  ['OP_INSTANCE_CONSOLE', instanceName],
  ['OP_INSTANCE_ACTIVATE_DISKS', instanceName],
  ['OP_INSTANCE_DEACTIVATE_DISKS', instanceName],
  ['OP_INSTANCE_RECREATE_DISKS', instanceName],
  ['OP_INSTANCE_GROW_DISK', instanceName],
  ['OP_INSTANCE_CHANGE_GROUP', instanceName],
  ['OP_GROUP_ADD', groupName],
  ['OP_GROUP_ASSIGN_NODES', groupName],
  ['OP_GROUP_SET_PARAMS', groupName],
  ['OP_GROUP_REMOVE', groupName],
  ['OP_GROUP_RENAME', null],
  ['OP_GROUP_EVACUATE', groupName],
  ['OP_OS_DIAGNOSE', null],
  ['OP_EXT_STORAGE_DIAGNOSE', null],
  ['OP_BACKUP_PREPARE', instanceName],
  ['OP_BACKUP_EXPORT', instanceName],
  ['OP_BACKUP_REMOVE', instanceName],
  [
    'OP_TAGS_GET',
    {
      param: 'kind',
      check: tElemOf('TagKind', Object.keys(TAG_KIND_CONSTRUCTORS)),
      render: (kind) => TAG_KIND_CONSTRUCTORS[kind as string] ?? String(kind),
    },
  ],
  ['OP_TAGS_SEARCH', {param: 'pattern', check: tNonEmptyString}],
  ['OP_TAGS_SET', null],
  ['OP_TAGS_DEL', null],
  // Ganeti 3.x mimics Python here and prints None for an unset iallocator.
  ['OP_TEST_ALLOCATOR', {param: 'iallocator', check: tMaybe(tNonEmptyString), render: (v) => (v === null ? 'None' : String(v))}],
  ['OP_TEST_OS_PARAMS', null],
  ['OP_TEST_DUMMY', null],
  ['OP_NETWORK_ADD', networkName],
  ['OP_NETWORK_REMOVE', networkName],
  ['OP_NETWORK_SET_PARAMS', networkName],
  ['OP_NETWORK_CONNECT', networkName],
  ['OP_NETWORK_DISCONNECT', networkName],
]);
