// masterd start-up, readiness, signals and shutdown (masterd.md §2, §4, §5).
import {spawn} from 'node:child_process';
import {closeSync, openSync, writeSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {ConfigError, masterNode, readConfig, type ConfigData} from '../config/config.js';
import {resolvePaths, VirtualClusterError, type GanetiPaths} from '../paths.js';
import {confirmNoVoting} from './confirm.js';
import {InstanceLock, InstanceLockError} from './instance-lock.js';
import {createDaemonLogger} from './logger.js';
import {Master} from './master.js';
import {EXIT_FAILURE, EXIT_NODESETUP_ERROR, EXIT_NOTMASTER, EXIT_SUCCESS, StartupError} from './startup-error.js';
import {verifyMaster} from './voting.js';


export interface MasterdOptions {
  foreground: boolean;
  debug: boolean;
  noVoting: boolean;
  yesDoIt: boolean;
  /** Set on the re-spawned daemon: report readiness on fd 3 instead of printing. */
  detachedChild: boolean;
  queueSizeLimit: number;
  maxRunningJobs: number | undefined;
  shutdownLingerMs: number;
  votingRetries: number;
  votingIntervalMs: number;
  nochangeOnTimeout: boolean;
  maxMessageBytes: number;
  version: string;
  /** The arguments to re-run masterd with when detaching. */
  argv: string[];
}

async function checkConfig(paths: GanetiPaths): Promise<ConfigData> {
  let cfg: ConfigData;
  try {
    cfg = await readConfig(paths.configFile);
  } catch (err) {
    if (err instanceof ConfigError && err.message.includes('ENOENT')) {
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
  const {nodeRpcClient} = await import('../rpc/client.js');
  const rpc = nodeRpcClient(cfg, paths);
  const result = await verifyMaster({
    me: paths.hostname,
    localVote: masterNode(cfg)!.name,
    others: others.map((n) => n.name),
    ask: (node) => rpc.masterNodeName(node),
    retries: opts.votingRetries,
    intervalMs: opts.votingIntervalMs,
    report,
  });
  if (!result.won) throw new StartupError(result.message);
}

/** Re-runs masterd detached and waits for its ready/error line on fd 3. */
function detach(opts: MasterdOptions, paths: GanetiPaths): Promise<number> {
  const bin = fileURLToPath(new URL('../../bin/ganeti.js', import.meta.url));
  const logFd = openSync(paths.masterdLog, 'a', 0o640);
  const child = spawn(process.execPath, [bin, 'masterd', ...opts.argv, '--detached-child'], {
    detached: true,
    stdio: ['ignore', logFd, logFd, 'pipe'],
    env: process.env,
  });
  closeSync(logFd);
  return new Promise((resolve) => {
    let text = '';
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      text += d;
    });
    pipe.on('end', () => {
      child.unref();
      if (text.startsWith('ok')) resolve(EXIT_SUCCESS);
      else {
        const [code, ...msg] = text.replace(/^error /, '').split(' ');
        process.stderr.write(`Error when starting daemon process: '${msg.join(' ').trim() || 'the daemon exited during start-up'}'\n`);
        resolve(Number(code) || EXIT_FAILURE);
      }
    });
  });
}

function reportReady(opts: MasterdOptions, line: string): void {
  if (!opts.detachedChild) return;
  try {
    writeSync(3, line + '\n');
    closeSync(3);
  } catch {
    // The parent is gone; nothing to tell.
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
    if (!opts.foreground) return detach(opts, paths);
  }

  const {log, reopen} = createDaemonLogger(paths.masterdLog, {
    debug: opts.debug,
    toStderr: opts.foreground && !opts.detachedChild,
    name: 'masterd',
  });
  let lock: InstanceLock;
  let master: Master;
  try {
    const cfg = await checkConfig(paths);
    lock = await InstanceLock.acquire(paths.masterdPidFile);
    master = await Master.create(
      {
        paths,
        log,
        version: opts.version,
        queueSizeLimit: opts.queueSizeLimit,
        ...(opts.maxRunningJobs !== undefined ? {maxRunningJobs: opts.maxRunningJobs} : {}),
        maxMessageBytes: opts.maxMessageBytes,
        idleTimeoutMs: 180_000,
        nochangeOnTimeout: opts.nochangeOnTimeout,
      },
      cfg,
    );
    const started = Date.now();
    const stats = await master.openQueue();
    log.info({...stats, ms: Date.now() - started}, 'job queue opened');
    await master.listen();
  } catch (err) {
    const code = err instanceof StartupError ? err.exitCode : EXIT_FAILURE;
    const msg = err instanceof InstanceLockError || err instanceof StartupError ? err.message : `${(err as Error).message}`;
    log.fatal({err}, 'start-up failed');
    reportReady(opts, `error ${code} ${msg}`);
    if (!opts.detachedChild) process.stderr.write(`${msg}\n`);
    return code;
  }

  master.startScheduling();
  log.info({socket: paths.querySocket, master: paths.masterSocket, pid: process.pid}, 'master daemon ready');
  reportReady(opts, 'ok');

  return new Promise<number>((resolve) => {
    let signals = 0;
    const finish = async (code: number): Promise<void> => {
      await master.close().catch(() => undefined);
      await lock.release().catch(() => undefined);
      log.info({code}, code === EXIT_SUCCESS ? 'clean shutdown' : 'exiting');
      resolve(code);
    };
    master.onFatal = (err) => {
      log.fatal({err}, 'fsync failed; exiting to avoid acknowledging lost data');
      master.abortNow();
      void finish(EXIT_FAILURE);
    };
    const onSignal = (sig: NodeJS.Signals): void => {
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
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', () => reopen());
  });
}
