// One masterd per root. Node has no flock(); a Linux abstract-namespace Unix socket gives
// the same guarantee: only one process can bind the name, and the kernel frees it when the
// process dies, so a stale pid file never blocks a restart.
import {createHash} from 'node:crypto';
import {promises as fsp, readFileSync} from 'node:fs';
import {connect, createServer, type Server} from 'node:net';
import {dirname} from 'node:path';

export class InstanceLockError extends Error {}

export class InstanceLock {
  private constructor(
    private readonly server: Server,
    readonly pidFile: string,
  ) {}

  /** Takes the lock named after the pid file and writes our pid into it. */
  static async acquire(pidFile: string): Promise<InstanceLock> {
    const name = lockName(pidFile);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          reject(new InstanceLockError(`Error while locking PID file: ${pidFile} is held by a running daemon${describeHolder(pidFile)}`));
        } else {
          reject(err);
        }
      });
      server.listen(name, () => resolve());
    });
    server.unref();
    await fsp.mkdir(dirname(pidFile), {recursive: true, mode: 0o755});
    await fsp.writeFile(pidFile, `${process.pid}\n`, {mode: 0o600});
    return new InstanceLock(server, pidFile);
  }

  /**
   * Whether a live process holds this pid file's lock (probed without taking it), and its pid
   * if the file already names it; null when the lock is free.
   */
  static holder(pidFile: string): Promise<{pid: number | null} | null> {
    return new Promise((resolve) => {
      const sock = connect({path: lockName(pidFile)});
      sock.once('connect', () => {
        sock.destroy();
        const pid = Number.parseInt(readPid(pidFile), 10);
        resolve({pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null});
      });
      sock.once('error', () => resolve(null));
    });
  }

  async release(): Promise<void> {
    await fsp.rm(this.pidFile, {force: true});
    this.server.close();
  }
}

function lockName(pidFile: string): string {
  return '\0ganeti-ts:' + createHash('sha256').update(pidFile).digest('hex').slice(0, 32);
}

function readPid(pidFile: string): string {
  try {
    return readFileSync(pidFile, 'utf8').trim();
  } catch {
    return '';
  }
}

function describeHolder(pidFile: string): string {
  const pid = readPid(pidFile);
  return pid === '' ? '' : ` (pid ${pid})`;
}
