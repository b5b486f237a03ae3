// masterd start-up, readiness, signals and shutdown (docs/architecture.md, "Start-up, voting and shutdown").
import {ConfigError, masterNode, readConfig, type ConfigData} from '../config/config.js';
import {resolvePaths, VirtualClusterError, type GanetiPaths} from '../paths.js';
import {NodeRpcClient} from '../rpc/client.js';
import {confirmNoVoting} from './confirm.js';
import {detachDaemon, missingDaemonArgs, reportReady} from '../process/detach.js';
import {resolveHousekeeping, storeHousekeeping} from './housekeeping.js';
import {InstanceLock, InstanceLockError} from '../process/instance-lock.js';
import {createDaemonLogger} from '../process/logger.js';
import {Master} from './master.js';
import {StartupError} from '../process/startup-error.js';
import {verifyMaster} from './voting.js';
import {EXIT_FAILURE, EXIT_NODESETUP_ERROR, EXIT_NOTMASTER, EXIT_SUCCESS} from '../process/exit-codes.js';

export interface MasterdOptions {
  foreground: boolean;
  debug: boolean;
  noVoting: boolean;
  yesDoIt: boolean;
  /** Set on the re-spawned daemon: report readiness on fd 3 instead of printing. */
  detachedChild: boolean;
  queueSizeLimit: number;
  lockAgingMs: number;
  maxRunningJobs: number | undefined;
  shutdownLingerMs: number;
  votingRetries: number;
  votingIntervalMs: number;
  /** Per-node limit for a voting answer. */
  votingTimeoutMs: number;
  nochangeOnTimeout: boolean;
  maxMessageBytes: number;
  /** Housekeeping flags (seconds); absent: the cluster configuration's value or the default. */
  autoArchiveAgeS?: number | undefined;
  archiveRetentionS?: number | undefined;
  version: string;
  /** The arguments to re-run masterd with when detaching. */
  argv: string[];
}

async function checkConfig(paths: GanetiPaths): Promise<ConfigData> {
  let cfg: ConfigData;
  try {
    cfg = await readConfig(paths.configFile);
  } catch (err) {
    if (err instanceof ConfigError && err.code === 'ENOENT') {
      throw new StartupError(
        `Cluster configuration incomplete: '${paths.configFile}' does not exist (create a cluster with 'ganeti cluster init NAME')`,
        EXIT_NODESETUP_ERROR,
      );
    }
    throw new StartupError((err as Error).message);
  }
  const master = masterNode(cfg);
  if (master === undefined) throw new StartupError(`Configuration error: master node ${cfg.cluster.master_node} is not in the node list`);
  if (master.name.toLowerCase() !== paths.hostname) {
    throw new StartupError(
      `This node (${paths.hostname}) is not the master node of cluster ${cfg.cluster.cluster_name}: the master is ${master.name}`,
      EXIT_NOTMASTER,
    );
  }
  return cfg;
}

async function vote(cfg: ConfigData, paths: GanetiPaths, opts: MasterdOptions, report: (l: string) => void): Promise<void> {
  const others = Object.values(cfg.nodes).filter((n) => n.name.toLowerCase() !== paths.hostname);
  if (others.length === 0) return;
  const rpc = NodeRpcClient.forNode(paths, () => cfg);
  try {
    const result = await verifyMaster({
      me: paths.hostname,
      localVote: masterNode(cfg)!.name,
      others: others.map((n) => n.name),
      ask: (node) => rpc.masterNodeName(node, opts.votingTimeoutMs),
      retries: opts.votingRetries,
      intervalMs: opts.votingIntervalMs,
      report,
    });
    if (!result.won) throw new StartupError(result.message);
  } finally {
    rpc.close();
  }
}

/** Runs masterd; resolves with the process exit code. */
export async function runMasterd(opts: MasterdOptions): Promise<number> {
  let paths: GanetiPaths;
  try {
    paths = resolvePaths();
  } catch (err) {
    if (err instanceof VirtualClusterError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }

  if (!opts.detachedChild) {
    try {
      const cfg = await checkConfig(paths);
      if (opts.noVoting) {
        if (!opts.yesDoIt) await confirmNoVoting();
      } else {
        await vote(cfg, paths, opts, (line) => {
          if (opts.debug) process.stderr.write(`${line}\n`);
        });
      }
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return err instanceof StartupError ? err.exitCode : EXIT_FAILURE;
    }
    if (!opts.foreground) return detachDaemon('masterd', opts.argv, paths.masterdLog);
  }

  const {log, reopen} = createDaemonLogger(paths.masterdLog, {
    debug: opts.debug,
    toStderr: opts.foreground && !opts.detachedChild,
    name: 'masterd',
  });
  // Handlers go in before the sockets exist: whoever can connect may also signal at once, and a
  // signal that arrives during start-up is acted on as soon as the daemon is ready.
  let onSignal: ((sig: NodeJS.Signals) => void) | null = null;
  const early: NodeJS.Signals[] = [];
  const deliver = (sig: NodeJS.Signals): void => {
    if (onSignal === null) early.push(sig);
    else onSignal(sig);
  };
  process.on('SIGINT', deliver);
  process.on('SIGTERM', deliver);
  process.on('SIGHUP', () => reopen());
  const missing = missingDaemonArgs();
  if (missing.length > 0) {
    log.warn(
      {missing},
      "node runs without the daemons' options of bin/ganeti-masterd's #! line: more memory in use for seconds after loading a big queue",
    );
  }
  let lock: InstanceLock;
  let master: Master | undefined;
  let nodeClient: NodeRpcClient | undefined;
  try {
    const cfg = await checkConfig(paths);
    const housekeeping = resolveHousekeeping(
      {
        ...(opts.autoArchiveAgeS !== undefined ? {autoArchiveAgeS: opts.autoArchiveAgeS} : {}),
        ...(opts.archiveRetentionS !== undefined ? {archiveRetentionS: opts.archiveRetentionS} : {}),
      },
      cfg,
    );
    lock = await InstanceLock.acquire(paths.masterdPidFile);
    nodeClient = NodeRpcClient.forNode(paths, () => master?.config() ?? cfg);
    master = await Master.create(
      {
        paths,
        log,
        version: opts.version,
        queueSizeLimit: opts.queueSizeLimit,
        lockAgingMs: opts.lockAgingMs,
        ...(opts.maxRunningJobs !== undefined ? {maxRunningJobs: opts.maxRunningJobs} : {}),
        maxMessageBytes: opts.maxMessageBytes,
        idleTimeoutMs: 180_000,
        nochangeOnTimeout: opts.nochangeOnTimeout,
        housekeeping: housekeeping.settings,
        nodeClient,
      },
      cfg,
    );
    if (Object.keys(housekeeping.toStore).length > 0) {
      await master.configWriter.update((next) => storeHousekeeping(next, housekeeping.toStore));
    }
    log.info(
      housekeeping.settings,
      'queue housekeeping: automatic archiving after autoArchiveAgeS, deletion after archiveRetentionS (0: never)',
    );
    const started = Date.now();
    const stats = await master.openQueue();
    log.info({...stats, ms: Date.now() - started}, 'job queue opened');
    await master.listen();
  } catch (err) {
    const code = err instanceof StartupError ? err.exitCode : EXIT_FAILURE;
    const msg = err instanceof InstanceLockError || err instanceof StartupError ? err.message : `${(err as Error).message}`;
    log.fatal({err}, 'start-up failed');
    nodeClient?.close();
    reportReady(opts.detachedChild, `error ${code} ${msg}`);
    if (!opts.detachedChild) process.stderr.write(`${msg}\n`);
    return code;
  }

  master.startScheduling();

  return new Promise<number>((resolve) => {
    let signals = 0;
    const finish = async (code: number): Promise<void> => {
      await master.close().catch(() => undefined);
      nodeClient.close();
      await lock.release().catch(() => undefined);
      log.info({code}, code === EXIT_SUCCESS ? 'clean shutdown' : 'exiting');
      resolve(code);
    };
    void master.fatal.then((err) => {
      log.fatal({err}, 'fsync failed; exiting to avoid acknowledging lost data');
      master.abortNow();
      void finish(EXIT_FAILURE);
    });
    onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) {
        log.info({signal: sig}, 'shutting down: no new jobs; waiting for running jobs to finish');
        void master.drain().then(async (hadRunning) => {
          if (hadRunning && opts.shutdownLingerMs > 0) await new Promise((r) => setTimeout(r, opts.shutdownLingerMs));
          if (signals === 1) await finish(EXIT_SUCCESS);
        });
      } else if (signals === 2) {
        log.warn({signal: sig}, 'second signal: exiting now');
        master.abortNow();
        void finish(sig === 'SIGINT' ? 130 : 143);
      }
    };
    log.info({socket: paths.querySocket, master: paths.masterSocket, pid: process.pid}, 'master daemon ready');
    reportReady(opts.detachedChild, 'ok');
    for (const sig of early.splice(0)) onSignal(sig);
  });
}
