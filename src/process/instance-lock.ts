// One daemon per root: an fcntl lock (an open-file-description lock, through
// fs-native-extensions; Node has no flock) on the daemon's pid file, as Ganeti locks its pid
// files. The file is mode 0600 in a directory of root's, so only the daemon's user can open
// it, and so hold the lock (an abstract socket name, used before, could be taken by anyone).
// The kernel drops the lock when the process dies: a stale file never blocks a restart. The
// lock is not on queue/lock: a file held open for writing on the queue's file system would
// stop an administrator from remounting it read-only.
import {constants as fsc, promises as fsp, type Stats} from 'node:fs';
import type {FileHandle} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {tryLock, unlock} from 'fs-native-extensions';

export class InstanceLockError extends Error {}

/** How long a start waits for a lock held for a moment by someone else (a holder() probe). */
const BUSY_WAIT_MS = 2000;

export class InstanceLock {
  private constructor(
    private readonly fh: FileHandle,
    readonly pidFile: string,
  ) {}

  /** Takes the lock on the pid file (created mode 0600 if missing) and writes our pid into it. */
  static async acquire(pidFile: string, waitMs = BUSY_WAIT_MS): Promise<InstanceLock> {
    await fsp.mkdir(dirname(pidFile), {recursive: true, mode: 0o755});
    const deadline = Date.now() + waitMs;
    for (;;) {
      const fh = await openPrivate(pidFile);
      if (tryLock(fh.fd)) {
        // A daemon that was stopping may have removed the file we opened: lock the current one.
        if (await isCurrent(fh, pidFile)) {
          await fh.truncate(0);
          await fh.write(`${process.pid}\n`, 0);
          return new InstanceLock(fh, pidFile);
        }
        unlock(fh.fd);
        await fh.close();
        continue;
      }
      await fh.close();
      if (Date.now() >= deadline) {
        throw new InstanceLockError(
          `Error while locking PID file: ${pidFile} is held by a running daemon${describeHolder(await readPid(pidFile))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Whether a live process holds this pid file's lock (probed by taking it for a moment), and
   * its pid if the file already names it; null when the lock is free.
   */
  static async holder(pidFile: string): Promise<{pid: number | null} | null> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(pidFile, fsc.O_RDWR | fsc.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      if (tryLock(fh.fd)) {
        unlock(fh.fd);
        return null;
      }
      const pid = Number.parseInt(await readPid(pidFile), 10);
      return {pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null};
    } finally {
      await fh.close();
    }
  }

  async release(): Promise<void> {
    await fsp.rm(this.pidFile, {force: true});
    unlock(this.fh.fd);
    await this.fh.close();
  }
}

function isPrivate(st: Stats): boolean {
  return st.isFile() && st.uid === process.geteuid!() && (st.mode & 0o077) === 0;
}

async function isCurrent(fh: FileHandle, path: string): Promise<boolean> {
  const [held, named] = await Promise.all([fh.stat(), fsp.lstat(path).catch(() => null)]);
  return named !== null && named.ino === held.ino && named.dev === held.dev;
}

/**
 * Opens the pid file for writing. A file that others could open (wrong owner or mode) is
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

async function readPid(pidFile: string): Promise<string> {
  try {
    return (await fsp.readFile(pidFile, 'utf8')).trim();
  } catch {
    return '';
  }
}

function describeHolder(pid: string): string {
  return pid === '' ? '' : ` (pid ${pid})`;
}
