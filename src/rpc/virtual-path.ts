// Paths sent between nodes of a virtual cluster (Ganeti's vcluster.MakeVirtualPath and
// LocalizeVirtualPath): the sender's root is replaced by a marker, the receiver puts back its own.
import {normalize, posix} from 'node:path';
import type {GanetiPaths} from '../paths.js';

export const VIRTUAL_PATH_PREFIX = '/###-VIRTUAL-PATH-###,';

export class VirtualPathError extends Error {}

/** The form of a local absolute path that travels over RPC. */
export function makeVirtualPath(paths: GanetiPaths, path: string): string {
  if (paths.root === '') return normalize(path);
  const norm = normalize(path);
  if (!norm.startsWith(paths.root + '/')) throw new VirtualPathError(`Path '${path}' is not below node root '${paths.root}'`);
  return VIRTUAL_PATH_PREFIX + norm.slice(paths.root.length);
}

/** The local absolute path for a path received over RPC (normalised: ".." is resolved). */
export function localizeVirtualPath(paths: GanetiPaths, path: string): string {
  if (paths.root === '') {
    if (!posix.isAbsolute(path)) throw new VirtualPathError(`Path '${path}' is not absolute`);
    return normalize(path);
  }
  if (!path.startsWith(VIRTUAL_PATH_PREFIX)) throw new VirtualPathError(`Path '${path}' is not a virtual path`);
  const rest = path.slice(VIRTUAL_PATH_PREFIX.length);
  if (!posix.isAbsolute(rest)) throw new VirtualPathError(`Path '${path}' is not absolute`);
  return normalize(`${paths.root}/${rest}`);
}

/** True if `path` (normalised) is `dir` itself or lies below it. */
export function isInside(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir + '/');
}
