// The node side of job queue replication (docs/architecture.md): files written, renamed and
// purged in this node's queue directory on the master's behalf. Paths arrive virtualised,
// are localised to this node's root and must stay inside its queue directory. Operations
// are serialised (Ganeti's queue lock), and refused while a master daemon owns this queue.
import {promises as fsp, type Dirent} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {inflateSync} from 'node:zlib';
import {InstanceLock} from '../process/instance-lock.js';
import type {GanetiPaths} from '../paths.js';
import {DurableWriter} from '../durable/durable-writer.js';
import {RPC_ENCODING_NONE, RPC_ENCODING_ZLIB_BASE64} from '../rpc/file-content.js';
import {isInside, localizeVirtualPath, VirtualPathError} from '../rpc/virtual-path.js';
import {RpcFailure} from './rpc-failure.js';

const WRITE_CONCURRENCY = 16;

/** `[encoding, data]` as sent by the master. */
export function decodeContent(value: unknown): string {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== 'string') {
    throw new RpcFailure('Invalid file content: expected [encoding, data]');
  }
  const [encoding, data] = value as [unknown, string];
  if (encoding === RPC_ENCODING_NONE) return data;
  if (encoding === RPC_ENCODING_ZLIB_BASE64) {
    try {
      return inflateSync(Buffer.from(data, 'base64')).toString('utf8');
    } catch (err) {
      throw new RpcFailure(`Cannot decompress file content: ${(err as Error).message}`);
    }
  }
  throw new RpcFailure(`Unknown RPC encoding ${String(encoding)}`);
}

export class QueueFiles {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly writer = new DurableWriter({mode: 0o640});
  /** Directories known to exist (a mkdir per request costs more than the writes of a small batch). */
  private readonly knownDirs = new Set<string>();

  constructor(private readonly paths: GanetiPaths) {}

  /** Runs fn after the queue operations before it (they take the queue lock one at a time). */
  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Runs fn after the operations before it; refused while this node's master daemon owns the queue. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.serialised(async () => {
      const master = await InstanceLock.holder(this.paths.masterdPidFile);
      if (master !== null) {
        throw new RpcFailure(
          `The job queue of ${this.paths.hostname} is owned by a running master daemon${master.pid !== null ? ` (pid ${master.pid})` : ''}`,
        );
      }
      return fn();
    });
  }

  /**
   * The master daemon running on this node, if any. Serialised with the queue operations:
   * each probe takes the pid file's lock for a moment, and two at once would see each other.
   */
  masterDaemon(): Promise<{pid: number | null} | null> {
    return this.serialised(() => InstanceLock.holder(this.paths.masterdPidFile));
  }

  /** The local path for a received queue file name, or a refusal. */
  private queuePath(name: unknown): string {
    if (typeof name !== 'string') throw new RpcFailure('Invalid job queue file name: expected a string');
    let local: string;
    try {
      local = localizeVirtualPath(this.paths, name);
    } catch (err) {
      if (err instanceof VirtualPathError) throw new RpcFailure(err.message);
      throw err;
    }
    if (!isInside(this.paths.queueDir, local) || local === this.paths.queueDir) {
      throw new RpcFailure(`Passed job queue file '${local}' does not belong to the queue directory '${this.paths.queueDir}'`);
    }
    return local;
  }

  /** jobqueue_update: one file. */
  update(name: unknown, content: unknown): Promise<null> {
    const target = this.queuePath(name);
    const text = decodeContent(content);
    return this.locked(async () => {
      await this.writeFiles([[target, text]]);
      return null;
    });
  }

  /** jobqueue_update_many (ganeti-ts): `[[name, [encoding, data]], ...]` in one request and one directory sync. */
  updateMany(files: unknown): Promise<null> {
    if (!Array.isArray(files)) throw new RpcFailure('Invalid file list: expected [[file_name, [encoding, data]], ...]');
    const decoded = files.map((f): [string, string] => {
      if (!Array.isArray(f) || f.length !== 2) throw new RpcFailure('Invalid file entry: expected [file_name, [encoding, data]]');
      return [this.queuePath(f[0]), decodeContent(f[1])];
    });
    return this.locked(async () => {
      await this.writeFiles(decoded);
      return null;
    });
  }

  private async writeFiles(files: Array<[string, string]>): Promise<void> {
    const dirs = new Set(files.map(([p]) => dirname(p)));
    for (const dir of dirs) await this.ensureDir(dir);
    for (let i = 0; i < files.length; i += WRITE_CONCURRENCY) {
      await Promise.all(files.slice(i, i + WRITE_CONCURRENCY).map(([p, text]) => this.writeOne(p, text)));
    }
  }

  private async writeOne(path: string, text: string): Promise<void> {
    try {
      await this.writer.write(dirname(path), basename(path), text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // The directory went away behind our back: make it again, once.
      this.knownDirs.delete(dirname(path));
      await this.ensureDir(dirname(path));
      await this.writer.write(dirname(path), basename(path), text);
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await fsp.mkdir(dir, {recursive: true, mode: 0o750});
    this.knownDirs.add(dir);
  }

  /** jobqueue_rename: `[[old, new], ...]`; missing target directories are created. */
  rename(pairs: unknown): Promise<null[]> {
    if (!Array.isArray(pairs)) throw new RpcFailure('Invalid rename list: expected [[old, new], ...]');
    const moves = pairs.map((p): [string, string] => {
      if (!Array.isArray(p) || p.length !== 2) throw new RpcFailure('Invalid rename entry: expected [old, new]');
      return [this.queuePath(p[0]), this.queuePath(p[1])];
    });
    return this.locked(async () => {
      const dirs = new Set<string>();
      for (const [from, to] of moves) {
        await this.ensureDir(dirname(to));
        try {
          await fsp.rename(from, to);
        } catch (err) {
          throw new RpcFailure(`Cannot rename ${from} to ${to}: ${(err as Error).message}`);
        }
        dirs.add(dirname(from)).add(dirname(to));
      }
      await Promise.all([...dirs].map((d) => this.writer.syncDir(d)));
      return moves.map(() => null);
    });
  }

  /** jobqueue_purge: every visible regular file in queue/ (but `lock`) and in queue/archive/. */
  purge(): Promise<null> {
    return this.locked(async () => {
      await cleanDirectory(this.paths.queueDir, new Set(['lock']));
      await cleanDirectory(join(this.paths.queueDir, 'archive'), new Set());
      return null;
    });
  }

  /** jobqueue_set_drain_flag. */
  setDrainFlag(flag: unknown): Promise<null> {
    if (typeof flag !== 'boolean') throw new RpcFailure('Invalid drain flag: expected a boolean');
    return this.locked(async () => {
      await fsp.mkdir(this.paths.queueDir, {recursive: true, mode: 0o750});
      const path = join(this.paths.queueDir, 'drain');
      if (flag) await this.writer.write(this.paths.queueDir, 'drain', '');
      else {
        await fsp.rm(path, {force: true});
        await this.writer.syncDir(this.paths.queueDir);
      }
      return null;
    });
  }
}

async function cleanDirectory(dir: string, keep: Set<string>): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(dir, {withFileTypes: true});
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await Promise.all(
    entries.filter((e) => e.isFile() && !e.name.startsWith('.') && !keep.has(e.name)).map((e) => fsp.rm(join(dir, e.name), {force: true})),
  );
}
