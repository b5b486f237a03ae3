// Crash-safe replacement and removal of the small state files (docs/on-disk-layout.md,
// "Durability"): configuration, ssconf, the cluster certificate, the queue's serial, version and
// drain files, the watcher pause and files uploaded to a node. A file is written with
// write-file-atomic (temp file fsynced, then renamed) and its directory is fsynced after, so
// that the rename itself survives a crash. Job files go through DurableWriter instead.
import {promises as fsp} from 'node:fs';
import {dirname} from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import {syncDirectory} from './durable-writer.js';

export interface DurableFile {
  path: string;
  content: string;
  mode: number;
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
  await Promise.all(files.map((f) => writeFileAtomic(f.path, f.content, {mode: f.mode, fsync: true})));
  await syncParents(files.map((f) => f.path));
}

/** Removes files (missing ones are fine); resolves once the removals are on disk. */
export async function removeFilesDurable(paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await Promise.all(paths.map((p) => fsp.rm(p, {force: true})));
  await syncParents(paths);
}
