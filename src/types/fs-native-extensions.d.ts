// The part of fs-native-extensions (fcntl open-file-description locks, prebuilt addon) we use.
declare module 'fs-native-extensions' {
  /** Takes the lock without waiting; false when another open file description holds it. */
  export function tryLock(fd: number, opts?: {shared?: boolean}): boolean;
  export function unlock(fd: number): void;
}
