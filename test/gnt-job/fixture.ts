// A job queue with finished jobs of fixed content and timestamps, written in Ganeti's job-file
// format before the daemon starts, so that `gnt-job list/info` print the same bytes every run.
// Run the clients with TZ=UTC (timestamps are printed in local time).
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {LuxiClient} from '../../src/protocol/client.js';
import {delayOp, runCli, waitFor, type TestNode} from '../helpers/cluster.js';

/** 2023-11-14 22:13:20 UTC */
export const T0 = 1700000000;

type Ts = [number, number] | null;

interface OpSpec {
  input: Record<string, unknown>;
  status: string;
  result?: unknown;
  log?: unknown[];
  priority?: number;
  start?: Ts;
  exec?: Ts;
  end?: Ts;
}

function delayInput(jobId: number, index: number, duration: number | string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    OP_ID: 'OP_TEST_DELAY',
    duration,
    on_master: true,
    on_nodes: [],
    on_node_uuids: null,
    repeat: 0,
    interruptible: false,
    no_locks: true,
    dry_run: null,
    debug_level: null,
    priority: 0,
    depends: null,
    comment: null,
    reason: [['gnt:opcode:test_delay', `job=${jobId};index=${index}`, `${T0}000000000`]],
    ...extra,
  };
}

function jobText(id: number, ops: OpSpec[], received: Ts, start: Ts, end: Ts): string {
  const job = {
    id,
    ops: ops.map((op) => ({
      input: op.input,
      status: op.status,
      result: op.result ?? null,
      log: op.log ?? [],
      priority: op.priority ?? 0,
      start_timestamp: op.start ?? null,
      exec_timestamp: op.exec ?? null,
      end_timestamp: op.end ?? null,
    })),
    received_timestamp: received,
    start_timestamp: start,
    end_timestamp: end,
  };
  // Reason timestamps are nanoseconds (beyond 2^53): written as bare integers.
  return JSON.stringify(job).replace(/"(\d{19})"/g, '$1') + '\n';
}

const at = (s: number, us: number): [number, number] => [T0 + s, us];

/** The fixture jobs by file: live jobs 1, 2, 3, 12, 123; job 5 archived. serial = 123. */
export function fixtureJobs(): Array<{id: number; archived: boolean; text: string}> {
  return [
    {
      id: 1,
      archived: false,
      text: jobText(
        1,
        [
          {
            input: delayInput(1, 0, 1.5, {repeat: 2}),
            status: 'success',
            log: [
              [1, at(0, 200000), 'message', ' - INFO: Test delay iteration 0/1'],
              [2, at(1, 700000), 'message', ' - INFO: Test delay iteration 1/1'],
            ],
            start: at(0, 100000),
            exec: at(0, 150000),
            end: at(3, 250000),
          },
        ],
        at(0, 0),
        at(0, 100000),
        at(3, 250000),
      ),
    },
    {
      id: 2,
      archived: false,
      text: jobText(
        2,
        [
          {input: delayInput(2, 0, 0.5), status: 'success', start: at(10, 1), exec: at(10, 2), end: at(10, 500003)},
          {
            input: delayInput(2, 1, -1, {comment: 'it\'s "quoted" and ünïcode'}),
            status: 'error',
            result: ['OpPrereqError', ['Duration must be greater than zero']],
            start: at(10, 500010),
            end: at(10, 500020),
          },
        ],
        at(9, 999999),
        at(10, 1),
        at(10, 500020),
      ),
    },
    {
      id: 3,
      archived: false,
      text: jobText(
        3,
        [{input: delayInput(3, 0, 10, {priority: 10}), status: 'canceled', result: 'Job canceled by request', priority: 10}],
        at(20, 0),
        null,
        at(21, 0),
      ),
    },
    {
      id: 5,
      archived: true,
      text: jobText(
        5,
        [{input: delayInput(5, 0, 0.25), status: 'success', start: at(30, 0), exec: at(30, 10), end: at(30, 260000)}],
        at(29, 0),
        at(30, 0),
        at(30, 260000),
      ),
    },
    {
      id: 12,
      archived: false,
      text: jobText(
        12,
        [
          {
            input: delayInput(12, 0, 2, {priority: -10}),
            status: 'success',
            priority: -10,
            start: at(40, 0),
            exec: at(40, 5),
            end: at(42, 5),
          },
          {
            input: delayInput(12, 1, 0.1, {priority: -10}),
            status: 'success',
            priority: -10,
            log: [
              [1, at(42, 10), 'delay-test', ['/tmp/sock-12']],
              [2, at(42, 20), 'message', 'héllo "world"'],
            ],
            start: at(42, 6),
            exec: at(42, 7),
            end: at(42, 100007),
          },
        ],
        at(39, 500000),
        at(40, 0),
        at(42, 100007),
      ),
    },
    {
      id: 123,
      archived: false,
      text: jobText(
        123,
        [
          {
            input: delayInput(123, 0, 5, {on_nodes: ['node9']}),
            status: 'error',
            result: ['OpPrereqError', ["Node 'node9' not known", 'unknown_entity']],
            start: at(50, 0),
            end: at(50, 1000),
          },
        ],
        at(50, 0),
        at(50, 0),
        at(50, 1000),
      ),
    },
  ];
}

/** Writes the fixture queue (call before the daemon starts). */
export function writeFixtureQueue(node: TestNode): void {
  const queue = node.paths.queueDir;
  mkdirSync(join(queue, 'archive', '0'), {recursive: true});
  for (const job of fixtureJobs()) {
    writeFileSync(join(queue, job.archived ? join('archive', '0') : '', `job-${job.id}`), job.text, {mode: 0o640});
  }
  writeFileSync(join(queue, 'serial'), '123\n');
  writeFileSync(join(queue, 'version'), '1\n');
}

export const GNT_JOB = join(import.meta.dirname, '..', '..', 'bin', 'gnt-job.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs our gnt-job on the node (TZ=UTC). */
export function gntJob(node: TestNode, args: string[], opts: {input?: string; env?: NodeJS.ProcessEnv} = {}): Promise<CliResult> {
  return runCli(node, args, {bin: GNT_JOB, env: {TZ: 'UTC', ...opts.env}, ...(opts.input === undefined ? {} : {input: opts.input})});
}

/** Newline-terminated lines, as the CLI prints them. */
export function text(lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** Runs fn over items, at most `limit` at a time, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  return results;
}

/** Blocking jobs started by blockQueue (kill them when done: cancelJob(id, true)). */
export const blockers: number[] = [];

/** Submits a job that holds the master's node lock for a long time, and jobs that must wait for it. */
export async function blockQueue(c: LuxiClient, waiting: number): Promise<{blocker: number; jobs: number[]}> {
  const blocker = await c.submitJob([delayOp(60, {no_locks: false})]);
  blockers.push(blocker);
  await waitFor(async () => (await c.queryJobs([blocker], ['status']))[0]![0] === 'running', 10_000, 'blocker to run');
  const jobs: number[] = [];
  for (let i = 0; i < waiting; i++) jobs.push(await c.submitJob([delayOp(0.1, {no_locks: false})]));
  await waitFor(
    async () => jobs.length === 0 || (await c.queryJobs(jobs, ['status'])).every((r) => r[0] === 'waiting'),
    10_000,
    'jobs to wait',
  );
  return {blocker, jobs};
}
