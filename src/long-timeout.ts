// setTimeout fires after 1 ms for any delay past 2^31 - 1 ms (about 24.8 days). Durations a
// user asks for (OP_TEST_DELAY, noded's test_delay, their RPC deadlines) can be far longer,
// so they run as a chain of timers against a monotonic deadline.

export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

/** Calls fn once `ms` milliseconds have passed, however long that is (Infinity: never). */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  const deadline = performance.now() + Math.max(0, ms);
  let timer: NodeJS.Timeout | null = null;
  const arm = (): void => {
    const left = deadline - performance.now();
    if (left <= 0) {
      timer = null;
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return {
    clear() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Sleeps `ms` milliseconds; rejects with the signal's reason when it is aborted first. */
export function longSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      timer.clear();
      reject(signal!.reason as Error);
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}
