// The running master: configuration, queue, scheduler, locks and the LUXI server, wired up.
import {promises as fsp} from 'node:fs';
import {join} from 'node:path';
import type {Logger} from 'pino';
import {readConfig, type ConfigData} from '../config/config.js';
import type {GanetiPaths} from '../paths.js';
import {OFFLINE_MESSAGE, RPC_TIMEOUT_URGENT_MS, type NodeRpcClient} from '../rpc/client.js';
import type {NodedArgs, NodedProcedure} from '../rpc/noded-contract.js';
import {FsyncError, type WriteFault} from '../durable/durable-writer.js';
import {removeFilesDurable, writeFileDurable} from '../durable/files.js';
import {jobFileName, QueuedJob} from '../queue/job.js';
import {JOB_QUEUE_VERSION, QueueStore} from '../queue/store.js';
import {ConfigWriter} from './config-writer.js';
import {Housekeeper, type HousekeepingSettings} from './housekeeping.js';
import {lockOwner, type ExecutorContext} from './job-executor.js';
import {JobQueue} from './job-queue.js';
import {LockManager} from './locks.js';
import {dispatch, type LuxiServices} from './luxi-methods.js';
import {LuxiServer} from './luxi-server.js';
import {interruptedMoves, reconcileInstances} from './move-recovery.js';
import type {ClusterServices, NodeRpc} from './logical-units/logical-unit.js';
import {QueueReplicator, type QueueSnapshot} from './queue-replicator.js';
import {Scheduler} from './scheduler.js';
import {MemoryTrim, releaseMemory} from '../process/memory-trim.js';

/** How long a clean shutdown waits for the master candidates to receive the last queue writes. */
const REPLICATION_FLUSH_MS = 2000;

export interface MasterOptions {
  paths: GanetiPaths;
  log: Logger;
  version: string;
  queueSizeLimit: number;
  /** See ExecutorContext.lockAgingMs. */
  lockAgingMs: number;
  /** Concurrently executing jobs; default: the cluster's max_running_jobs. */
  maxRunningJobs?: number;
  maxMessageBytes: number;
  idleTimeoutMs: number;
  nochangeOnTimeout: boolean;
  /** Automatic archiving and archive retention; absent: neither (in-process tests). */
  housekeeping?: HousekeepingSettings;
  rpc?: NodeRpc;
  /** Node daemon access: on_nodes RPCs, configuration distribution, queue replication. */
  nodeClient?: NodeRpcClient;
  writeFault?: WriteFault;
}

/** The master candidates other than the master: the queue's replicas. */
export function replicaNodes(cfg: ConfigData): string[] {
  return Object.values(cfg.nodes)
    .filter((n) => n.master_candidate && !n.offline && n.uuid !== cfg.cluster.master_node)
    .map((n) => n.name);
}

export class Master {
  readonly paths: GanetiPaths;
  readonly log: Logger;
  readonly version: string;
  readonly queue: JobQueue;
  readonly locks = new LockManager();
  readonly scheduler: Scheduler;
  readonly server: LuxiServer;
  /** What the LUXI methods may reach. */
  readonly services: LuxiServices;
  readonly hardStop = new AbortController();
  readonly configWriter: ConfigWriter;
  readonly replicator: QueueReplicator | null;
  readonly housekeeper: Housekeeper | null = null;
  private readonly nodeClient: NodeRpcClient | null;
  /** Node daemon calls (live instance data in queries). */
  readonly nodeRpc: NodeRpc | undefined;
  private stopping = false;
  /** The check of instances whose migration a crash interrupted (runs under their locks). */
  moveRecovery: Promise<void> = Promise.resolve();
  /** Settles with the error once continuing could lose acknowledged data (a failed fsync). */
  readonly fatal: Promise<Error>;
  private readonly reportFatal: (err: Error) => void;
  /** A full garbage collection once a burst of jobs or connections is over (docs/architecture.md, "Memory"). */
  private readonly memoryTrim = new MemoryTrim({
    collect: () => this.releaseMemory(),
    // A forced full collection in the middle of a large request stopped the daemon 41-183 ms.
    busy: () => this.server.largeInProgress,
  });

  private constructor(cfg: ConfigData, opts: MasterOptions) {
    let reportFatal: (err: Error) => void = () => undefined;
    this.fatal = new Promise((resolve) => {
      reportFatal = resolve;
    });
    this.reportFatal = reportFatal;
    this.paths = opts.paths;
    this.log = opts.log;
    this.version = opts.version;
    const nodeClient = opts.nodeClient;
    this.nodeClient = nodeClient ?? null;
    // The replicator is made first: the store tells it of every queue write, the configuration
    // writer of every change of the master candidates. Its own callbacks run only later.
    const replicator =
      nodeClient === undefined
        ? null
        : new QueueReplicator(
            nodeClient,
            opts.paths,
            opts.log,
            () => this.queueSnapshot(),
            (node) => this.configWriter.pushTo(node),
          );
    this.replicator = replicator;
    replicator?.setCandidates(replicaNodes(cfg));
    this.configWriter = new ConfigWriter(opts.paths, cfg, opts.log, nodeClient ?? null, (next) =>
      replicator?.setCandidates(replicaNodes(next)),
    );
    const store = new QueueStore(opts.paths.queueDir, opts.writeFault, replicator);
    // The queue's events reach parts made below (scheduler, housekeeper): they are only
    // emitted once the master is running, after this constructor.
    this.queue = new JobQueue(
      store,
      opts.log,
      {sizeLimit: opts.queueSizeLimit, nochangeOnTimeout: opts.nochangeOnTimeout},
      {
        onRunnable: (job) => this.scheduler.add(job),
        onUpdated: (job) => this.jobUpdated(job),
        onCancelWaiting: (job) => this.scheduler.cancelWaiting(job),
        onKill: (job) => this.scheduler.kill(job.id),
        onWriteError: (err) => {
          if (err instanceof FsyncError) this.reportFatal(err);
        },
        onSubmitted: (live, limit) => this.housekeeper?.liveJobsChanged(live, limit),
        onSettled: () => this.memoryTrim.worked(),
      },
    );
    if (opts.housekeeping !== undefined) {
      this.housekeeper = new Housekeeper(this.queue, opts.log, opts.housekeeping, async () => (await this.watcherPausedUntil()) !== null);
    }
    let rpc = opts.rpc;
    let cluster: ClusterServices | undefined;
    if (nodeClient !== undefined) {
      rpc ??= (nodes, procedure, args, timeoutMs) => nodeClient.callNodes(nodes, procedure, args, timeoutMs);
      cluster = {
        updateConfig: (mutate) => this.configWriter.update(mutate),
        current: () => this.configWriter.current,
        callAddress: (target, procedure, args, timeoutMs) => nodeClient.transport.call(target, procedure, args, timeoutMs),
      };
    }
    this.nodeRpc = rpc;
    const ctx: ExecutorContext = {
      queue: this.queue,
      locks: this.locks,
      log: opts.log,
      config: () => this.configWriter.current,
      stopping: () => this.stopping,
      hardStop: this.hardStop.signal,
      lockAgingMs: opts.lockAgingMs,
      ...(rpc !== undefined ? {rpc} : {}),
      ...(cluster !== undefined ? {cluster} : {}),
    };
    this.scheduler = new Scheduler(ctx, this.queue.jobs, opts.log, opts.maxRunningJobs ?? cfg.cluster.max_running_jobs);
    this.services = {
      jobs: this.queue,
      queries: this,
      cluster: {
        version: this.version,
        config: () => this.config(),
        isDrained: () => store.isDrained,
        setDrainFlag: (flag) => this.setDrainFlag(flag),
        watcherPausedUntil: () => this.watcherPausedUntil(),
        setWatcherPause: (until) => this.setWatcherPause(until),
      },
    };
    this.server = new LuxiServer((method, args, log) => dispatch(this.services, method, args, {log}), opts.log, {
      maxMessageBytes: opts.maxMessageBytes,
      idleTimeoutMs: opts.idleTimeoutMs,
      oversized: (method, jobs) => {
        if (method === 'SubmitManyJobs' && jobs !== null) this.queue.checkRoomFor(jobs);
      },
      // QueryJobs answers each distinct id once (queries.ts): repeats need not be kept.
      distinctFirstArg: (method) => method === 'QueryJobs',
      // More jobs than the queue holds are refused (JobQueueFull) without being built.
      firstArgLimit: (method) => (method === 'SubmitManyJobs' ? this.queue.opts.sizeLimit : null),
      // What hostile or bulk connections read is garbage once they go: given back once they stop.
      released: (bytes) => this.memoryTrim.released(bytes),
    });
  }

  /** releaseMemory, with what it freed in the debug log (malloc_trim follows it a little later). */
  private releaseMemory(): void {
    const mb = (n: number): number => Math.round(n / 2 ** 20);
    const before = process.memoryUsage();
    const t0 = performance.now();
    releaseMemory();
    const after = process.memoryUsage();
    this.log.debug(
      {
        heapUsedMb: [mb(before.heapUsed), mb(after.heapUsed)],
        heapTotalMb: [mb(before.heapTotal), mb(after.heapTotal)],
        rssMb: mb(before.rss),
        ms: Math.round(performance.now() - t0),
      },
      'full garbage collection after a burst',
    );
  }

  static async create(opts: MasterOptions, cfg?: ConfigData): Promise<Master> {
    return new Master(cfg ?? (await readConfig(opts.paths.configFile)), opts);
  }

  config(): ConfigData {
    return this.configWriter.current;
  }

  /** The live queue as a resynchronised master candidate must have it. */
  private queueSnapshot(): QueueSnapshot {
    const store = this.queue.store;
    const files: QueueSnapshot['files'] = [
      [join(store.queueDir, 'version'), `${JOB_QUEUE_VERSION}\n`],
      [join(store.queueDir, 'serial'), `${store.serial}\n`],
    ];
    for (const job of this.queue.jobs.values()) {
      // A finished job's record has no text: its file is read when its turn comes.
      const content = job instanceof QueuedJob ? job.toFileText() : () => store.readJobText(job.id, false);
      files.push([join(store.queueDir, jobFileName(job.id)), content]);
    }
    return {files, drained: store.isDrained};
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Opens the queue, loads and repairs the jobs (docs/architecture.md, "Restart rules"), returns what it found. */
  async openQueue(): Promise<{loaded: number; skipped: number; requeued: number; failed: number}> {
    const store = this.queue.store;
    await store.open();
    let loaded = 0;
    let skipped = 0;
    let maxId = 0;
    const started = Date.now();
    store.loadLiveJobs(
      (job) => {
        this.queue.adopt(job);
        if (job.id > maxId) maxId = job.id;
        if (++loaded % 10000 === 0) this.log.info({loaded, ms: Date.now() - started}, 'loading jobs');
      },
      (p) => {
        skipped++;
        this.log.warn({file: p.name, reason: p.reason}, 'skipping unreadable job file');
      },
    );
    // Reading the files left their text and parsed JSON behind: collected once start-up is over.
    this.memoryTrim.worked(loaded);
    store.raiseSerial(Math.max(maxId, await store.maxArchivedId()));
    await store.persistSerial();
    const {requeued, failed, interrupted} = await this.queue.recover();
    const moved = interruptedMoves(interrupted);
    if (moved.length > 0 && this.nodeRpc !== undefined) {
      this.moveRecovery = reconcileInstances(moved, {config: this.configWriter, rpc: this.nodeRpc, locks: this.locks, log: this.log});
    }
    this.replicator?.start();
    return {loaded, skipped, requeued: requeued.length, failed};
  }

  /** Hands the recovered queued jobs to the scheduler; starts queue housekeeping. */
  startScheduling(): void {
    const pending = [...this.queue.jobs.values()]
      .filter((j): j is QueuedJob => j instanceof QueuedJob && !j.finalized)
      .sort((a, b) => a.id - b.id);
    for (const job of pending) this.scheduler.add(job);
    this.housekeeper?.start();
    this.housekeeper?.liveJobsChanged(this.queue.jobs.size, this.queue.opts.sizeLimit);
  }

  /** The end of the watcher pause (seconds since the epoch), null when not paused. */
  async watcherPausedUntil(): Promise<number | null> {
    try {
      const text = await fsp.readFile(this.paths.watcherPauseFile, 'utf8');
      const until = Number.parseInt(text.trim(), 10);
      return Number.isFinite(until) && until > Date.now() / 1000 ? until : null;
    } catch {
      return null;
    }
  }

  /** Sets (or with null ends) the watcher pause here, then tells the other nodes. */
  async setWatcherPause(until: number | null): Promise<void> {
    if (until === null) await removeFilesDurable([this.paths.watcherPauseFile]);
    else await writeFileDurable(this.paths.watcherPauseFile, `${Math.trunc(until)}\n`, 0o644);
    this.tellOtherNodes('set_watcher_pause', [until]);
  }

  async listen(): Promise<void> {
    await this.server.listen(this.paths.masterSocket);
    await this.server.listen(this.paths.querySocket);
  }

  /** Sends a call to every other online node in the background; failures are only logged. */
  tellOtherNodes<P extends NodedProcedure>(procedure: P, args: NodedArgs<P>): void {
    const client = this.nodeClient;
    if (client === null) return;
    const cfg = this.config();
    const names = Object.values(cfg.nodes)
      .filter((n) => n.uuid !== cfg.cluster.master_node)
      .map((n) => n.name);
    void client.callNodes(names, procedure, args, RPC_TIMEOUT_URGENT_MS).then((results) => {
      for (const r of results) {
        if (!r.ok && r.payload !== OFFLINE_MESSAGE) this.log.warn({node: r.node, procedure, error: r.payload}, 'node call failed');
      }
    });
  }

  dependencyWaits(): Array<[number, number[]]> {
    return this.scheduler.dependencyWaits();
  }

  async setDrainFlag(flag: boolean): Promise<void> {
    await this.queue.setDrain(flag);
  }

  private jobUpdated(job: QueuedJob): void {
    if (job.finalized) {
      this.scheduler.drop(job.id);
      this.scheduler.finished(job.id);
    } else {
      this.scheduler.add(job);
      // A new priority (ChangeJobPriority) also reorders the job where it waits for locks.
      const current = job.ops.find((op) => !op.finalized);
      if (current !== undefined && this.scheduler.isActive(job.id)) this.locks.setPriority(lockOwner(job.id), current.priority);
    }
  }

  /**
   * First signal: refuse submissions, put opcodes waiting for locks back to queued, let
   * running opcodes finish. Resolves when nothing executes any more.
   */
  async drain(): Promise<boolean> {
    this.stopping = true;
    this.queue.shuttingDown = true;
    await this.housekeeper?.stop();
    const hadRunning = this.scheduler.runningCount > 0;
    this.scheduler.stopWaiting();
    await this.scheduler.idle();
    return hadRunning;
  }

  /** Second signal: abort executing opcodes (their jobs read "running" until the next start). */
  abortNow(): void {
    void this.housekeeper?.stop();
    this.stopping = true;
    this.queue.shuttingDown = true;
    const reason = new Error('master daemon exiting');
    this.hardStop.abort(reason);
    this.scheduler.abortAll(reason);
  }

  async close(): Promise<void> {
    this.memoryTrim.stop();
    await this.server.close();
    // The serial follows the job files (JobQueue.saveSerial): on disk before a clean exit.
    await this.queue.store.persistSerial().catch((err: unknown) => this.log.error({err}, 'writing the queue serial failed at shutdown'));
    if (this.replicator !== null) {
      if (!(await this.replicator.idle(REPLICATION_FLUSH_MS))) {
        this.log.warn({nodes: this.replicator.downNodes}, 'job queue replication incomplete at shutdown');
      }
      this.replicator.stop();
    }
  }
}
