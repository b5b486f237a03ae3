// Query / QueryFields / QueryJobs / QueryNodes ...: selecting items and building results.
import {niceSort, type ConfigData} from '../config/config.js';
import {genericError, LuxiParseError} from '../protocol/errors.js';
import {EMPTY_RESOURCES, GROUP_FIELDS, LOCK_FIELDS, NODE_FIELDS, type GroupItem, type NodeItem} from '../query/cluster-fields.js';
import {checkOldStyleFields, plainValue, queryFields, selectFields, type FieldDefinition, type FieldSet, type QueryValue} from '../query/fields.js';
import {compileFilter, filterFieldNames, requestedIdsFromFilter} from '../query/filter.js';
import {JOB_FIELDS, type JobItem} from '../query/job-fields.js';
import type {JobQueue} from './job-queue.js';
import type {LockManager} from './locks.js';

export interface QueryResult {
  fields: FieldDefinition[];
  data: QueryValue[][];
}

export interface QuerySources {
  queue: JobQueue;
  locks: LockManager;
  config(): ConfigData;
}

const NOT_SUPPORTED = new Set(['cluster', 'os', 'filter']);

function run<T>(set: FieldSet<T>, items: T[], fields: string[], filter: unknown): QueryResult {
  const match = compileFilter(filter, (name) => set.get(name));
  const {defs, getters} = selectFields(set, fields);
  const data: QueryValue[][] = [];
  for (const item of items) {
    if (filter !== null && !match(item)) continue;
    data.push(getters.map((g) => g(item)));
  }
  return {fields: defs, data};
}

async function jobItems(src: QuerySources, fields: string[], filter: unknown): Promise<JobItem[]> {
  const ids = requestedIdsFromFilter(filter, 'id');
  if (ids !== null) {
    return Promise.all(ids.map(async (id) => ({id, job: await src.queue.find(id)})));
  }
  const items: JobItem[] = [...src.queue.jobs.values()].map((job) => ({id: job.id, job}));
  const wantArchived = fields.includes('archived') || (filter !== null && filterFieldNames(filter).includes('archived'));
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

function checkResource(what: unknown): string {
  if (typeof what !== 'string') throw new LuxiParseError('Invalid query resource: expected a string');
  if (NOT_SUPPORTED.has(what)) throw genericError(`Query '${what}' not supported`);
  if (!['job', 'lock', 'node', 'group', ...Object.keys(EMPTY_RESOURCES)].includes(what)) {
    throw new LuxiParseError(`Unknown query resource '${what}'`);
  }
  return what;
}

export async function query(src: QuerySources, what: unknown, fields: string[], filter: unknown): Promise<QueryResult> {
  switch (checkResource(what)) {
    case 'job':
      // Validate the filter before touching any job file.
      compileFilter(filter, (name) => JOB_FIELDS.get(name));
      return run(JOB_FIELDS, await jobItems(src, fields, filter), fields, filter);
    case 'node':
      return run(NODE_FIELDS, nodeItems(src.config()), fields, filter);
    case 'group':
      return run(GROUP_FIELDS, groupItems(src.config()), fields, filter);
    case 'lock':
      return run(LOCK_FIELDS, src.locks.rows(Object.keys(src.config().nodes).map((u) => `node/${u}`)), fields, filter);
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
    case 'lock':
      return queryFields(LOCK_FIELDS, fields);
    default:
      return queryFields(new Map(EMPTY_RESOURCES[what as string]!.map((f) => [f.name, f])), fields);
  }
}

/** QueryJobs: plain values; ids may be null/[] (all live jobs). */
export async function queryJobsOldStyle(src: QuerySources, ids: number[] | null, fields: string[]): Promise<unknown[][]> {
  checkOldStyleFields(JOB_FIELDS, fields);
  const filter = ids === null || ids.length === 0 ? null : ['|', ...ids.map((id) => ['==', 'id', id])];
  const res = await query(src, 'job', fields, filter);
  return res.data.map((row) => row.map(plainValue));
}

/** QueryNodes / QueryGroups / QueryInstances / QueryNetworks. */
export function queryOldStyle(src: QuerySources, what: string, names: string[], fields: string[]): unknown[][] {
  const cfg = src.config();
  const set = what === 'node' ? NODE_FIELDS : what === 'group' ? GROUP_FIELDS : null;
  if (set === null) {
    const empty = new Map(EMPTY_RESOURCES[what]!.map((f) => [f.name, f]));
    checkOldStyleFields(empty, fields);
    return [];
  }
  checkOldStyleFields(set as FieldSet<unknown>, fields);
  const filter = names.length === 0 ? null : ['|', ...names.flatMap((n) => [['==', 'name', n], ['==', 'uuid', n]])];
  const res =
    what === 'node' ? run(NODE_FIELDS, nodeItems(cfg), fields, filter) : run(GROUP_FIELDS, groupItems(cfg), fields, filter);
  return res.data.map((row) => row.map(plainValue));
}
