// The data side of `gnt-job top`: keeps a copy of the live job list current over LUXI and follows
// the selected job with WaitForJobChange.
//
// A full Query of 10,000 jobs costs 40-120 ms, too much every 100 ms. Finished jobs never change
// (until archived), so each poll asks only for what may have changed: jobs newer than the newest
// one seen, and jobs whose end_ts is not older than the previous poll. An unfinished job has no
// end_ts, and the daemon accepts a condition on a field without data, so every unfinished job is
// in that answer too (the daemon answers both from indexes). An id-only query of one range of
// IDs every second notices archived jobs, unless the queue directory shows that nothing was
// archived (docs/architecture.md, "gnt-job top's polls").
import {stat} from 'node:fs/promises';
import type {QueryResult} from '../protocol/luxi-contract.js';
import {resolvePaths} from '../paths.js';
import {LuxiClient, type LuxiClientOptions} from '../protocol/client.js';
import {stringifyJson} from '../json/lossless.js';
import {GanetiError} from '../protocol/errors.js';
import {describeError} from '../cli/error-text.js';
import {parseFilterText} from '../query/filter-text.js';
import {
  DETAIL_FIELDS,
  LOCK_FIELDS,
  ROW_FIELDS,
  dependencyIds,
  detailFromValues,
  isFinalized,
  lockFromValues,
  logLine,
  rowFromValues,
  sameRow,
  type ActionResult,
  type JobDetail,
  type JobRow,
  type LockInfo,
  type LogLine,
  type MonitorSnapshot,
  type MonitorSource,
} from './model.js';

const RETRY_MS = 500;
/** A poll period is at least this many times as long as the poll took. */
const MAX_POLL_SHARE = 4;
const SWEEP_MS = 1000;
/**
 * Once the job list has not changed for IDLE_AFTER_MS, polls come at most every IDLE_POLL_MS:
 * an idle monitor then costs the daemon a quarter of what it does at the default interval,
 * and a change still shows within a quarter of a second (the followed job's at once).
 */
const IDLE_AFTER_MS = 1000;
const IDLE_POLL_MS = 250;
/** The cluster's name, master and drain flag are read this often, and after every action. */
const CLUSTER_MS = 1000;
/** IDs checked per sweep: at 100,000 jobs an archived job leaves the table within 20 s. */
const SWEEP_IDS = 5000;
/**
 * A queue directory's mtime is trusted to show every change only once it is this old: on a file
 * system with one-second timestamps, a change in the same second as a look leaves it unchanged.
 */
const STAMP_SETTLED_MS = 2000;
const POLL_TIMEOUT_MS = 10_000;
const WFJC_TIMEOUT_S = 30;
/** CancelJob waits up to 44 s for a waiting job to give up. */
const ACTION_TIMEOUT_MS = 60_000;

export interface JobMonitorOptions {
  /** Time between the starts of two polls of the job list. */
  intervalMs: number;
  client?: Omit<LuxiClientOptions, 'timeoutMs'>;
  /**
   * The daemon's queue directory, whose mtime changes with every job file created, rewritten or
   * archived. Default: the one of `client.paths` unless a socket is given by hand (maybe another
   * daemon's); null: archived jobs are looked for by time alone.
   */
  queueDir?: string | null;
}

function queueDirOf(opts: JobMonitorOptions): string | null {
  if (opts.queueDir !== undefined) return opts.queueDir;
  if (opts.client?.socketPath !== undefined) return null;
  return (opts.client?.paths ?? resolvePaths()).queueDir;
}

type Filter = readonly unknown[];

function errorText(err: unknown): string {
  const text = err instanceof GanetiError ? describeError(err) : err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}

function rowFromCells(cells: ReadonlyArray<readonly [number, unknown]>): JobRow | null {
  return rowFromValues(cells.map(([status, value]) => (status === 0 ? value : null)));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class JobMonitor implements MonitorSource {
  private readonly pollClient: LuxiClient;
  private actionClient: LuxiClient | null = null;
  private watchClient: LuxiClient | null = null;
  private readonly listeners = new Set<() => void>();
  private snapshot: MonitorSnapshot = {
    connection: {state: 'connecting'},
    cluster: null,
    loaded: false,
    jobs: [],
    textFilter: null,
    detail: null,
    locks: null,
    dependencies: null,
    problem: null,
  };

  private readonly rows = new Map<number, JobRow>();
  /** Rows a "changed since" answer must hold if they still exist: unfinished or recently ended. */
  private readonly watched = new Set<number>();
  private lastClusterPoll = 0;
  /** When the last poll that found a change started. */
  private lastChange = 0;
  private clusterDue = true;
  private maxId = -1;
  private lastPollStart = 0;
  private lastSweep = 0;
  private sweepFrom = 0;
  private readonly queueDir: string | null;
  /** The queue directory's mtime before the current sweep pass's first query. */
  private passStamp: bigint | null = null;
  /** A queue directory mtime that the table is complete for: while it holds, nothing was archived. */
  private cleanStamp: bigint | null = null;
  private needFull = true;
  private filter: Filter | null = null;
  private locksWanted = false;

  private stopped = false;
  private refreshRequested = false;
  private wake: (() => void) | null = null;
  private watchedId: number | null = null;
  private watchGeneration = 0;
  /** The detail changed and waits for the poll it asked for, to be shown together with the table. */
  private detailUnpublished = false;

  constructor(private readonly opts: JobMonitorOptions) {
    this.pollClient = this.newClient(POLL_TIMEOUT_MS);
    this.queueDir = queueDirOf(opts);
  }

  getSnapshot = (): MonitorSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    void this.pollLoop();
  }

  stop(): void {
    this.stopped = true;
    this.watchGeneration++;
    this.wake?.();
    for (const c of [this.pollClient, this.actionClient, this.watchClient]) c?.close();
  }

  /** Polls again now instead of after the interval. */
  refresh(): void {
    this.refreshRequested = true;
    this.clusterDue = true;
    this.wake?.();
  }

  async setTextFilter(text: string | null): Promise<string | null> {
    let filter: Filter | null = null;
    if (text !== null && text.trim() !== '') {
      try {
        filter = parseFilterText(text);
        // The daemon rejects unknown fields and mistyped comparisons: try it once on every job.
        await this.pollClient.query('job', ['id'], ['&', filter]);
      } catch (err) {
        return errorText(err);
      }
    }
    this.filter = filter;
    this.needFull = true;
    this.publish({textFilter: filter === null ? null : text});
    this.refresh();
    return null;
  }

  watch(id: number | null): void {
    if (id === this.watchedId) return;
    this.watchedId = id;
    const generation = ++this.watchGeneration;
    // Closing the connection abandons a WaitForJobChange in progress; the next job gets its own.
    this.watchClient?.close();
    this.watchClient = null;
    this.publish({detail: id === null ? null : pendingDetail(id, null)});
    if (id !== null) void this.follow(id, generation);
  }

  cancelJob(id: number): Promise<ActionResult> {
    return this.act(async (c) => {
      const [ok, message] = await c.cancelJob(id);
      return {ok, message: `Cancel job ${id}: ${message}`};
    });
  }

  changePriority(id: number, priority: number): Promise<ActionResult> {
    return this.act(async (c) => {
      const [ok, message] = await c.changeJobPriority(id, priority);
      return {ok, message};
    });
  }

  archiveJob(id: number): Promise<ActionResult> {
    return this.act(async (c) => {
      if (!(await c.archiveJob(id))) return {ok: false, message: `Failed to archive job with ID '${id}'`};
      this.watched.delete(id);
      if (this.rows.delete(id)) this.publish({jobs: this.sortedJobs()});
      return {ok: true, message: `Job ${id} archived`};
    });
  }

  resubmitJob(id: number): Promise<ActionResult> {
    return this.act(async (c) => {
      const res = await c.query('job', ['status', 'ops'], ['==', 'id', id]);
      const [status, ops] = (res.data[0] ?? []).map(([rs, value]) => (rs === 0 ? value : null));
      if (typeof status !== 'string' || !Array.isArray(ops)) return {ok: false, message: `Job ${id} not found`};
      if (status !== 'error' && status !== 'canceled') {
        return {ok: false, message: `Job ${id} is ${status}: only failed or canceled jobs can be resubmitted`};
      }
      const newId = await c.submitJob(ops);
      return {ok: true, message: `Job ${id} resubmitted as job ${newId}`};
    });
  }

  setLocksWanted(wanted: boolean): void {
    if (wanted === this.locksWanted) return;
    this.locksWanted = wanted;
    if (wanted) this.refresh();
    else this.publish({locks: null, dependencies: null});
  }

  setDrainFlag(drained: boolean): Promise<ActionResult> {
    return this.act(async (c) => {
      await c.setDrainFlag(drained);
      return {ok: true, message: drained ? 'The drain flag is set: new jobs are refused' : 'The drain flag is unset'};
    });
  }

  private newClient(timeoutMs: number): LuxiClient {
    return new LuxiClient({...this.opts.client, timeoutMs});
  }

  private async act(action: (c: LuxiClient) => Promise<ActionResult>): Promise<ActionResult> {
    this.actionClient ??= this.newClient(ACTION_TIMEOUT_MS);
    try {
      return await action(this.actionClient);
    } catch (err) {
      return {ok: false, message: errorText(err)};
    } finally {
      this.refresh();
    }
  }

  private publish(change: Partial<MonitorSnapshot>): void {
    this.detailUnpublished = false;
    this.snapshot = {...this.snapshot, ...change};
    for (const listener of this.listeners) listener();
  }

  private sortedJobs(): JobRow[] {
    return [...this.rows.keys()].sort((a, b) => b - a).map((id) => this.rows.get(id)!);
  }

  // --- polling ------------------------------------------------------------------------

  /**
   * Polls start intervalMs apart (IDLE_POLL_MS while nothing changes), except that polling
   * takes at most a quarter of the time: with thousands of unfinished jobs an answer can take
   * tens of milliseconds on both sides.
   */
  private async pollLoop(): Promise<void> {
    while (!this.stopped) {
      const start = Date.now();
      let pause: number;
      try {
        await this.poll();
        const took = Date.now() - start;
        const interval = start - this.lastChange > IDLE_AFTER_MS ? Math.max(this.opts.intervalMs, IDLE_POLL_MS) : this.opts.intervalMs;
        pause = Math.max(interval, MAX_POLL_SHARE * took) - took;
      } catch (err) {
        if (this.stopped) return;
        pause = this.pollFailed(err);
      }
      if (this.stopped) return;
      if (!this.refreshRequested && pause > 0) await this.sleep(pause);
      this.refreshRequested = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async poll(): Promise<void> {
    const start = Date.now();
    // While nothing changes, the checks for changes the poll cannot see come half as often.
    const slow = start - this.lastChange > IDLE_AFTER_MS ? 2 : 1;
    let cluster = this.snapshot.cluster;
    if (cluster === null || this.clusterDue || start - this.lastClusterPoll >= slow * CLUSTER_MS) {
      this.clusterDue = false;
      const [name, master, drained] = await this.pollClient.queryConfigValues(['cluster_name', 'master_node', 'drain_flag']);
      cluster = {name: String(name ?? '?'), master: String(master ?? '?'), drained: drained === true};
      this.lastClusterPoll = start;
    }
    const filter = this.filter;
    // A lone filter of `id == N` terms would make the daemon return those IDs even when archived.
    const matching = filter === null ? null : ['&', filter];
    let jobsChanged: boolean;
    if (this.needFull) {
      const stamp = await this.queueStamp();
      const res = await this.pollClient.query('job', ROW_FIELDS, matching);
      if (filter !== this.filter) return;
      this.replaceAll(res);
      jobsChanged = true;
      this.needFull = false;
      this.lastSweep = start;
      this.sweepFrom = 0;
      this.cleanStamp = stamp;
    } else {
      const cutoff = Math.floor(this.lastPollStart / 1000) - 1;
      const changed: Filter = ['|', ['>', 'id', this.maxId], ['>=', 'end_ts', cutoff]];
      const res = await this.pollClient.query('job', ROW_FIELDS, filter === null ? changed : ['&', filter, changed]);
      if (filter !== this.filter) return;
      jobsChanged = this.merge(res, cutoff);
      if (start - this.lastSweep >= slow * SWEEP_MS) {
        this.lastSweep = start;
        const stamp = await this.queueStamp();
        if (stamp === null || stamp !== this.cleanStamp) {
          if (this.sweepFrom === 0) this.passStamp = stamp;
          const lo = this.sweepFrom;
          const hi = lo + SWEEP_IDS;
          const range: Filter = ['&', ['>=', 'id', lo], ['<', 'id', hi]];
          const res = await this.pollClient.query('job', ['id'], filter === null ? range : ['&', filter, range]);
          if (filter !== this.filter) return;
          jobsChanged = this.sweep(res, lo, hi) || jobsChanged;
          this.sweepFrom = hi > this.maxId ? 0 : hi;
          // A whole pass during which the directory did not change saw every archived job.
          if (this.sweepFrom === 0 && stamp !== null && stamp === this.passStamp) this.cleanStamp = stamp;
        }
      }
    }
    this.lastPollStart = start;
    let locks: LockInfo[] | null = null;
    let dependencies: Map<number, number[]> | null = null;
    if (this.locksWanted) {
      const res = await this.pollClient.query('lock', LOCK_FIELDS, null);
      locks = res.data.map((cells) => lockFromValues(cells.map(([rs, value]) => (rs === 0 ? value : null))));
      // A job waiting for another one holds no lock: its opcodes say which (few jobs wait).
      const waiting = await this.pollClient.query('job', ['id', 'ops'], ['==', 'status', 'waiting']);
      dependencies = new Map();
      for (const [[, id], [, ops]] of waiting.data as Array<[[number, unknown], [number, unknown]]>) {
        const deps = dependencyIds(ops);
        if (typeof id === 'number' && deps.length > 0) dependencies.set(id, deps);
      }
    }
    // One notification per poll: a second one would wait for the next frame.
    const old = this.snapshot;
    const clusterChanged =
      old.cluster !== cluster &&
      (old.cluster?.name !== cluster.name || old.cluster.master !== cluster.master || old.cluster.drained !== cluster.drained);
    const change: Partial<MonitorSnapshot> = {
      ...(clusterChanged ? {cluster} : {}),
      ...(old.connection.state !== 'up' ? {connection: {state: 'up'} as const} : {}),
      ...(old.problem !== null ? {problem: null} : {}),
      ...(jobsChanged ? {jobs: this.sortedJobs(), loaded: true} : {}),
      ...(locks !== null && stringifyJson(locks) !== stringifyJson(old.locks) ? {locks} : {}),
      ...(dependencies !== null && stringifyJson([...dependencies]) !== stringifyJson([...(old.dependencies ?? [])]) ? {dependencies} : {}),
    };
    if (Object.keys(change).length > 0) this.lastChange = start;
    if (Object.keys(change).length > 0 || this.detailUnpublished) this.publish(change);
  }

  /** The queue directory's mtime, or null when it cannot be read or may not show a change yet. */
  private async queueStamp(): Promise<bigint | null> {
    if (this.queueDir === null) return null;
    try {
      const st = await stat(this.queueDir, {bigint: true});
      return BigInt(Date.now()) * 1_000_000n - st.mtimeNs >= BigInt(STAMP_SETTLED_MS) * 1_000_000n ? st.mtimeNs : null;
    } catch {
      return null;
    }
  }

  /** Returns the pause before the next try. */
  private pollFailed(err: unknown): number {
    this.clusterDue = true;
    if (err instanceof GanetiError) {
      // Answered, so the daemon is up: most likely the filter no longer suits a job.
      const dropFilter = this.filter !== null;
      this.filter = null;
      this.needFull = true;
      this.publish({
        connection: {state: 'up'},
        problem: dropFilter ? `Filter dropped: ${errorText(err)}` : errorText(err),
        ...(dropFilter ? {textFilter: null} : {}),
      });
      return dropFilter ? 0 : this.opts.intervalMs;
    }
    this.needFull = true;
    const reason = errorText(err);
    const was = this.snapshot.connection;
    if (was.state !== 'down' || was.reason !== reason) this.publish({connection: {state: 'down', reason}});
    return RETRY_MS;
  }

  private replaceAll(res: QueryResult): void {
    this.rows.clear();
    this.watched.clear();
    this.maxId = -1;
    for (const cells of res.data) {
      const row = rowFromCells(cells);
      if (row === null) continue;
      this.rows.set(row.id, row);
      this.watched.add(row.id);
      this.maxId = Math.max(this.maxId, row.id);
    }
  }

  /** Applies an answer for "new or changed since cutoff"; a job that should be in it and is not is gone. */
  private merge(res: QueryResult, cutoff: number): boolean {
    const previousMax = this.maxId;
    const seen = new Set<number>();
    let changed = false;
    for (const cells of res.data) {
      const row = rowFromCells(cells);
      if (row === null) continue;
      seen.add(row.id);
      this.maxId = Math.max(this.maxId, row.id);
      const old = this.rows.get(row.id);
      if (old === undefined || !sameRow(old, row)) {
        this.rows.set(row.id, row);
        this.watched.add(row.id);
        changed = true;
      }
    }
    // Only the watched rows can be expected: a row that ended before the cutoff stays out of
    // every later answer (the cutoff only grows), and a monitor's poll must not cost the size
    // of the queue.
    for (const id of this.watched) {
      const row = this.rows.get(id);
      if (row === undefined) {
        this.watched.delete(id);
        continue;
      }
      if (isFinalized(row.status) && row.ended !== null && row.ended < cutoff) {
        this.watched.delete(id);
        continue;
      }
      if (id <= previousMax && !seen.has(id)) {
        this.rows.delete(id);
        this.watched.delete(id);
        changed = true;
      }
    }
    return changed;
  }

  /** Applies the list of the matching IDs in [lo, hi): drops archived jobs. */
  private sweep(res: QueryResult, lo: number, hi: number): boolean {
    const live = new Set<number>();
    for (const [cell] of res.data) if (typeof cell?.[1] === 'number') live.add(cell[1]);
    let changed = false;
    for (const id of this.rows.keys()) {
      if (id >= lo && id < hi && !live.has(id)) {
        this.rows.delete(id);
        this.watched.delete(id);
        changed = true;
      }
    }
    for (const id of live) if (!this.rows.has(id) && id <= this.maxId) this.needFull = true;
    return changed;
  }

  // --- the selected job ---------------------------------------------------------------

  private async follow(id: number, generation: number): Promise<void> {
    const client = this.newClient(WFJC_TIMEOUT_S * 1000 + POLL_TIMEOUT_MS);
    this.watchClient = client;
    const current = (): boolean => generation === this.watchGeneration;
    let prevInfo: unknown[] | null = null;
    let prevSerial: number | null = null;
    let log: LogLine[] = [];
    while (current()) {
      let detail: JobDetail;
      let statusChanged: boolean;
      try {
        const res = await client.waitForJobChange(id, DETAIL_FIELDS, prevInfo, prevSerial, WFJC_TIMEOUT_S);
        if (!current()) return;
        if (res === 'nochange') continue;
        const [info, entries] = res;
        statusChanged = prevInfo === null || stringifyJson(info) !== stringifyJson(prevInfo);
        prevInfo = info;
        if (entries.length > 0) {
          prevSerial = entries[entries.length - 1]![0];
          log = [...log, ...entries.map(logLine)];
        }
        detail = detailFromValues(id, info, log);
      } catch (err) {
        if (!current()) return;
        this.publish({detail: pendingDetail(id, errorText(err), this.snapshot.detail)});
        if (err instanceof GanetiError) break;
        prevInfo = null;
        prevSerial = null;
        log = [];
        await sleep(RETRY_MS);
        continue;
      }
      if (statusChanged) {
        // Other jobs usually changed with it (the next one started): poll now and show both at once.
        this.snapshot = {...this.snapshot, detail};
        this.detailUnpublished = true;
        this.refresh();
      } else {
        this.publish({detail});
      }
      if (isFinalized(detail.status)) break;
    }
    client.close();
  }
}

/** The detail of a job not (yet) read: the last one known for it, with why it is not current. */
function pendingDetail(id: number, error: string | null, last: JobDetail | null = null): JobDetail {
  if (last !== null && last.id === id) return {...last, error};
  return {id, status: null, priority: null, received: null, started: null, ended: null, ops: [], log: [], error};
}
