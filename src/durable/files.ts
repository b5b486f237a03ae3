// Crash-safe replacement and removal of the small state files (docs/on-disk-layout.md,
// "Durability"): configuration, ssconf, the cluster certificate, the queue's serial, version and
// drain files, the watcher pause, the fake hypervisor's state and files uploaded to a node. A
// file is written in full to a dot-prefixed temp file beside it, fsynced, renamed over the target,
// and its directory is fsynced after, so that the rename itself survives a crash. Job files go
// through DurableWriter instead. write-file-atomic is not used: it issues one write and ignores
// its count, so a full disk renamed a truncated config.data into place and reported success.
import {randomBytes} from 'node:crypto';
import {promises as fsp} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {syncDirectory} from './durable-writer.js';

export interface DurableFile {
  path: string;
  content: string;
  mode: number;
}

async function writeComplete(f: DurableFile): Promise<void> {
  const tmp = join(dirname(f.path), `.${basename(f.path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = await fsp.open(tmp, 'wx', f.mode);
  try {
    // FileHandle.writeFile loops until every byte is written; a short write on a full disk throws.
    await fd.writeFile(f.content, 'utf8');
    await fd.chmod(f.mode);
    await fd.sync();
    await fd.close();
    await fsp.rename(tmp, f.path);
  } catch (err) {
    await fd.close().catch(() => undefined);
    await fsp.rm(tmp, {force: true});
    throw err;
  }
}

async function syncParents(paths: readonly string[]): Promise<void> {
  await Promise.all([...new Set(paths.map((p) => dirname(p)))].map((dir) => syncDirectory(dir)));
}

/** Replaces path with content; resolves once the file and its directory entry are on disk. */
export async function writeFileDurable(path: string, content: string, mode: number): Promise<void> {
  await writeFilesDurable([{path, content, mode}]);
}

/** Replaces several files at once, with one directory fsync per directory. */
export async function writeFilesDurable(files: readonly DurableFile[]): Promise<void> {
  if (files.length === 0) return;
  await Promise.all(files.map(writeComplete));
  await syncParents(files.map((f) => f.path));
}

/** Removes files (missing ones are fine); resolves once the removals are on disk. */
export async function removeFilesDurable(paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await Promise.all(paths.map((p) => fsp.rm(p, {force: true})));
  await syncParents(paths);
}
