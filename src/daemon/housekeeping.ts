// Queue housekeeping inside masterd: automatic archiving of finished jobs (what Ganeti's
// watcher does every 5 minutes) and deletion of old archived job files (what Ganeti's cleaner
// does). Neither may hold up LUXI requests or job execution: every step is an asynchronous
// file operation, a few at a time, with a yield to the event loop between slices.
import {promises as fsp} from 'node:fs';
import {join} from 'node:path';
import {setImmediate as yieldToEventLoop} from 'node:timers/promises';
import type {Logger} from 'pino';
import type {ConfigData} from '../config/config.js';
import {archiveBucket, JOB_FILE_RE, timestampSeconds, type JobRecord} from '../queue/job.js';
import type {JobQueue} from './job-queue.js';

export const DEFAULT_AUTO_ARCHIVE_AGE_S = 6 * 3600;
export const DEFAULT_ARCHIVE_RETENTION_S = 21 * 86400;
/** The live-queue share of the size limit that triggers an archiving pass and the warning. */
export const NEARLY_FULL = 0.8;
/** Below this share the warning is re-armed. */
const WARNING_REARM = 0.5;
const MAX_INTERVAL_MS = 60_000;
const MIN_INTERVAL_MS = 250;
const MAX_RETENTION_INTERVAL_MS = 10 * 60_000;
const QUIET_MS = 1000;
/** Archived files looked at (and deleted) at once by retention. */
const RETENTION_SLICE = 2;
/** Jobs archived together by an automatic pass. */
const ARCHIVE_BATCH = 1024;

export interface HousekeepingSettings {
  /** Seconds after its end a finished job is archived; 0: never automatically. */
  autoArchiveAgeS: number;
  /** Seconds an archived job file is kept; 0: for ever. */
  archiveRetentionS: number;
}

/** The cluster configuration keys (seconds) that carry the settings to every master candidate. */
export const CONFIG_KEYS = {autoArchiveAgeS: 'auto_archive_age', archiveRetentionS: 'archive_retention'} as const;

function storedSeconds(cfg: ConfigData, key: string): number | undefined {
  const v = cfg.cluster[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/**
 * The settings in force: a masterd flag, else the cluster configuration, else the default.
 * `toStore` lists the flags that differ from the configuration: masterd writes them there, so
 * that a master candidate started without flags after a failover uses the same values.
 */
export function resolveHousekeeping(
  flags: Partial<HousekeepingSettings>,
  cfg: ConfigData,
): {settings: HousekeepingSettings; toStore: Partial<HousekeepingSettings>} {
  const defaults: HousekeepingSettings = {autoArchiveAgeS: DEFAULT_AUTO_ARCHIVE_AGE_S, archiveRetentionS: DEFAULT_ARCHIVE_RETENTION_S};
  const settings = {...defaults};
  const toStore: Partial<HousekeepingSettings> = {};
  for (const name of ['autoArchiveAgeS', 'archiveRetentionS'] as const) {
    const stored = storedSeconds(cfg, CONFIG_KEYS[name]);
    const flag = flags[name];
    settings[name] = flag ?? stored ?? defaults[name];
    if (flag !== undefined && flag !== stored) toStore[name] = flag;
  }
  return {settings, toStore};
}

/** Writes settings into a configuration being changed (ConfigWriter.update). */
export function storeHousekeeping(cfg: ConfigData, values: Partial<HousekeepingSettings>): void {
  for (const name of ['autoArchiveAgeS', 'archiveRetentionS'] as const) {
    const v = values[name];
    if (v !== undefined) cfg.cluster[CONFIG_KEYS[name]] = v;
  }
}

interface BucketMemo {
  /** The bucket directory's mtime when it was last listed. */
  dirMtimeMs: number;
  /** The oldest file left in it then (Infinity: none). */
  oldestLeftMs: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** A finished job's age reference: its end (or, failing that, start or receive) time. */
function finishedAt(job: JobRecord): number | null {
  const ref = job.endTimestamp ?? job.startTimestamp ?? job.receivedTimestamp;
  return ref === null ? null : timestampSeconds(ref);
}

export class Housekeeper {
  private archiveTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private archiving: Promise<void> | null = null;
  private archiveAgain = false;
  private pruning: Promise<void> | null = null;
  private warned = false;
  private stopped = false;
  private readonly buckets = new Map<string, BucketMemo>();

  constructor(
    private readonly queue: JobQueue,
    private readonly log: Logger,
    readonly settings: HousekeepingSettings,
    /** True while the watcher is paused (SetWatcherPause): no automatic archiving then. */
    private readonly watcherPaused: () => Promise<boolean>,
  ) {}

  /** How often finished jobs are looked at: a quarter of the age, at least every minute. */
  get archiveIntervalMs(): number {
    return clamp((this.settings.autoArchiveAgeS * 1000) / 4, MIN_INTERVAL_MS, MAX_INTERVAL_MS);
  }

  get retentionIntervalMs(): number {
    return clamp((this.settings.archiveRetentionS * 1000) / 4, MIN_INTERVAL_MS, MAX_RETENTION_INTERVAL_MS);
  }

  start(): void {
    if (this.settings.autoArchiveAgeS > 0) {
      this.archiveTimer = setInterval(() => this.archiveSoon(), this.archiveIntervalMs);
      this.archiveTimer.unref();
    }
    if (this.settings.archiveRetentionS > 0) {
      this.retentionTimer = setInterval(() => void this.prune(), this.retentionIntervalMs);
      this.retentionTimer.unref();
      void this.prune();
    }
  }

  /** Resolves when no pass is running. */
  async settled(): Promise<void> {
    while (this.archiving !== null || this.pruning !== null) await Promise.all([this.archiving, this.pruning]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.archiveTimer !== null) clearInterval(this.archiveTimer);
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    await Promise.all([this.archiving, this.pruning]);
  }

  /** Told after every accepted submission with the live-job count. */
  liveJobsChanged(live: number, limit: number): void {
    if (live >= limit * NEARLY_FULL) {
      if (!this.warned) {
        this.warned = true;
        const age = this.settings.autoArchiveAgeS;
        this.log.warn(
          {live, limit},
          `the job queue holds ${live} unarchived jobs, over ${Math.round(NEARLY_FULL * 100)}% of its limit of ${limit}; submissions ` +
            'are refused once it is full. ' +
            (age > 0
              ? `Finished jobs are archived ${age} s after they end (--auto-archive-age); lower it, `
              : 'Automatic archiving is off (--auto-archive-age 0); turn it on, ') +
            'archive finished jobs with "gnt-job autoarchive all", or raise --job-queue-size-limit',
        );
      }
      this.archiveSoon();
    } else if (live < limit * WARNING_REARM) {
      this.warned = false;
    }
  }

  /** Starts an archiving pass, or asks the running one to go again. */
  archiveSoon(): void {
    if (this.settings.autoArchiveAgeS <= 0 || this.stopped) return;
    if (this.archiving !== null) {
      this.archiveAgain = true;
      return;
    }
    this.archiving = (async () => {
      do {
        this.archiveAgain = false;
        await this.archivePass().catch((err: unknown) => this.log.error({err}, 'automatic archiving failed'));
      } while (this.archiveAgain && !this.stopped);
    })().finally(() => {
      this.archiving = null;
    });
  }

  /** Archives every finished job that ended more than the age ago; returns how many. */
  async archivePass(): Promise<number> {
    if (await this.watcherPaused()) return 0;
    const cutoff = Date.now() / 1000 - this.settings.autoArchiveAgeS;
    const due: number[] = [];
    for (const job of this.queue.jobs.values()) {
      if (!job.finalized) continue;
      const at = finishedAt(job);
      if (at !== null && at < cutoff) due.push(job.id);
    }
    let archived = 0;
    // Batches, each committed with one fsync per directory: two fsyncs per job could not keep
    // up with a few hundred jobs a second on a disk that other processes keep busy.
    for (let i = 0; i < due.length && !this.stopped; i += ARCHIVE_BATCH) {
      archived += await this.queue.archiveMany(due.slice(i, i + ARCHIVE_BATCH));
      await yieldToEventLoop();
    }
    if (archived > 0)
      this.log.info({audit: 'auto-archive', archived, age: this.settings.autoArchiveAgeS}, 'archived finished jobs automatically');
    return archived;
  }

  /** One retention pass, unless one is running. */
  prune(): Promise<void> {
    if (this.settings.archiveRetentionS <= 0 || this.stopped) return Promise.resolve();
    this.pruning ??= this.prunePass()
      .then((deleted) => {
        if (deleted > 0)
          this.log.info({audit: 'archive-retention', deleted, retention: this.settings.archiveRetentionS}, 'deleted old archived jobs');
      })
      .catch((err: unknown) => this.log.error({err}, 'deleting old archived jobs failed'))
      .finally(() => {
        this.pruning = null;
      });
    return this.pruning;
  }

  /**
   * Deletes archived job files older than the retention, oldest bucket first; returns how
   * many. A bucket that did not change since it was last listed and holds nothing due yet is
   * not listed again.
   */
  async prunePass(): Promise<number> {
    // The serial follows submissions lazily: on disk before any job file that kept an id used goes.
    await this.queue.store.persistSerial();
    const archiveDir = this.queue.store.archiveDir;
    const cutoff = Date.now() - this.settings.archiveRetentionS * 1000;
    let names: string[];
    try {
      names = await fsp.readdir(archiveDir);
    } catch {
      return 0;
    }
    const buckets = names.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
    let deleted = 0;
    for (const bucket of buckets) {
      if (this.stopped) break;
      const dir = join(archiveDir, bucket);
      const dirStat = await fsp.stat(dir).catch(() => null);
      if (dirStat === null) {
        this.buckets.delete(bucket);
        continue;
      }
      const memo = this.buckets.get(bucket);
      if (memo !== undefined && memo.dirMtimeMs === dirStat.mtimeMs && memo.oldestLeftMs >= cutoff) continue;
      const files = await fsp.readdir(dir).catch(() => [] as string[]);
      let oldestLeft = Infinity;
      let left = 0;
      let deletedHere = 0;
      // Two files at a time (lstat, then unlink if due): one after the other the round trips
      // could not keep up with a few hundred jobs a second on a loaded machine, while 64 at
      // once kept as many pool threads in the kernel, on the cores the main thread needs
      // (bench/retention.ts, 100,000 files: other clients' QueryJobs p50 0.7 -> 10.7 ms).
      for (let i = 0; i < files.length && !this.stopped; i += RETENTION_SLICE) {
        const sliceStart = performance.now();
        const outcomes = await Promise.all(
          files.slice(i, i + RETENTION_SLICE).map(async (name): Promise<number | 'deleted' | null> => {
            const path = join(dir, name);
            const st = await fsp.lstat(path).catch(() => null);
            if (st === null) return null;
            if (!JOB_FILE_RE.test(name) || st.mtimeMs >= cutoff) return JOB_FILE_RE.test(name) ? st.mtimeMs : Infinity;
            return fsp.unlink(path).then(
              () => 'deleted' as const,
              () => null,
            );
          }),
        );
        let deletedNow = 0;
        for (const o of outcomes) {
          if (o === 'deleted') deletedNow++;
          else if (o !== null) {
            left++;
            oldestLeft = Math.min(oldestLeft, o);
          }
        }
        deletedHere += deletedNow;
        if (performance.now() - sliceStart < 1) await yieldToEventLoop();
      }
      deleted += deletedHere;
      // No directory fsync: one after thousands of unlinks is one large journal commit that the
      // job writes' fsyncs queue behind (bench/retention.ts: SubmitJob p99 77-88 ms while
      // deleting against 31-93 off; without it 36-48 against 34-51). Unlinks a crash loses
      // only bring back files older than the retention, which the next pass deletes again.
      if (left === 0 && !this.stopped && this.bucketClosed(bucket)) {
        // Only a bucket no live job can be archived into any more goes: archiving creates
        // its bucket just before moving the file in.
        await fsp.rmdir(dir).catch(() => undefined);
        this.buckets.delete(bucket);
        continue;
      }
      // A directory changed within the clock's granularity of the listing may change again
      // without its mtime moving on: only a quiet one is skipped next time.
      if (Date.now() - dirStat.mtimeMs >= QUIET_MS) this.buckets.set(bucket, {dirMtimeMs: dirStat.mtimeMs, oldestLeftMs: oldestLeft});
      else this.buckets.delete(bucket);
    }
    return deleted;
  }

  private bucketClosed(bucket: string): boolean {
    const b = Number(bucket);
    if (b >= Number(archiveBucket(this.queue.store.serial + 1))) return false;
    for (const id of this.queue.jobs.keys()) if (Number(archiveBucket(id)) <= b) return false;
    return true;
  }
}
