// noded start-up and shutdown: certificate, pid-file lock, logging, the RPC server, signals.
import {mkdirSync} from 'node:fs';
import {detachDaemon, reportReady} from '../process/detach.js';
import {InstanceLock, InstanceLockError} from '../process/instance-lock.js';
import {createDaemonLogger} from '../process/logger.js';
import {resolvePaths, VirtualClusterError, type GanetiPaths} from '../paths.js';
import {loadClusterTls, type ClusterTls} from '../rpc/certificate.js';
import {nodeProcedures} from './procedures.js';
import {NodeServer} from './server.js';
import {EXIT_FAILURE, EXIT_SUCCESS} from '../process/exit-codes.js';

export interface NodedOptions {
  foreground: boolean;
  debug: boolean;
  /** Address to listen on; default 0.0.0.0. */
  bind: string | undefined;
  port: number;
  detachedChild: boolean;
  /** The arguments to re-run noded with when detaching. */
  argv: string[];
}

class NodedStartError extends Error {}

/**
 * The cluster certificate is the only authentication of the node RPC: without it any local
 * user could reach procedures that replace config.data or the job queue, so noded refuses
 * to start, whatever the address.
 */
function prepare(opts: NodedOptions, paths: GanetiPaths): {tls: ClusterTls; bind: string} {
  let tls: ClusterTls | null;
  try {
    tls = loadClusterTls(paths.serverCert);
  } catch (err) {
    throw new NodedStartError(`Cannot read the cluster certificate ${paths.serverCert}: ${(err as Error).message}`);
  }
  if (tls === null) {
    throw new NodedStartError(
      `No cluster certificate (${paths.serverCert}): refusing to serve the node RPC without authentication; ` +
        "copy the master's server.pem to this node",
    );
  }
  return {tls, bind: opts.bind ?? '0.0.0.0'};
}

/** Runs noded; resolves with the process exit code. */
export async function runNoded(opts: NodedOptions): Promise<number> {
  let paths: GanetiPaths;
  let setup: ReturnType<typeof prepare>;
  try {
    paths = resolvePaths();
    setup = prepare(opts, paths);
    mkdirSync(paths.logDir, {recursive: true, mode: 0o750});
  } catch (err) {
    if (!(err instanceof VirtualClusterError || err instanceof NodedStartError)) throw err;
    reportReady(opts.detachedChild, `error ${EXIT_FAILURE} ${err.message}`);
    process.stderr.write(`${err.message}\n`);
    return EXIT_FAILURE;
  }
  if (!opts.foreground && !opts.detachedChild) {
    return detachDaemon('noded', opts.argv, paths.nodedLog);
  }

  const {log, reopen} = createDaemonLogger(paths.nodedLog, {
    debug: opts.debug,
    toStderr: opts.foreground && !opts.detachedChild,
    name: 'noded',
  });
  const server = new NodeServer({procedures: nodeProcedures(paths), tls: setup.tls, log});
  let lock: InstanceLock;
  try {
    lock = await InstanceLock.acquire(paths.nodedPidFile);
  } catch (err) {
    return startFailed(err instanceof InstanceLockError ? err.message : (err as Error).message);
  }

  // Signals are handled from before the socket accepts anything: a client that sees the
  // daemon listening may stop it at once.
  let stopping = false;
  let stopped!: (code: number) => void;
  const done = new Promise<number>((resolve) => (stopped = resolve));
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({signal: sig}, 'shutting down');
    void server
      .close()
      .then(() => lock.release())
      .catch(() => undefined)
      .then(() => {
        log.info('clean shutdown');
        stopped(EXIT_SUCCESS);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', () => reopen());

  try {
    await server.listen(opts.port, setup.bind);
  } catch (err) {
    await lock.release();
    return startFailed(`Cannot listen on ${setup.bind}:${opts.port}: ${(err as Error).message}`);
  }
  log.info({node: paths.hostname, address: setup.bind, port: opts.port}, 'node daemon ready');
  reportReady(opts.detachedChild, 'ok');
  return done;

  function startFailed(msg: string): number {
    log.fatal(msg);
    reportReady(opts.detachedChild, `error ${EXIT_FAILURE} ${msg}`);
    if (!opts.detachedChild) process.stderr.write(`${msg}\n`);
    return EXIT_FAILURE;
  }
}
