// One daemon per root: an fcntl lock (an open-file-description lock, through
// fs-native-extensions; Node has no flock) on a file that only the daemon's user can open,
// as Ganeti locks queue/lock and its pid files. The kernel drops the lock when the process
// dies, so a stale file never blocks a restart, and a user who cannot open the file cannot
// hold it (an abstract socket name, used before, could be taken by anyone).
import {constants as fsc, promises as fsp, readFileSync, type Stats} from 'node:fs';
import type {FileHandle} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {tryLock, unlock} from 'fs-native-extensions';

export class InstanceLockError extends Error {}

/** How long a start waits for a lock held briefly by someone else (a node daemon's queue update). */
const BUSY_WAIT_MS = 2000;

export class InstanceLock {
  private constructor(
    private readonly fh: FileHandle,
    readonly lockFile: string,
    readonly pidFile: string,
  ) {}

  /**
   * Takes the lock on `lockFile` (created mode 0600 if missing) and writes our pid into
   * `pidFile` (which may be the same file).
   */
  static async acquire(lockFile: string, pidFile: string, waitMs = BUSY_WAIT_MS): Promise<InstanceLock> {
    await fsp.mkdir(dirname(lockFile), {recursive: true, mode: 0o750});
    const fh = await openPrivate(lockFile);
    const deadline = Date.now() + waitMs;
    while (!tryLock(fh.fd)) {
      if (Date.now() >= deadline) {
        await fh.close();
        throw new InstanceLockError(`Error while locking PID file: ${lockFile} is held by a running daemon${describeHolder(pidFile)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      await fsp.mkdir(dirname(pidFile), {recursive: true, mode: 0o755});
      await fsp.writeFile(pidFile, `${process.pid}\n`, {mode: 0o600});
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new InstanceLock(fh, lockFile, pidFile);
  }

  /**
   * Whether a process holds this lock (probed by taking it for a moment), and its pid if the
   * pid file already names it; null when the lock is free.
   */
  static async holder(lockFile: string, pidFile: string): Promise<{pid: number | null} | null> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(lockFile, fsc.O_RDWR | fsc.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      if (tryLock(fh.fd)) {
        unlock(fh.fd);
        return null;
      }
      const pid = Number.parseInt(readPid(pidFile), 10);
      return {pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null};
    } finally {
      await fh.close();
    }
  }

  /**
   * Takes the lock only if it is free at once; resolves with its release, or null. For short
   * holds (noded updating the queue files on the master's behalf).
   */
  static async tryAcquire(lockFile: string): Promise<(() => Promise<void>) | null> {
    await fsp.mkdir(dirname(lockFile), {recursive: true, mode: 0o750});
    const fh = await openPrivate(lockFile);
    if (!tryLock(fh.fd)) {
      await fh.close();
      return null;
    }
    return async () => {
      unlock(fh.fd);
      await fh.close();
    };
  }

  async release(): Promise<void> {
    if (this.pidFile !== this.lockFile) await fsp.rm(this.pidFile, {force: true});
    else await fsp.truncate(this.pidFile).catch(() => undefined);
    unlock(this.fh.fd);
    await this.fh.close();
  }
}

function isPrivate(st: Stats): boolean {
  return st.isFile() && st.uid === process.geteuid!() && (st.mode & 0o077) === 0;
}

/**
 * Opens the lock file for writing. A file that others could open (wrong owner or mode) is
 * replaced by a new one first: whoever opened the old one keeps only that, and can no longer
 * hold a lock that matters (a read lock from a read-only descriptor blocks a write lock).
 */
async function openPrivate(path: string): Promise<FileHandle> {
  const fh = await fsp.open(path, fsc.O_RDWR | fsc.O_CREAT | fsc.O_NOFOLLOW, 0o600).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP') return null;
    throw err;
  });
  if (fh !== null) {
    if (isPrivate(await fh.stat())) return fh;
    await fh.close();
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fresh = await fsp.open(tmp, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  try {
    await fsp.rename(tmp, path);
  } catch (err) {
    await fresh.close();
    await fsp.rm(tmp, {force: true});
    throw err;
  }
  return fresh;
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
