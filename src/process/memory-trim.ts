// Giving memory back once a burst of work is over (docs/architecture.md, "Memory"). V8 keeps the
// pages a burst needed and collects its old generation only when that next runs short, which an
// idle daemon never does: after 20,000 jobs masterd's heap held 116 MB of pages for 43 MB of
// objects, most of them garbage, and kept them while idle. One full collection once the work
// has stopped for a moment returns them to the system.
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

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
 * Runs a collection after at least `minWork` units of work (finished jobs) were reported and
 * none came for `quietMs`, and one more `shrinkMs` later if still none came: V8 shrinks its
 * young generation (32 MB after a burst) only in a collection that follows five quiet seconds.
 * Never while the daemon keeps busy, where V8's own collections suffice.
 */
export class MemoryTrim {
  private work = 0;
  private timer: NodeJS.Timeout | null = null;
  private shrinkTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly quietMs = 1000,
    private readonly minWork = 1000,
    private readonly collect: () => unknown = collectGarbage,
    private readonly shrinkMs = 6000,
  ) {}

  worked(units = 1): void {
    this.work += units;
    if (this.work < this.minWork) return;
    if (this.timer !== null) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.work = 0;
      this.collect();
      this.shrinkTimer ??= setTimeout(() => {
        this.shrinkTimer = null;
        if (this.work === 0) this.collect();
      }, this.shrinkMs);
      this.shrinkTimer.unref();
    }, this.quietMs);
    this.timer.unref();
  }

  stop(): void {
    for (const t of [this.timer, this.shrinkTimer]) if (t !== null) clearTimeout(t);
    this.timer = null;
    this.shrinkTimer = null;
  }
}
