// The on-disk job queue: queue/job-N files, serial, version, drain flag, archive buckets.
import {promises as fsp, constants as fsc, opendirSync, readFileSync, rmSync, type Dirent} from 'node:fs';
import {join} from 'node:path';
import {DurableWriter, dirPrefix, isTempFileName, type WriteFault} from '../durable/durable-writer.js';
import {removeFilesDurable, writeFileDurable} from '../durable/files.js';
import {TimeSlicer} from '../time-slice.js';
import {archiveBucket, CorruptJobError, JOB_FILE_RE, jobFileName, parseJobFile, type QueuedJob} from './job.js';

export const JOB_QUEUE_VERSION = 1;

export class QueueFormatError extends Error {}

/** Told about every durable change of a queue file (replication to master candidates). */
export interface QueueObserver {
  /** `content` is the file's text, or its UTF-8 bytes. */
  written(path: string, content: string | Buffer): void;
  renamed(pairs: Array<[from: string, to: string]>): void;
  drainChanged(flag: boolean): void;
  /** Resolves once the given files were passed on (true), or after timeoutMs (false). */
  flush(paths: string[], timeoutMs: number): Promise<boolean>;
}

export interface LoadProblem {
  name: string;
  reason: string;
}

export class QueueStore {
  readonly writer: DurableWriter;
  readonly archiveDir: string;
  private lastSerial = 0;
  private durableSerial = 0;
  private serialWrite: Promise<void> | null = null;
  private drained = false;
  /** join(queueDir, name) for a job file name is queueBase + name (dirPrefix). */
  private readonly queueBase: string;

  constructor(
    readonly queueDir: string,
    fault?: WriteFault,
    /** Told of every write, rename and drain change once it is durable (queue replication). */
    private readonly observer: QueueObserver | null = null,
  ) {
    this.archiveDir = join(queueDir, 'archive');
    this.queueBase = dirPrefix(queueDir);
    this.writer = new DurableWriter({mode: 0o640, fault});
  }

  /** Creates the layout, checks `version`, reads `serial` (docs/on-disk-layout.md). */
  async open(): Promise<void> {
    await fsp.mkdir(this.queueDir, {recursive: true, mode: 0o750});
    await fsp.mkdir(this.archiveDir, {recursive: true, mode: 0o750});
    const version = await this.readSmall('version');
    if (version === null) {
      await this.writeSmall('version', `${JOB_QUEUE_VERSION}\n`);
    } else if (!/^\d+\s*$/.test(version)) {
      throw new QueueFormatError(`Invalid job queue version file content '${version.trim()}'`);
    } else if (Number(version) !== JOB_QUEUE_VERSION) {
      throw new QueueFormatError(`Found job queue version ${version.trim()}, expected ${JOB_QUEUE_VERSION}`);
    }
    const serial = await this.readSmall('serial');
    if (serial === null) {
      await this.writeSmall('serial', '0\n');
      this.lastSerial = 0;
    } else if (!/^\d+\s*$/.test(serial)) {
      throw new QueueFormatError(`Invalid job queue serial file content '${serial.trim()}'`);
    } else {
      this.lastSerial = Number(serial);
    }
    this.durableSerial = this.lastSerial;
    this.drained = await exists(join(this.queueDir, 'drain'));
    this.writer.startThreads();
  }

  get serial(): number {
    return this.lastSerial;
  }

  /** Never hand out an id that a job file already carries, even if `serial` lagged behind it. */
  raiseSerial(atLeast: number): void {
    if (atLeast > this.lastSerial) this.lastSerial = atLeast;
  }

  /**
   * Reserves n consecutive ids in memory; persistSerial() makes the reservation durable. The
   * queue writes it after the job files (JobQueue.saveSerial): a job file keeps its own id used.
   */
  reserveIds(n: number): number[] {
    const first = this.lastSerial + 1;
    this.lastSerial += n;
    return Array.from({length: n}, (_, i) => first + i);
  }

  /** Resolves once a serial value >= the current reservation is on disk (writes coalesce). */
  async persistSerial(): Promise<void> {
    const wanted = this.lastSerial;
    while (this.durableSerial < wanted) {
      if (this.serialWrite === null) {
        const value = this.lastSerial;
        this.serialWrite = this.writer
          .write(this.queueDir, 'serial', `${value}\n`)
          .then(() => {
            if (value > this.durableSerial) this.durableSerial = value;
            this.observer?.written(join(this.queueDir, 'serial'), `${value}\n`);
          })
          .finally(() => {
            this.serialWrite = null;
          });
      }
      await this.serialWrite;
    }
  }

  /** Writes job-N durably (file fsync, rename, directory fsync). */
  writeJob(job: QueuedJob): Promise<void> {
    // Not an async function: a submission of 1,000 jobs makes 1,000 of these promises.
    try {
      if (job.largeInput) return this.writeLargeJob(job);
      const name = jobFileName(job.id);
      const text = job.toFileText();
      const written = this.writer.write(this.queueDir, name, text);
      return this.observer === null ? written : written.then(() => this.observer?.written(this.queueBase + name, text));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  private async writeLargeJob(job: QueuedJob): Promise<void> {
    const name = jobFileName(job.id);
    const slicer = new TimeSlicer();
    const bytes = await job.toFileBytes(() => slicer.check());
    await this.writer.write(this.queueDir, name, bytes);
    this.observer?.written(this.queueBase + name, bytes);
  }

  /** Waits until the observer (replication) has passed on these jobs' files. */
  replicated(ids: number[], timeoutMs: number): Promise<boolean> {
    if (this.observer === null) return Promise.resolve(true);
    return this.observer.flush(
      ids.map((id) => this.queueBase + jobFileName(id)),
      timeoutMs,
    );
  }

  /** Deletes live job files (of a submission that was refused), durably. */
  async removeJobs(ids: number[]): Promise<void> {
    await Promise.all(ids.map((id) => fsp.rm(join(this.queueDir, jobFileName(id)), {force: true})));
    await this.writer.syncDir(this.queueDir);
  }

  async readJob(id: number, archived: boolean): Promise<QueuedJob | null> {
    const text = await this.readJobText(id, archived);
    if (text === null) return null;
    try {
      return parseJobFile(text, id, archived);
    } catch {
      return null;
    }
  }

  /** The text of a job file, null when it cannot be read. */
  readJobText(id: number, archived: boolean): Promise<string | null> {
    const dir = archived ? join(this.archiveDir, archiveBucket(id)) : this.queueDir;
    return readRegularFile(dir, jobFileName(id), archived ? [this.archiveDir, dir] : []);
  }

  /** Moves job-N into archive/<N div 10000>/ durably. */
  async archiveJob(id: number): Promise<void> {
    const bucketDir = join(this.archiveDir, archiveBucket(id));
    await fsp.mkdir(bucketDir, {recursive: true, mode: 0o750});
    const from = join(this.queueDir, jobFileName(id));
    const to = join(bucketDir, jobFileName(id));
    await this.writer.move(from, this.queueDir, to, bucketDir);
    this.observer?.renamed([[from, to]]);
  }

  /**
   * Archives many jobs with one fsync per directory instead of two per job: the renames run
   * `concurrency` at a time, then every bucket and the queue directory are fsynced once.
   * Resolves with the ids whose file was moved (a failed rename leaves that job live).
   */
  async archiveJobs(ids: number[], concurrency = 64): Promise<number[]> {
    const buckets = new Set(ids.map((id) => archiveBucket(id)));
    for (const b of buckets) await fsp.mkdir(join(this.archiveDir, b), {recursive: true, mode: 0o750});
    const moved: number[] = [];
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < ids.length; i += concurrency) {
      const part = ids.slice(i, i + concurrency);
      const done = await Promise.all(
        part.map(async (id) => {
          const from = join(this.queueDir, jobFileName(id));
          const to = join(this.archiveDir, archiveBucket(id), jobFileName(id));
          try {
            await fsp.rename(from, to);
            pairs.push([from, to]);
            return true;
          } catch {
            return false;
          }
        }),
      );
      part.forEach((id, k) => {
        if (done[k] === true) moved.push(id);
      });
    }
    if (moved.length > 0) {
      await Promise.all([this.writer.syncDir(this.queueDir), ...[...buckets].map((b) => this.writer.syncDir(join(this.archiveDir, b)))]);
      this.observer?.renamed(pairs);
    }
    return moved;
  }

  /**
   * Loads every live job. Runs before the daemon serves anything, so it reads synchronously:
   * one directory entry and one open file at a time, about twice as fast as async reads of
   * 100,000 small files. Foreign and corrupt files are reported and skipped; leftover temp
   * files of an interrupted write are removed.
   */
  loadLiveJobs(onJob: (job: QueuedJob) => void, onProblem: (p: LoadProblem) => void): void {
    const dir = opendirSync(this.queueDir, {bufferSize: 1024});
    try {
      for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
        const name = entry.name;
        if (isTempFileName(name)) {
          rmSync(join(this.queueDir, name), {force: true});
          continue;
        }
        const m = JOB_FILE_RE.exec(name);
        if (m === null) continue;
        if (!entry.isFile()) {
          onProblem({name, reason: 'not a regular file'});
          continue;
        }
        let text: string;
        try {
          text = readFileSync(join(this.queueDir, name), 'utf8');
        } catch (err) {
          onProblem({name, reason: (err as Error).message});
          continue;
        }
        try {
          onJob(parseJobFile(text, Number(m[1])));
        } catch (err) {
          onProblem({name, reason: err instanceof CorruptJobError ? err.message : String(err)});
        }
      }
    } finally {
      dir.closeSync();
    }
  }

  /** Highest job id in the archive (only the highest bucket is read). */
  async maxArchivedId(): Promise<number> {
    let buckets: number[];
    try {
      buckets = (await fsp.readdir(this.archiveDir)).filter((b) => /^\d+$/.test(b)).map(Number);
    } catch {
      return 0;
    }
    buckets.sort((a, b) => b - a);
    for (const b of buckets) {
      const names = await fsp.readdir(join(this.archiveDir, String(b))).catch(() => [] as string[]);
      let max = 0;
      for (const n of names) {
        const m = JOB_FILE_RE.exec(n);
        if (m !== null) max = Math.max(max, Number(m[1]));
      }
      if (max > 0) return max;
    }
    return 0;
  }

  /** Archived job ids, ascending. */
  async listArchivedIds(): Promise<number[]> {
    const ids: number[] = [];
    let buckets: Dirent[];
    try {
      buckets = await fsp.readdir(this.archiveDir, {withFileTypes: true});
    } catch {
      return ids;
    }
    for (const b of buckets) {
      if (!/^\d+$/.test(b.name) || !b.isDirectory()) continue;
      const entries = await fsp.readdir(join(this.archiveDir, b.name), {withFileTypes: true}).catch(() => [] as Dirent[]);
      for (const e of entries) {
        const m = JOB_FILE_RE.exec(e.name);
        if (m !== null && e.isFile()) ids.push(Number(m[1]));
      }
    }
    return ids.sort((a, b) => a - b);
  }

  get isDrained(): boolean {
    return this.drained;
  }

  async setDrained(flag: boolean): Promise<void> {
    const path = join(this.queueDir, 'drain');
    if (flag) await writeFileDurable(path, '', 0o644);
    else await removeFilesDurable([path]);
    this.drained = flag;
    this.observer?.drainChanged(flag);
  }

  private async readSmall(name: string): Promise<string | null> {
    try {
      return await fsp.readFile(join(this.queueDir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  private async writeSmall(name: string, content: string): Promise<void> {
    await writeFileDurable(join(this.queueDir, name), content, 0o640);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path, fsc.F_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * dir/name if it is a regular file, else null. A named pipe would block the read (and a
 * thread of the I/O pool) for ever and a symbolic link could point anywhere, so the file is
 * opened without following links and without blocking, and the directories on the way
 * (`dirs`) must not be links either.
 */
async function readRegularFile(dir: string, name: string, dirs: string[]): Promise<string | null> {
  try {
    for (const d of dirs) if (!(await fsp.lstat(d)).isDirectory()) return null;
    const fh = await fsp.open(join(dir, name), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    try {
      if (!(await fh.stat()).isFile()) return null;
      return await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}
