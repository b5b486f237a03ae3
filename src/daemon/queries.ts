// Query / QueryFields / QueryJobs / QueryNodes ...: selecting items and building results.
import {instanceByName, niceSort, type ConfigData, type InstanceConfig} from '../config/config.js';
import {genericError, LuxiParseError, opPrereqError} from '../protocol/errors.js';
import type {QueryResult} from '../protocol/luxi-contract.js';
import {
  EMPTY_RESOURCES,
  GROUP_FIELDS,
  LOCK_FIELDS,
  NODE_FIELDS,
  type GroupItem,
  type LockRow,
  type NodeItem,
} from '../query/cluster-fields.js';
import {
  checkOldStyleFields,
  plainValue,
  queryFields,
  selectFields,
  type FieldDefinition,
  type FieldSet,
  type QueryValue,
} from '../query/fields.js';
import {
  compileFilter,
  compileFilterSliced,
  filterFieldNames,
  filterFieldNamesSliced,
  requestedIdsFromFilterSliced,
} from '../query/filter.js';
import {INSTANCE_FIELDS, LIVE_FIELDS, type HvInfo, type InstanceItem, type LiveView} from '../query/instance-fields.js';
import {JOB_FIELDS, MEMORY_FIELDS, type JobItem} from '../query/job-fields.js';
import type {JobQueue} from './job-queue.js';
import {lockOwner} from './job-executor.js';
import type {LockManager} from './locks.js';
import type {NodeRpc} from './logical-units/logical-unit.js';
import {StreamedList} from '../json/sliced-stringify.js';
import {TimeSlicer} from '../time-slice.js';

export interface QuerySources {
  queue: JobQueue;
  locks: LockManager;
  config(): ConfigData;
  /** Node daemon calls for live instance data; without it live fields have no data. */
  readonly nodeRpc?: NodeRpc | undefined;
  /** Jobs waiting for another job to finish: dependency id -> waiting job ids. */
  dependencyWaits(): Array<[number, number[]]>;
}

/**
 * The lock table: the real locks, plus a `job/<id>` row for each job others wait for, with
 * the waiting jobs as pending owners (Ganeti 2.10 showed its dependency waits this way).
 */
function lockRows(src: QuerySources): LockRow[] {
  const rows = src.locks.rows(Object.keys(src.config().nodes).map((u) => `node/${u}`));
  for (const [dep, waiters] of src.dependencyWaits()) {
    rows.push({name: lockOwner(dep), mode: null, owner: null, pending: [['job', waiters.map(lockOwner)]]});
  }
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** all_instances_info answers within this time, or the node counts as down for the query. */
const LIVE_TIMEOUT_MS = 15_000;

const NOT_SUPPORTED = new Set(['cluster', 'os', 'filter']);
/** Job files read at once for a query that names archived jobs. */
const FIND_BATCH = 64;

/** Filters and builds rows in time slices (a large query lets other requests through). */
async function run<T>(
  set: FieldSet<T>,
  items: T[],
  fields: string[],
  filter: unknown,
  compiled?: (item: T) => boolean,
): Promise<QueryResult> {
  const slicer = new TimeSlicer();
  const match =
    compiled ??
    (await compileFilterSliced(
      filter,
      (name) => set.get(name),
      () => slicer.check(),
    ));
  const {defs, getters} = selectFields(set, fields);
  const data: QueryValue[][] = [];
  for (const item of items) {
    if (slicer.due()) await slicer.check();
    if (filter !== null && !match(item)) continue;
    data.push(getters.map((g) => g(item)));
  }
  return {fields: defs, data};
}

/** The jobs named by id, in the order given: live ones from memory, others from the archive. */
async function jobsById(src: QuerySources, ids: number[], whole: boolean): Promise<JobItem[]> {
  const items: JobItem[] = [];
  const slicer = new TimeSlicer();
  const serial = src.queue.store.serial;
  for (let i = 0; i < ids.length; i += FIND_BATCH) {
    await slicer.check();
    const batch = ids.slice(i, i + FIND_BATCH);
    // An id above the serial was never handed out: no file to look for.
    const jobs = await Promise.all(
      batch.map(async (id) => {
        const job = src.queue.jobs.get(id) ?? (id > serial ? null : await src.queue.find(id));
        return whole && job !== null ? src.queue.whole(job) : job;
      }),
    );
    for (const [k, id] of batch.entries()) items.push({id, job: jobs[k]!});
  }
  return items;
}

/** Whether the query needs fields that a finished job's record does not hold (its file is read then). */
function needsWholeJobs(fields: string[], filterNames: string[]): boolean {
  return [...fields, ...filterNames].some((name) => JOB_FIELDS.has(name) && !MEMORY_FIELDS.has(name));
}

async function jobItems(src: QuerySources, fields: string[], filter: unknown): Promise<JobItem[]> {
  const slicer = new TimeSlicer();
  const filterNames = filter === null ? [] : await filterFieldNamesSliced(filter, () => slicer.check());
  const whole = needsWholeJobs(fields, filterNames);
  const ids = await requestedIdsFromFilterSliced(filter, 'id', () => slicer.check());
  if (ids !== null) return jobsById(src, ids, whole);
  const records = src.queue.jobs.candidates(filter) ?? [...src.queue.jobs.values()];
  let items: JobItem[];
  if (whole) {
    items = [];
    for (let i = 0; i < records.length; i += FIND_BATCH) {
      await slicer.check();
      for (const job of await Promise.all(records.slice(i, i + FIND_BATCH).map((r) => src.queue.whole(r)))) items.push({id: job.id, job});
    }
  } else {
    items = records.map((job) => ({id: job.id, job}));
  }
  const wantArchived = fields.includes('archived') || filterNames.includes('archived');
  if (wantArchived) {
    for (const id of await src.queue.store.listArchivedIds()) {
      if (src.queue.jobs.has(id)) continue;
      const job = await src.queue.store.readJob(id, true);
      if (job !== null) items.push({id, job});
    }
  }
  return items.sort((a, b) => a.id - b.id);
}

function nodeItems(cfg: ConfigData): NodeItem[] {
  return niceSort(Object.values(cfg.nodes), (n) => n.name).map((node) => ({node, cfg}));
}

function groupItems(cfg: ConfigData): GroupItem[] {
  return niceSort(Object.values(cfg.nodegroups), (g) => g.name).map((group) => ({group, cfg}));
}

/** The names of a filter that is only `name == X` tests joined by `|` (how clients select by name). */
function requestedNames(filter: unknown): string[] | null {
  const out: string[] = [];
  const walk = (f: unknown): boolean => {
    if (!Array.isArray(f)) return false;
    if (f[0] === '|') return f.slice(1).every(walk);
    if ((f[0] === '==' || f[0] === '=') && f.length === 3 && f[1] === 'name' && typeof f[2] === 'string') {
      out.push(f[2]);
      return true;
    }
    return false;
  };
  return filter !== null && walk(filter) && out.length > 0 ? out : null;
}

/**
 * Live data of the instances (Ganeti's query: one all_instances_info per primary node of the
 * selected instances). A node that does not answer marks its instances, not the query.
 */
async function liveViews(src: QuerySources, cfg: ConfigData, insts: InstanceConfig[]): Promise<Map<string, LiveView>> {
  const views = new Map<string, LiveView>();
  const rpc = src.nodeRpc;
  if (rpc === undefined) return views;
  const primaries = [...new Set(insts.map((i) => i.primary_node))].map((u) => cfg.nodes[u]).filter((n) => n !== undefined);
  const online = primaries.filter((n) => !n.offline);
  const hvs = (cfg.cluster.enabled_hypervisors ?? ['fake']) as string[];
  const hvparams = Object.fromEntries(hvs.map((hv) => [hv, ((cfg.cluster.hvparams ?? {}) as Record<string, unknown>)[hv] ?? {}]));
  const results = await rpc(
    online.map((n) => n.name),
    'all_instances_info',
    [hvs, hvparams],
    LIVE_TIMEOUT_MS,
  );
  const answers = new Map<string, Record<string, HvInfo> | null>();
  for (const r of results) {
    const ok = r.ok && r.payload !== null && typeof r.payload === 'object' && !Array.isArray(r.payload);
    answers.set(r.node, ok ? (r.payload as Record<string, HvInfo>) : null);
  }
  for (const inst of insts) {
    const pnode = cfg.nodes[inst.primary_node];
    if (pnode === undefined) continue;
    if (pnode.offline) {
      views.set(inst.uuid, {kind: 'offline'});
      continue;
    }
    const mine = answers.get(pnode.name);
    if (mine === null || mine === undefined) {
      views.set(inst.uuid, {kind: 'nodedown'});
      continue;
    }
    const here = mine[inst.name];
    if (here !== undefined) {
      views.set(inst.uuid, {kind: 'running', info: here, wrongNode: false});
      continue;
    }
    const elsewhere = [...answers.values()].find((a) => a !== null && a[inst.name] !== undefined)?.[inst.name];
    views.set(inst.uuid, elsewhere !== undefined ? {kind: 'running', info: elsewhere, wrongNode: true} : {kind: 'stopped'});
  }
  return views;
}

async function instanceItems(src: QuerySources, insts: InstanceConfig[], wantLive: boolean): Promise<InstanceItem[]> {
  const cfg = src.config();
  const views = wantLive ? await liveViews(src, cfg, insts) : new Map<string, LiveView>();
  return insts.map((inst) => ({inst, cfg, live: views.get(inst.uuid) ?? {kind: 'none'}}));
}

function needsLive(fields: string[], filter: unknown): boolean {
  return [...fields, ...(filter === null ? [] : filterFieldNames(filter))].some((f) => LIVE_FIELDS.has(f));
}

async function queryInstances(src: QuerySources, fields: string[], filter: unknown): Promise<QueryResult> {
  compileFilter(filter, (name) => INSTANCE_FIELDS.get(name));
  const cfg = src.config();
  const names = requestedNames(filter);
  if (names !== null) {
    const insts: InstanceConfig[] = [];
    for (const n of names) {
      const inst = instanceByName(cfg, n);
      if (inst === undefined) throw opPrereqError(`Instance name ${n} not found`, 'unknown_entity');
      if (!insts.includes(inst)) insts.push(inst);
    }
    return run(INSTANCE_FIELDS, await instanceItems(src, insts, needsLive(fields, null)), fields, null);
  }
  const all = niceSort(Object.values(cfg.instances), (i) => i.name);
  return run(INSTANCE_FIELDS, await instanceItems(src, all, needsLive(fields, filter)), fields, filter);
}

function checkResource(what: unknown): string {
  if (typeof what !== 'string') throw new LuxiParseError('Invalid query resource: expected a string');
  if (NOT_SUPPORTED.has(what)) throw genericError(`Query '${what}' not supported`);
  if (!['job', 'lock', 'node', 'group', 'instance', ...Object.keys(EMPTY_RESOURCES)].includes(what)) {
    throw new LuxiParseError(`Unknown query resource '${what}'`);
  }
  return what;
}

export async function query(src: QuerySources, what: unknown, fields: string[], filter: unknown): Promise<QueryResult> {
  switch (checkResource(what)) {
    case 'job': {
      // The filter is checked before any job file is touched, and that matcher then filters.
      const slicer = new TimeSlicer();
      const match = await compileFilterSliced(
        filter,
        (name) => JOB_FIELDS.get(name),
        () => slicer.check(),
      );
      return run(JOB_FIELDS, await jobItems(src, fields, filter), fields, filter, match);
    }
    case 'node':
      return run(NODE_FIELDS, nodeItems(src.config()), fields, filter);
    case 'group':
      return run(GROUP_FIELDS, groupItems(src.config()), fields, filter);
    case 'instance':
      return queryInstances(src, fields, filter);
    case 'lock':
      return run(LOCK_FIELDS, lockRows(src), fields, filter);
    default:
      return run(new Map(EMPTY_RESOURCES[what as string]!.map((f) => [f.name, f])), [], fields, filter);
  }
}

export function queryFieldDefs(what: unknown, fields: string[] | null): {fields: FieldDefinition[]} {
  switch (checkResource(what)) {
    case 'job':
      return queryFields(JOB_FIELDS, fields);
    case 'node':
      return queryFields(NODE_FIELDS, fields);
    case 'group':
      return queryFields(GROUP_FIELDS, fields);
    case 'instance':
      return queryFields(INSTANCE_FIELDS, fields);
    case 'lock':
      return queryFields(LOCK_FIELDS, fields);
    default:
      return queryFields(new Map(EMPTY_RESOURCES[what as string]!.map((f) => [f.name, f])), fields);
  }
}

/** Named jobs beyond this many are answered while their rows are made (StreamedList). */
const STREAM_ROWS = 10_000;

/**
 * QueryJobs: plain values, one row per id (distinct, in the order first asked); ids may be null/[]
 * (all live jobs). The rows of named jobs need no filter: each is the one its id asked for.
 */
export async function queryJobsOldStyle(src: QuerySources, ids: number[] | null, fields: string[]): Promise<unknown[][] | StreamedList> {
  checkOldStyleFields(JOB_FIELDS, fields);
  if (ids === null || ids.length === 0) {
    const res = await query(src, 'job', fields, null);
    return res.data.map((row) => row.map(plainValue));
  }
  // ids are distinct already (the LUXI handler drops repeats in slices): a Set of a million
  // ids here would be one synchronous step of ~80 ms.
  const wanted = ids;
  const {getters} = selectFields(JOB_FIELDS, fields);
  const whole = needsWholeJobs(fields, []);
  const rowsOf = (items: JobItem[]): unknown[][] => items.map((item) => getters.map((g) => plainValue(g(item))));
  if (wanted.length <= STREAM_ROWS) return rowsOf(await jobsById(src, wanted, whole));
  return new StreamedList(
    (async function* () {
      for (let i = 0; i < wanted.length; i += STREAM_ROWS) yield rowsOf(await jobsById(src, wanted.slice(i, i + STREAM_ROWS), whole));
    })(),
  );
}

/**
 * QueryInstances: plain values, rows for the names found (short names expand to the FQDN,
 * unknown ones are left out), every instance for no names.
 */
export async function queryInstancesOldStyle(src: QuerySources, names: string[], fields: string[]): Promise<unknown[][]> {
  checkOldStyleFields(INSTANCE_FIELDS, fields);
  const cfg = src.config();
  const insts =
    names.length === 0
      ? niceSort(Object.values(cfg.instances), (i) => i.name)
      : [...new Set(names.map((n) => instanceByName(cfg, n)).filter((i) => i !== undefined))];
  const res = await run(INSTANCE_FIELDS, await instanceItems(src, insts, needsLive(fields, null)), fields, null);
  return res.data.map((row) => row.map(plainValue));
}

/** QueryNodes / QueryGroups / QueryNetworks. */
export async function queryOldStyle(src: QuerySources, what: string, names: string[], fields: string[]): Promise<unknown[][]> {
  const cfg = src.config();
  const set = what === 'node' ? NODE_FIELDS : what === 'group' ? GROUP_FIELDS : null;
  if (set === null) {
    const empty = new Map(EMPTY_RESOURCES[what]!.map((f) => [f.name, f]));
    checkOldStyleFields(empty, fields);
    return [];
  }
  checkOldStyleFields(set as FieldSet<unknown>, fields);
  const filter =
    names.length === 0
      ? null
      : [
          '|',
          ...names.flatMap((n) => [
            ['==', 'name', n],
            ['==', 'uuid', n],
          ]),
        ];
  const res =
    what === 'node' ? await run(NODE_FIELDS, nodeItems(cfg), fields, filter) : await run(GROUP_FIELDS, groupItems(cfg), fields, filter);
  return res.data.map((row) => row.map(plainValue));
}
