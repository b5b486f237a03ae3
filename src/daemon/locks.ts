// Ganeti's lock levels with shared/exclusive modes and priority-ordered waiting.
// Locks are always taken in (level, name) order, so jobs cannot deadlock each other.
import type {LockRow} from '../query/cluster-fields.js';

export const LOCK_LEVELS = ['cluster', 'instance', 'node-alloc', 'nodegroup', 'node', 'node-res', 'network'] as const;
export type LockLevel = (typeof LOCK_LEVELS)[number];
export const BGL = 'BGL';

export interface LockRequest {
  level: LockLevel;
  names: string[];
  shared: boolean;
}

interface Waiter {
  owner: string;
  shared: boolean;
  priority: number;
  seq: number;
  grant: () => void;
}

class Lock {
  readonly holders = new Map<string, boolean>(); // owner -> shared
  waiters: Waiter[] = [];

  constructor(readonly name: string) {}

  get mode(): 'shared' | 'exclusive' | null {
    if (this.holders.size === 0) return null;
    return [...this.holders.values()][0] ? 'shared' : 'exclusive';
  }

  compatible(shared: boolean): boolean {
    if (this.holders.size === 0) return true;
    return shared && this.mode === 'shared';
  }

  enqueue(w: Waiter): void {
    let i = this.waiters.length;
    while (i > 0) {
      const prev = this.waiters[i - 1]!;
      if (prev.priority < w.priority || (prev.priority === w.priority && prev.seq < w.seq)) break;
      i--;
    }
    this.waiters.splice(i, 0, w);
  }

  /** Grants waiters from the head for as long as they are compatible with the holders. */
  grantWaiters(): void {
    while (this.waiters.length > 0) {
      const head = this.waiters[0]!;
      if (!this.compatible(head.shared)) return;
      this.waiters.shift();
      this.holders.set(head.owner, head.shared);
      head.grant();
    }
  }
}

export class LockAbortedError extends Error {}

export class LockManager {
  private readonly locks = new Map<string, Lock>();
  private readonly owned = new Map<string, Lock[]>();
  private seq = 0;

  private lock(level: LockLevel, name: string): Lock {
    const full = `${level}/${name}`;
    let l = this.locks.get(full);
    if (l === undefined) {
      l = new Lock(full);
      this.locks.set(full, l);
    }
    return l;
  }

  /** Acquires every requested lock in level order; releases all of them if aborted. */
  async acquire(owner: string, requests: LockRequest[], priority: number, signal?: AbortSignal, onBlocked?: () => void): Promise<void> {
    const ordered = [...requests].sort((a, b) => LOCK_LEVELS.indexOf(a.level) - LOCK_LEVELS.indexOf(b.level));
    let blocked = false;
    try {
      for (const req of ordered) {
        for (const name of [...new Set(req.names)].sort()) {
          const got = this.acquireOne(owner, this.lock(req.level, name), req.shared, priority, signal);
          if (got !== null) {
            if (!blocked) onBlocked?.();
            blocked = true;
            await got;
          }
        }
      }
    } catch (err) {
      this.release(owner);
      throw err;
    }
  }

  /** Takes the lock at once (null) or returns the wait for it. */
  private acquireOne(owner: string, lock: Lock, shared: boolean, priority: number, signal?: AbortSignal): Promise<void> | null {
    if (lock.holders.has(owner)) return null;
    const held = this.owned.get(owner) ?? [];
    this.owned.set(owner, held);
    if (lock.waiters.length === 0 && lock.compatible(shared)) {
      lock.holders.set(owner, shared);
      held.push(lock);
      return null;
    }
    if (signal?.aborted) return Promise.reject(new LockAbortedError('lock acquisition aborted'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        owner,
        shared,
        priority,
        seq: this.seq++,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          held.push(lock);
          resolve();
        },
      };
      const onAbort = (): void => {
        lock.waiters = lock.waiters.filter((w) => w !== waiter);
        lock.grantWaiters();
        reject(new LockAbortedError('lock acquisition aborted'));
      };
      signal?.addEventListener('abort', onAbort, {once: true});
      lock.enqueue(waiter);
      lock.grantWaiters();
    });
  }

  /**
   * A waiting owner's new priority (ChangeJobPriority, aging) reorders it in every queue it
   * waits in, keeping its arrival order among equals; it may now be granted.
   */
  setPriority(owner: string, priority: number): void {
    for (const lock of this.locks.values()) {
      const waiter = lock.waiters.find((w) => w.owner === owner);
      if (waiter === undefined || waiter.priority === priority) continue;
      lock.waiters = lock.waiters.filter((w) => w !== waiter);
      waiter.priority = priority;
      lock.enqueue(waiter);
      lock.grantWaiters();
    }
  }

  release(owner: string): void {
    const held = this.owned.get(owner);
    this.owned.delete(owner);
    if (held === undefined) return;
    for (const lock of held) this.drop(owner, lock);
  }

  /** Releases the owner's locks of one level before the others (Ganeti's ReleaseLocks). */
  releaseLevel(owner: string, level: LockLevel): void {
    const held = this.owned.get(owner);
    if (held === undefined) return;
    const prefix = `${level}/`;
    const [drop, keep] = [held.filter((l) => l.name.startsWith(prefix)), held.filter((l) => !l.name.startsWith(prefix))];
    this.owned.set(owner, keep);
    for (const lock of drop) this.drop(owner, lock);
  }

  private drop(owner: string, lock: Lock): void {
    lock.holders.delete(owner);
    lock.grantWaiters();
    if (lock.holders.size === 0 && lock.waiters.length === 0 && !lock.name.startsWith('cluster/')) {
      this.locks.delete(lock.name);
    }
  }

  /** Rows for Query("lock"): the BGL and every lock currently held or waited for. */
  rows(knownNames: string[] = []): LockRow[] {
    this.lock('cluster', BGL);
    const names = new Set([...this.locks.keys(), ...knownNames]);
    return [...names].sort().map((name) => {
      const l = this.locks.get(name);
      if (l === undefined) return {name, mode: null, owner: null, pending: []};
      const owners = [...l.holders.keys()].sort();
      return {
        name,
        mode: l.mode,
        owner: owners.length > 0 ? owners : null,
        pending: l.waiters.map((w) => [w.shared ? 'shared' : 'exclusive', [w.owner]] as [string, string[]]),
      };
    });
  }
}
