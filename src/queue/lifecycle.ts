// Every change of a job's state, one named function per transition (docs/job-file.md lists the
// statuses; docs/architecture.md when each happens). Only these functions change an opcode's
// status, result, timestamps or priority after submission; they change memory only, and the
// caller has the queue write the job (JobQueue.persist / persistSoon), the one place that does.
//
//   queued ──startWaiting──> waiting ──startRunning──> running ──succeed──> success
//     │                        │  ▲                       │
//     │ dequeue                │  └──requeue (shutdown)   └──failFrom──> error
//     ▼                        ├──markCanceling──> canceling ──finishCanceled──> canceled
//   canceled                   └──failFrom / finishCanceled (dependencies, lock errors)
//
// At start-up, recoverAtStart repairs what a stop left behind.
import {CANCEL_MESSAGE, OP_PRIO_HIGHEST, nowTimestamp, type QueuedJob, type QueuedOpcode, type Timestamp} from './job.js';

/** queued -> waiting: the opcode begins (dependencies, then locks). */
export function startWaiting(job: QueuedJob, op: QueuedOpcode, now: Timestamp = nowTimestamp()): void {
  if (op.status !== 'queued') return;
  op.status = 'waiting';
  op.startTimestamp = now;
  op.result = null;
  job.startTimestamp ??= now;
}

/** waiting -> running: the opcode holds its locks and executes. */
export function startRunning(op: QueuedOpcode, now: Timestamp = nowTimestamp()): void {
  op.status = 'running';
  op.execTimestamp = now;
}

/** running -> success; the job ends with its last opcode. */
export function succeed(job: QueuedJob, index: number, result: unknown, now: Timestamp = nowTimestamp()): void {
  const op = job.ops[index]!;
  op.status = 'success';
  op.result = result ?? null;
  op.endTimestamp = now;
  if (index === job.ops.length - 1) job.endTimestamp = now;
}

/** The opcode at index fails with result; the unfinished opcodes after it fail as "Preceding opcode failed". */
export function failFrom(job: QueuedJob, index: number, result: unknown, now: Timestamp = nowTimestamp()): void {
  job.ops.forEach((op, i) => {
    if (i < index || op.finalized) return;
    op.status = 'error';
    op.result = i === index ? result : ['OpExecError', ['Preceding opcode failed']];
    if (i === index) op.endTimestamp = now;
  });
  job.endTimestamp = now;
}

/** queued -> canceled for a job none of whose opcodes has started (CancelJob answers "Dequeued"). */
export function dequeue(job: QueuedJob, now: Timestamp = nowTimestamp()): void {
  for (const op of job.ops) {
    if (op.finalized) continue;
    op.status = 'canceled';
    op.result = CANCEL_MESSAGE;
  }
  job.endTimestamp = now;
}

/** waiting -> canceling: the executor finishes the cancel when it next looks at the job. */
export function markCanceling(job: QueuedJob): void {
  for (const op of job.ops) if (!op.finalized) op.status = 'canceling';
}

/**
 * Whether CancelJob asked for this opcode to stop. A function, not a status comparison at the
 * call site: the status changes while the executor awaits, which a comparison's narrowing hides.
 */
export function cancelRequested(op: QueuedOpcode): boolean {
  return op.status === 'canceling';
}

/** canceling (or waiting) -> canceled: every unfinished opcode, and the job, end. */
export function finishCanceled(job: QueuedJob, now: Timestamp = nowTimestamp()): void {
  for (const op of job.ops) {
    if (op.finalized) continue;
    op.status = 'canceled';
    op.result = CANCEL_MESSAGE;
    op.endTimestamp = now;
  }
  job.endTimestamp = now;
}

/** waiting -> queued on shutdown; false when the opcode was not waiting (nothing to write). */
export function requeue(op: QueuedOpcode): boolean {
  if (op.status !== 'waiting') return false;
  op.status = 'queued';
  return true;
}

/**
 * The repair at start-up of a job a stop left behind: 'requeued' when it runs again (waiting
 * opcodes back to queued: 'repaired' when that changed the file), 'failed' when work was cut
 * short (running or canceling: the unfinished opcodes fail with "Unclean master daemon
 * shutdown"), 'unchanged' for final jobs.
 */
export function recoverAtStart(job: QueuedJob, now: Timestamp = nowTimestamp()): 'requeued' | 'repaired' | 'failed' | 'unchanged' {
  switch (job.status) {
    case 'queued':
      return 'requeued';
    case 'waiting':
      for (const op of job.ops) {
        if (op.finalized) continue;
        op.status = 'queued';
        op.result = null;
      }
      return 'repaired';
    case 'running':
    case 'canceling':
      for (const op of job.ops) {
        if (op.finalized) continue;
        op.status = 'error';
        op.result = ['OpExecError', ['Unclean master daemon shutdown']];
        op.endTimestamp = now;
      }
      job.endTimestamp = now;
      return 'failed';
    default:
      return 'unchanged';
  }
}

/** ChangeJobPriority: the queued and waiting opcodes get the priority; false when there were none. */
export function changePriority(job: QueuedJob, priority: number): boolean {
  let changed = false;
  for (const op of job.ops) {
    if (op.status === 'queued' || op.status === 'waiting') {
      op.priority = priority;
      changed = true;
    }
  }
  return changed;
}

/** Priority aging of an opcode blocked on locks: one step up; false at the highest priority. */
export function raisePriority(op: QueuedOpcode): boolean {
  if (op.priority <= OP_PRIO_HIGHEST) return false;
  op.priority -= 1;
  return true;
}
