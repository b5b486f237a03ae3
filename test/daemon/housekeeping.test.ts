// Queue housekeeping in-process: automatic archiving (age, watcher pause, the 80% trigger and
// its warning), retention of archived files, and where the settings come from.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import pino from 'pino';
import type {ConfigData} from '../../src/config/config.js';
import {Housekeeper, resolveHousekeeping, storeHousekeeping} from '../../src/daemon/housekeeping.js';
import {JobQueue, NO_QUEUE_EVENTS} from '../../src/daemon/job-queue.js';
import {QueuedJob, QueuedOpcode, type Timestamp} from '../../src/queue/job.js';
import {QueueStore} from '../../src/queue/store.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function capture(): {log: pino.Logger; lines: LogLine[]} {
  const lines: LogLine[] = [];
  const log = pino({level: 'info'}, {write: (s: string) => lines.push(JSON.parse(s) as LogLine)});
  return {log, lines};
}

const ago = (seconds: number): Timestamp => {
  const t = Date.now() / 1000 - seconds;
  return [Math.floor(t), Math.floor((t % 1) * 1e6)];
};

function finishedJob(id: number, endedSecondsAgo: number): QueuedJob {
  const op = new QueuedOpcode({OP_ID: 'OP_TEST_DELAY', duration: 0});
  op.status = 'success';
  const job = new QueuedJob(id, [op]);
  job.receivedTimestamp = ago(endedSecondsAgo + 1);
  job.endTimestamp = ago(endedSecondsAgo);
  return job;
}

function runningJob(id: number): QueuedJob {
  const op = new QueuedOpcode({OP_ID: 'OP_TEST_DELAY', duration: 10});
  op.status = 'running';
  const job = new QueuedJob(id, [op]);
  job.receivedTimestamp = ago(1000);
  return job;
}

describe('queue housekeeping', () => {
  let base: string;
  let n = 0;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'ganeti-ts-housekeeping-'));
  });
  after(() => rmSync(base, {recursive: true, force: true}));

  async function queueWith(jobs: QueuedJob[], sizeLimit = 5000): Promise<{queue: JobQueue; lines: LogLine[]; log: pino.Logger}> {
    const {log, lines} = capture();
    const store = new QueueStore(join(base, `q${++n}`));
    await store.open();
    const queue = new JobQueue(store, log, {sizeLimit, nochangeOnTimeout: false}, NO_QUEUE_EVENTS);
    for (const job of jobs) {
      await store.writeJob(job);
      queue.jobs.set(job.id, job);
    }
    store.raiseSerial(Math.max(0, ...jobs.map((j) => j.id)));
    return {queue, lines, log};
  }

  it('archives the finished jobs older than the age, and nothing while the watcher is paused', async () => {
    const {queue, log, lines} = await queueWith([finishedJob(1, 100), finishedJob(2, 5), runningJob(3), finishedJob(4, 61)]);
    let paused = true;
    const hk = new Housekeeper(queue, log, {autoArchiveAgeS: 60, archiveRetentionS: 0}, async () => paused);
    assert.equal(await hk.archivePass(), 0, 'paused: nothing archived');
    assert.deepEqual([...queue.jobs.keys()].sort(), [1, 2, 3, 4]);
    paused = false;
    assert.equal(await hk.archivePass(), 2);
    assert.deepEqual([...queue.jobs.keys()].sort(), [2, 3]);
    assert.ok(existsSync(join(queue.store.archiveDir, '0', 'job-1')));
    assert.ok(existsSync(join(queue.store.archiveDir, '0', 'job-4')));
    const audit = lines.filter((l) => l.audit === 'auto-archive');
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.archived, 2);
    assert.equal(hk.archiveIntervalMs, 15_000, 'a quarter of the age');
    assert.equal(
      new Housekeeper(queue, log, {autoArchiveAgeS: 6 * 3600, archiveRetentionS: 0}, async () => false).archiveIntervalMs,
      60_000,
      'at least every minute',
    );
  });

  it('archives when the live queue passes 80% of the limit, and warns once saying how to fix it', async () => {
    const jobs = Array.from({length: 9}, (_, i) => finishedJob(i + 1, 30));
    const {queue, log, lines} = await queueWith(jobs, 10);
    const hk = new Housekeeper(queue, log, {autoArchiveAgeS: 10, archiveRetentionS: 0}, async () => false);
    hk.liveJobsChanged(7, 10);
    assert.equal(queue.jobs.size, 9, 'below 80%: no pass');
    hk.liveJobsChanged(9, 10);
    hk.liveJobsChanged(9, 10);
    await hk.settled();
    assert.equal(queue.jobs.size, 0, 'the pass archived every finished job older than the age');
    const warnings = lines.filter((l) => l.level === 40 && /over 80% of its limit of 10/.test(l.msg));
    assert.equal(warnings.length, 1, 'one warning');
    assert.match(warnings[0]!.msg, /--auto-archive-age/);
    assert.match(warnings[0]!.msg, /gnt-job autoarchive all/);
    assert.match(warnings[0]!.msg, /--job-queue-size-limit/);
  });

  it('deletes archived files older than the retention, oldest bucket first, and removes emptied buckets', async () => {
    const {queue, log, lines} = await queueWith([runningJob(25_000)]);
    const archive = queue.store.archiveDir;
    const file = (bucket: number, id: number, ageS: number): void => {
      mkdirSync(join(archive, String(bucket)), {recursive: true});
      const p = join(archive, String(bucket), `job-${id}`);
      writeFileSync(p, '{}\n');
      const t = Date.now() / 1000 - ageS;
      utimesSync(p, t, t);
    };
    file(0, 5, 3000);
    file(0, 6, 2000);
    file(1, 10_001, 1500);
    file(1, 10_002, 10);
    file(2, 20_000, 5000);
    file(2, 20_001, 1);
    const hk = new Housekeeper(queue, log, {autoArchiveAgeS: 0, archiveRetentionS: 1000}, async () => false);
    assert.equal(await hk.prunePass(), 4);
    assert.deepEqual(readdirSync(archive).sort(), ['1', '2'], 'bucket 0 emptied and removed');
    assert.deepEqual(readdirSync(join(archive, '1')), ['job-10002']);
    assert.deepEqual(readdirSync(join(archive, '2')), ['job-20001'], 'bucket 2 stays: live job 25000 will be archived into it');
    assert.equal(await hk.prunePass(), 0, 'nothing left to delete');
    file(1, 10_003, 2000);
    assert.equal(await hk.prunePass(), 1, 'a file archived later into a listed bucket is seen');
    assert.equal(new Housekeeper(queue, log, {autoArchiveAgeS: 0, archiveRetentionS: 0}, async () => false).retentionIntervalMs, 250);
    file(1, 10_004, 5000);
    await hk.prune();
    assert.deepEqual(
      lines.filter((l) => l.audit === 'archive-retention').map((l) => l.deleted),
      [1],
      'an automatic pass that deleted files says so',
    );
  });

  it('takes a flag over the cluster configuration over the default, and stores flags that differ', () => {
    const cfg = {cluster: {}} as unknown as ConfigData;
    assert.deepEqual(resolveHousekeeping({}, cfg), {settings: {autoArchiveAgeS: 21600, archiveRetentionS: 1814400}, toStore: {}});
    const flags = resolveHousekeeping({autoArchiveAgeS: 2, archiveRetentionS: 0}, cfg);
    assert.deepEqual(flags, {settings: {autoArchiveAgeS: 2, archiveRetentionS: 0}, toStore: {autoArchiveAgeS: 2, archiveRetentionS: 0}});
    storeHousekeeping(cfg, flags.toStore);
    assert.deepEqual(cfg.cluster, {auto_archive_age: 2, archive_retention: 0});
    assert.deepEqual(
      resolveHousekeeping({}, cfg),
      {settings: {autoArchiveAgeS: 2, archiveRetentionS: 0}, toStore: {}},
      'after a failover, without flags',
    );
    assert.deepEqual(resolveHousekeeping({autoArchiveAgeS: 2}, cfg).toStore, {}, 'a flag equal to the stored value is not written again');
  });
});
