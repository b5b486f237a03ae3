// Ganeti's file layout, relocated under $GANETI_ROOTDIR for virtual clusters.
import {hostname as osHostname} from 'node:os';
import {basename, isAbsolute, join, normalize} from 'node:path';

export interface GanetiPaths {
  /** '' on a real node, $GANETI_ROOTDIR in a virtual cluster. */
  root: string;
  /** This node's name: $GANETI_HOSTNAME, else the host name. */
  hostname: string;
  dataDir: string;
  queueDir: string;
  archiveDir: string;
  configFile: string;
  runDir: string;
  socketDir: string;
  masterSocket: string;
  querySocket: string;
  logDir: string;
  masterdLog: string;
  masterdPidFile: string;
  nodedLog: string;
  nodedPidFile: string;
  watcherPauseFile: string;
  serverCert: string;
  ssconf(key: string): string;
}

export class VirtualClusterError extends Error {}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): GanetiPaths {
  const rootEnv = env.GANETI_ROOTDIR;
  const hostEnv = env.GANETI_HOSTNAME;
  let root = '';
  if (rootEnv !== undefined && rootEnv !== '') {
    if (!isAbsolute(rootEnv)) throw new VirtualClusterError(`GANETI_ROOTDIR must be an absolute path, got '${rootEnv}'`);
    root = normalize(rootEnv).replace(/\/+$/, '');
    if (hostEnv === undefined || hostEnv === '') {
      throw new VirtualClusterError('GANETI_ROOTDIR and GANETI_HOSTNAME must be set together');
    }
    if (basename(root) !== hostEnv) {
      throw new VirtualClusterError(`The last component of GANETI_ROOTDIR ('${basename(root)}') must equal GANETI_HOSTNAME ('${hostEnv}')`);
    }
  } else if (hostEnv !== undefined && hostEnv !== '') {
    throw new VirtualClusterError('GANETI_HOSTNAME is set but GANETI_ROOTDIR is not');
  }
  const hostname = (hostEnv !== undefined && hostEnv !== '' ? hostEnv : osHostname()).toLowerCase();
  const at = (p: string): string => (root === '' ? p : join(root, p));
  const dataDir = at('/var/lib/ganeti');
  const runDir = at('/var/run/ganeti');
  const socketDir = join(runDir, 'socket');
  const logDir = at('/var/log/ganeti');
  const queueDir = join(dataDir, 'queue');
  return {
    root,
    hostname,
    dataDir,
    queueDir,
    archiveDir: join(queueDir, 'archive'),
    configFile: join(dataDir, 'config.data'),
    runDir,
    socketDir,
    masterSocket: join(socketDir, 'ganeti-master'),
    querySocket: join(socketDir, 'ganeti-query'),
    logDir,
    masterdLog: join(logDir, 'master-daemon.log'),
    masterdPidFile: join(runDir, 'ganeti-masterd.pid'),
    nodedLog: join(logDir, 'node-daemon.log'),
    nodedPidFile: join(runDir, 'ganeti-noded.pid'),
    watcherPauseFile: join(dataDir, 'watcher.pause'),
    serverCert: join(dataDir, 'server.pem'),
    ssconf: (key: string) => join(dataDir, `ssconf_${key}`),
  };
}
