// Durable, atomic file replacement for the job queue with group-committed directory fsyncs.
// write-file-atomic is not used here: it ignores short writes (a truncated file is renamed
// into place on a full disk and reported as success), never fsyncs the directory, and
// leaves non-dot temp files behind after a crash.
import {promises as fsp, constants as fsc} from 'node:fs';
import {join} from 'node:path';

/** fsync failed: the data may be lost and retrying cannot tell (Linux drops the dirty pages). */
export class FsyncError extends Error {}

/** Test hook: called before each write with the target path; throwing simulates an I/O error. */
export type WriteFault = (path: string, bytes: number) => void;

/** Coalesces directory fsyncs: every caller waits for one fsync that began after its request. */
class DirSyncer {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly dir: string) {}

  sync(): Promise<void> {
    if (this.running === null) {
      this.running = this.run().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.next ??= this.running.then(
      () => {
        this.next = null;
        return this.sync();
      },
      () => {
        this.next = null;
        return this.sync();
      },
    );
    return this.next;
  }

  private async run(): Promise<void> {
    const fd = await fsp.open(this.dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    try {
      await fd.sync();
    } catch (err) {
      throw new FsyncError(`fsync of directory ${this.dir} failed: ${(err as Error).message}`);
    } finally {
      await fd.close();
    }
  }
}

export interface DurableWriterOptions {
  mode?: number;
  fault?: WriteFault | undefined;
}

export class DurableWriter {
  private readonly syncers = new Map<string, DirSyncer>();
  private readonly mode: number;
  private tmpCounter = 0;
  fault: WriteFault | undefined;

  constructor(opts: DurableWriterOptions = {}) {
    this.mode = opts.mode ?? 0o640;
    this.fault = opts.fault;
  }

  /** Replaces dir/name with content; resolves once the new file and its name are on disk. */
  async write(dir: string, name: string, content: string | Buffer): Promise<void> {
    await this.writeAndRename(dir, name, content);
    await this.syncDir(dir);
  }

  /** Like write(), without the directory fsync; callers batch syncDir() themselves. */
  async writeAndRename(dir: string, name: string, content: string | Buffer): Promise<void> {
    const target = join(dir, name);
    const tmp = join(dir, `.${name}.${process.pid}-${++this.tmpCounter}.tmp`);
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const fh = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, this.mode);
    let ok = false;
    try {
      this.fault?.(target, data.length);
      let off = 0;
      while (off < data.length) {
        const {bytesWritten} = await fh.write(data, off, data.length - off);
        if (bytesWritten <= 0) throw new Error(`short write to ${tmp}`);
        off += bytesWritten;
      }
      try {
        await fh.sync();
      } catch (err) {
        throw new FsyncError(`fsync of ${tmp} failed: ${(err as Error).message}`);
      }
      await fh.close();
      await fsp.rename(tmp, target);
      ok = true;
    } finally {
      if (!ok) {
        await fh.close().catch(() => undefined);
        await fsp.unlink(tmp).catch(() => undefined);
      }
    }
  }

  syncDir(dir: string): Promise<void> {
    let s = this.syncers.get(dir);
    if (s === undefined) {
      s = new DirSyncer(dir);
      this.syncers.set(dir, s);
    }
    return s.sync();
  }

  /** Moves a file to another directory durably (both directories fsynced). */
  async move(from: string, fromDir: string, to: string, toDir: string): Promise<void> {
    await fsp.rename(from, to);
    await Promise.all([this.syncDir(toDir), this.syncDir(fromDir)]);
  }
}

export function isTempFileName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}
