// The job resource's query fields (docs/queries.md): names, titles, kinds and docs are wire contract.
import {opcodeSummary} from '../opcodes/summary.js';
import type {QueuedJob, QueuedOpcode, Timestamp} from '../queue/job.js';
import {fieldSet, RS_NORMAL, RS_UNAVAIL, type Field, type FieldKind, type QueryValue} from './fields.js';

/** A job row: the job, or only the id when a requested job does not exist. */
export interface JobItem {
  id: number;
  job: QueuedJob | null;
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

function jobField(
  name: string,
  title: string,
  kind: FieldKind,
  doc: string,
  get: (job: QueuedJob) => unknown,
  extra: Partial<Field<JobItem>> = {},
): Field<JobItem> {
  return {
    name,
    title,
    kind,
    doc,
    get: (item) => (item.job === null ? UNAVAIL : [RS_NORMAL, get(item.job)]),
    ...extra,
  };
}

function tsField(name: string, title: string, doc: string, get: (job: QueuedJob) => Timestamp | null): Field<JobItem> {
  return {
    name,
    title,
    kind: 'other',
    doc,
    timestampPair: true,
    get: (item) => {
      if (item.job === null) return UNAVAIL;
      const ts = get(item.job);
      return ts === null ? UNAVAIL : [RS_NORMAL, ts];
    },
  };
}

export const JOB_FIELDS = fieldSet<JobItem>([
  {name: 'id', title: 'ID', kind: 'number', doc: 'Job ID', get: (item) => [RS_NORMAL, item.id]},
  jobField('status', 'Status', 'text', 'Job status', (j) => j.status),
  jobField('priority', 'Priority', 'number', 'Current job priority (19 to -20)', (j) => j.priority),
  jobField('archived', 'Archived', 'bool', 'Whether job is archived', (j) => j.archived),
  jobField('ops', 'OpCodes', 'other', 'List of all opcodes', (j) => j.ops.map((op) => op.input)),
  jobField('opresult', 'OpCode_result', 'other', 'List of opcodes results', (j) => j.ops.map((op) => op.result)),
  jobField('opstatus', 'OpCode_status', 'other', 'List of opcodes status', (j) => j.ops.map((op) => op.status)),
  jobField('oplog', 'OpCode_log', 'other', 'List of opcode output logs', (j) => j.ops.map((op) => op.log)),
  jobField('opstart', 'OpCode_start', 'other', 'List of opcode start timestamps (before acquiring locks)', (j) =>
    j.ops.map((op) => op.startTimestamp),
  ),
  jobField('opexec', 'OpCode_exec', 'other', 'List of opcode execution start timestamps (after acquiring locks)', (j) =>
    j.ops.map((op) => op.execTimestamp),
  ),
  jobField('opend', 'OpCode_end', 'other', 'List of opcode execution end timestamps', (j) => j.ops.map((op) => op.endTimestamp)),
  jobField('oppriority', 'OpCode_prio', 'other', 'List of opcode priorities', (j) => j.ops.map((op) => op.priority)),
  jobField('summary', 'Summary', 'other', 'List of per-opcode summaries', (j) => j.ops.map(cachedSummary)),
  tsField(
    'received_ts',
    'Received',
    'Timestamp of when job was received (tuple containing seconds and microseconds)',
    (j) => j.receivedTimestamp,
  ),
  tsField('start_ts', 'Start', 'Timestamp of job start (tuple containing seconds and microseconds)', (j) => j.startTimestamp),
  tsField('end_ts', 'End', 'Timestamp of job end (tuple containing seconds and microseconds)', (j) => j.endTimestamp),
]);
