// Long request work (parsing, filtering, serialising) runs in short slices: between two slices
// the event loop serves other connections, so one large request cannot stall the daemon.

/** Slicers waiting for their next slice, first come first served. */
const waiting: Array<() => void> = [];
let waking = false;

/**
 * Resolves on a later turn of the event loop, when this slicer's turn comes: one waiting slicer
 * resumes per turn. Each with its own setImmediate, concurrent slicers (the 12 large job files of
 * one SubmitManyJobs) all resumed in the same check phase, one slice each, back to back: 12 x 8 ms
 * with no socket read between them (docs/architecture.md).
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!waking) wakeNext();
  });
}

function wakeNext(): void {
  waking = true;
  setImmediate(() => {
    waiting.shift()?.();
    // Scheduled from a check-phase callback, the next wake-up comes a whole turn later.
    if (waiting.length > 0) wakeNext();
    else waking = false;
  });
}

/** Milliseconds of work before a slice gives the event loop back. */
export const SLICE_MS = 8;

export class TimeSlicer {
  private sliceStart = performance.now();
  private count = 0;

  constructor(
    private readonly sliceMs = SLICE_MS,
    /** Steps between two looks at the clock. */
    private readonly every = 256,
  ) {}

  /** Call once per step; yields to the event loop once the slice is used up. */
  async step(weight = 1): Promise<void> {
    this.count += weight;
    if (this.count < this.every) return;
    this.count = 0;
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }

  /**
   * step() without the promise: true once the slice is used up (then await check()). A loop
   * over many cheap items pays a promise and a microtask per item for `await step()`.
   */
  due(weight = 1): boolean {
    this.count += weight;
    if (this.count < this.every) return false;
    this.count = 0;
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  /** Yields if the slice is used up, whatever the step count. */
  async check(): Promise<void> {
    this.count = 0;
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }
}
