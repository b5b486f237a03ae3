// The physical limit for a durable job queue on this disk: how many ~200-byte files per
// second can be made durable the way the queue writes job files (write a temp file, fsync
// it, rename it over the target, fsync the directory).
//   node --import tsx bench/fsync-rate.ts [--dir D] [--seconds S] [--json]
// Run it with UV_THREADPOOL_SIZE=32 (as bin/ganeti.js sets it for the daemon), or the
// concurrent figures measure libuv's 4 default threads instead of the disk.
import {mkdtempSync, promises as fsp, constants as fsc, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {DurableWriter} from '../src/durable/durable-writer.js';
import {durableWriteSync, PAYLOAD_TEXT} from './durable-write.js';

export interface FsyncFigures {
  dir: string;
  bytes: number;
  seconds: number;
  threadpool: string;
  /**
   * write + fsync + rename + directory fsync, one file after the other (synchronous calls), as
   * a writer thread writes a lone job file: a new temp file, renamed to a new name.
   */
  serial: number;
  /** The median time of one such write, in ms (what a lone SubmitJob's median is compared with). */
  serialP50Ms: number;
  /** The same, 16 files in flight, each with its own directory fsync (libuv threads). */
  concurrent16: number;
  /** 16 in flight, write + fsync + rename each, directory fsyncs shared (group commit). */
  groupCommit16: number;
  /** The queue's own DurableWriter.write, 16 in flight (group commit as the daemon does it). */
  durableWriter16: number;
  /** Reference only: write + rename with no fsync at all (not durable), 16 in flight. */
  noFsync16: number;
}

const PAYLOAD = Buffer.from(PAYLOAD_TEXT);

async function dirFsync(dir: string): Promise<void> {
  const fh = await fsp.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeFile(dir: string, name: string, sync: boolean): Promise<void> {
  const tmp = join(dir, `.${name}.tmp`);
  const fh = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o640);
  try {
    let off = 0;
    while (off < PAYLOAD.length) off += (await fh.write(PAYLOAD, off)).bytesWritten;
    if (sync) await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, join(dir, name));
}

/** Coalesces directory fsyncs like the queue's DirSyncer: each caller waits for one that began after it. */
function groupSyncer(dir: string): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const sync = (): Promise<void> => {
    if (running === null) {
      running = dirFsync(dir).finally(() => (running = null));
      return running;
    }
    next ??= running.then(
      () => {
        next = null;
        return sync();
      },
      () => {
        next = null;
        return sync();
      },
    );
    return next;
  };
  return sync;
}

async function rate(seconds: number, workers: number, one: (i: number) => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  let i = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({length: workers}, async () => {
      while (performance.now() < end) {
        await one(i++ % 500);
        n++;
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/**
 * keep leaves the files in place (the caller removes `dir`): on an ext4 without a journal, a file
 * created in the minutes after many were deleted nearby pays for a scan past their inodes in the
 * kernel (docs/on-disk-layout.md, "Durability"), so a deletion here would slow whatever is measured next.
 */
export async function measureFsync(opts: {dir?: string; seconds?: number; keep?: boolean} = {}): Promise<FsyncFigures> {
  const seconds = opts.seconds ?? 2;
  const base = mkdtempSync(join(opts.dir ?? tmpdir(), 'ganeti-ts-fsync-'));
  try {
    // Serial, synchronous calls, as write-worker.ts writes a batch of one (bench/durable-write.ts).
    const serialDir = join(base, 'serial');
    await fsp.mkdir(serialDir);
    let n = 0;
    const times: number[] = [];
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      const s = performance.now();
      durableWriteSync(serialDir, `job-${n}`);
      times.push(performance.now() - s);
      n++;
    }
    const serial = n / ((performance.now() - t0) / 1000);
    times.sort((a, b) => a - b);
    const serialP50Ms = times[times.length >> 1] ?? Number.NaN;

    const mk = async (name: string): Promise<string> => {
      const d = join(base, name);
      await fsp.mkdir(d);
      return d;
    };
    const cDir = await mk('concurrent');
    const concurrent16 = await rate(seconds, 16, async (i) => {
      await writeFile(cDir, `job-${i}-${Math.random()}`, true);
      await dirFsync(cDir);
    });
    const gDir = await mk('group');
    const gsync = groupSyncer(gDir);
    const groupCommit16 = await rate(seconds, 16, async (i) => {
      await writeFile(gDir, `job-${i}-${Math.random().toString(36).slice(2)}`, true);
      await gsync();
    });
    const wDir = await mk('writer');
    const writer = new DurableWriter({mode: 0o640});
    await writer.write(wDir, 'warm-up', PAYLOAD);
    const durableWriter16 = await rate(seconds, 16, (i) => writer.write(wDir, `job-${i}`, PAYLOAD));
    const nDir = await mk('nofsync');
    const noFsync16 = await rate(seconds, 16, (i) => writeFile(nDir, `job-${i}-${Math.random().toString(36).slice(2)}`, false));
    return {
      dir: base,
      bytes: PAYLOAD.length,
      seconds,
      threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
      serial,
      serialP50Ms,
      concurrent16,
      groupCommit16,
      durableWriter16,
      noFsync16,
    };
  } finally {
    if (opts.keep !== true) rmSync(base, {recursive: true, force: true});
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const {values} = parseArgs({
    options: {
      dir: {type: 'string'},
      seconds: {type: 'string', default: '2'},
      json: {type: 'boolean', default: false},
      keep: {type: 'boolean', default: false},
    },
  });
  const f = await measureFsync({
    ...(values.dir !== undefined ? {dir: values.dir} : {}),
    seconds: Number(values.seconds),
    keep: values.keep,
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(f)}\n`);
  } else {
    console.log(`${f.bytes}-byte files in ${f.dir} (libuv threads: ${f.threadpool}), files/s:`);
    console.log(`  serial write+fsync+rename+dir fsync: ${f.serial.toFixed(0)} (one write: p50 ${f.serialP50Ms.toFixed(3)} ms)`);
    console.log(`  16 concurrent, dir fsync each:       ${f.concurrent16.toFixed(0)}`);
    console.log(`  16 concurrent, group commit:         ${f.groupCommit16.toFixed(0)}`);
    console.log(`  DurableWriter.write, 16 concurrent:  ${f.durableWriter16.toFixed(0)}`);
    console.log(`  no fsync (not durable), 16:          ${f.noFsync16.toFixed(0)}`);
  }
}
