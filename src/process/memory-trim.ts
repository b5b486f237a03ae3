// Giving memory back once a burst of work is over (docs/architecture.md, "Memory"). V8 keeps the
// pages a burst needed and collects its old generation only when that next runs short, which an
// idle daemon never does: after 20,000 jobs masterd's heap held 116 MB of pages for 43 MB of
// objects, most of them garbage, and kept them while idle; after 1,000 hostile connections went,
// 140 MB of their read buffers waited 5-15 s for a collection. One full collection once the work
// has stopped for a moment returns them to the system, and malloc_trim what malloc kept of them.
import {performance, type EventLoopUtilization} from 'node:perf_hooks';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {mallocTrim, mallocTrimReady} from './malloc-trim.js';

let gc: (() => void) | null | undefined;

/** A full garbage collection now; false when this V8 does not offer one. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      // The flag only puts gc() into contexts made after it is set: one small context is made for it.
      setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('gc');
      gc = typeof fn === 'function' ? (fn as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
  return gc !== null;
}

/**
 * A full collection, then malloc_trim once V8 has freed the dead ArrayBuffers' memory (its
 * sweeper does that just after the collection).
 */
export function releaseMemory(): void {
  collectGarbage();
  void mallocTrimReady().then((ok) => {
    if (ok) setTimeout(mallocTrim, 100).unref();
  });
}

export interface MemoryTrimOptions {
  quietMs?: number;
  minWork?: number;
  collect?: () => unknown;
  shrinkMs?: number;
  minBytes?: number;
  /**
   * True while a collection now would stop work in progress: a forced full collection is one
   * step (a 500 MB heap of a large request: 180 ms, everyone waits); it is put off until false.
   */
  busy?: () => boolean;
  /**
   * The collection is put off too while the event loop was busier than this during the quiet
   * period: a `gnt-job list` of 100,000 jobs that came meanwhile is still being answered.
   */
  maxUtilization?: number;
}

/**
 * Runs a collection after at least `minWork` units of work (finished jobs) or `minBytes` of
 * released memory (connections that read much and went) were reported and none came for
 * `quietMs`, and one more `shrinkMs` later if still none came: V8 shrinks its young generation
 * (32 MB after a burst) only in a collection that follows five quiet seconds. Never while the
 * daemon keeps busy, where V8's own collections suffice.
 */
export class MemoryTrim {
  private work = 0;
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private shrinkTimer: NodeJS.Timeout | null = null;
  private readonly quietMs: number;
  private readonly minWork: number;
  private readonly collect: () => unknown;
  private readonly shrinkMs: number;
  private readonly minBytes: number;
  private readonly busy: () => boolean;
  private readonly maxUtilization: number;
  /** The event loop's utilization when the quiet period began. */
  private quietFrom: EventLoopUtilization | null = null;

  constructor(opts: MemoryTrimOptions = {}) {
    this.quietMs = opts.quietMs ?? 1000;
    this.minWork = opts.minWork ?? 1000;
    this.collect = opts.collect ?? releaseMemory;
    this.shrinkMs = opts.shrinkMs ?? 6000;
    this.minBytes = opts.minBytes ?? 8 * 1024 * 1024;
    this.busy = opts.busy ?? (() => false);
    this.maxUtilization = opts.maxUtilization ?? 0.25;
  }

  worked(units = 1): void {
    this.work += units;
    this.arm();
  }

  /** Memory that became garbage (a connection that went after reading `bytes`, a large request handled). */
  released(bytes: number): void {
    this.bytes += bytes;
    this.arm();
  }

  private arm(): void {
    if (this.work < this.minWork && this.bytes < this.minBytes) return;
    this.quietFrom = performance.eventLoopUtilization();
    if (this.timer !== null) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.busy() || this.loopWasBusy()) {
        this.arm();
        return;
      }
      this.work = 0;
      this.bytes = 0;
      this.collect();
      this.shrinkTimer ??= setTimeout(() => {
        this.shrinkTimer = null;
        if (this.work === 0 && this.bytes === 0 && !this.busy()) this.collect();
      }, this.shrinkMs);
      this.shrinkTimer.unref();
    }, this.quietMs);
    this.timer.unref();
  }

  private loopWasBusy(): boolean {
    return this.quietFrom !== null && performance.eventLoopUtilization(this.quietFrom).utilization > this.maxUtilization;
  }

  stop(): void {
    for (const t of [this.timer, this.shrinkTimer]) if (t !== null) clearTimeout(t);
    this.timer = null;
    this.shrinkTimer = null;
  }
}
