// The job resource's query fields (docs/queries.md): names, titles, kinds and docs are wire contract.
import {opcodeSummary} from '../opcodes/summary.js';
import {QueuedJob, type JobRecord, type QueuedOpcode, type Timestamp} from '../queue/job.js';
import {fieldSet, RS_NORMAL, RS_UNAVAIL, type Field, type FieldKind, type QueryValue} from './fields.js';
import {NO_DATA} from './filter.js';

/**
 * A job row: the job, or only the id when a requested job does not exist. A finished job's
 * record (FinishedJob) answers the fields of MEMORY_FIELDS; the query reads its file for others.
 */
export interface JobItem {
  id: number;
  job: JobRecord | null;
}

const UNAVAIL: QueryValue = [RS_UNAVAIL, null];
const summaries = new WeakMap<QueuedOpcode, string>();

export function cachedSummary(op: QueuedOpcode): string {
  let s = summaries.get(op);
  if (s === undefined) {
    s = opcodeSummary(op.input);
    summaries.set(op, s);
  }
  return s;
}

/** The summary of each opcode. */
export function jobSummaries(job: JobRecord): readonly string[] {
  return job instanceof QueuedJob ? job.ops.map(cachedSummary) : job.summaries;
}

/** get() and the filters' value() of a field, both from value() (NO_DATA: unavailable). */
function fromValue(value: (item: JobItem) => unknown): Pick<Field<JobItem>, 'get' | 'value'> {
  return {
    get: (item) => {
      const v = value(item);
      return v === NO_DATA ? UNAVAIL : [RS_NORMAL, v];
    },
    value,
  };
}

/** A field every job answers from memory. */
function jobField(name: string, title: string, kind: FieldKind, doc: string, get: (job: JobRecord) => unknown): Field<JobItem> {
  return {name, title, kind, doc, ...fromValue((item) => (item.job === null ? NO_DATA : get(item.job)))};
}

/** A field of the opcodes' details: a finished job's record lacks them (its file was not readable). */
function opsField(name: string, title: string, doc: string, get: (job: QueuedJob) => unknown): Field<JobItem> {
  return {name, title, kind: 'other', doc, get: (item) => (item.job instanceof QueuedJob ? [RS_NORMAL, get(item.job)] : UNAVAIL)};
}

function tsField(name: string, title: string, doc: string, get: (job: JobRecord) => Timestamp | null): Field<JobItem> {
  return {
    name,
    title,
    kind: 'other',
    doc,
    timestampPair: true,
    ...fromValue((item) => {
      const ts = item.job === null ? null : get(item.job);
      return ts === null ? NO_DATA : ts;
    }),
  };
}

export const JOB_FIELDS = fieldSet<JobItem>([
  {name: 'id', title: 'ID', kind: 'number', doc: 'Job ID', ...fromValue((item) => item.id)},
  jobField('status', 'Status', 'text', 'Job status', (j) => j.status),
  jobField('priority', 'Priority', 'number', 'Current job priority (19 to -20)', (j) => j.priority),
  jobField('archived', 'Archived', 'bool', 'Whether job is archived', (j) => j.archived),
  opsField('ops', 'OpCodes', 'List of all opcodes', (j) => j.ops.map((op) => op.input)),
  opsField('opresult', 'OpCode_result', 'List of opcodes results', (j) => j.ops.map((op) => op.result)),
  opsField('opstatus', 'OpCode_status', 'List of opcodes status', (j) => j.ops.map((op) => op.status)),
  opsField('oplog', 'OpCode_log', 'List of opcode output logs', (j) => j.ops.map((op) => op.log)),
  opsField('opstart', 'OpCode_start', 'List of opcode start timestamps (before acquiring locks)', (j) =>
    j.ops.map((op) => op.startTimestamp),
  ),
  opsField('opexec', 'OpCode_exec', 'List of opcode execution start timestamps (after acquiring locks)', (j) =>
    j.ops.map((op) => op.execTimestamp),
  ),
  opsField('opend', 'OpCode_end', 'List of opcode execution end timestamps', (j) => j.ops.map((op) => op.endTimestamp)),
  opsField('oppriority', 'OpCode_prio', 'List of opcode priorities', (j) => j.ops.map((op) => op.priority)),
  jobField('summary', 'Summary', 'other', 'List of per-opcode summaries', jobSummaries),
  tsField(
    'received_ts',
    'Received',
    'Timestamp of when job was received (tuple containing seconds and microseconds)',
    (j) => j.receivedTimestamp,
  ),
  tsField('start_ts', 'Start', 'Timestamp of job start (tuple containing seconds and microseconds)', (j) => j.startTimestamp),
  tsField('end_ts', 'End', 'Timestamp of job end (tuple containing seconds and microseconds)', (j) => j.endTimestamp),
]);

/** The fields a finished job's record answers without its file (docs/queries.md). */
export const MEMORY_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'status',
  'priority',
  'archived',
  'summary',
  'received_ts',
  'start_ts',
  'end_ts',
]);
