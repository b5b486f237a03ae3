import {useEffect, useState} from 'react';
import {useStdout} from 'ink';
import type {MonitorSnapshot, MonitorSource} from './model.js';

export interface MonitorView {
  snapshot: MonitorSnapshot;
  /** Seconds since the epoch when the snapshot was taken. */
  now: number;
}

/**
 * The source's snapshot and the time, taken at most once per minIntervalMs and at least once a
 * second (for the ages on screen). Data and clock share the one limit, so a clock tick never
 * delays a data change by a whole interval.
 */
export function useMonitorView(source: MonitorSource, minIntervalMs: number): MonitorView {
  const [view, setView] = useState(() => ({snapshot: source.getSnapshot(), now: Date.now() / 1000}));
  useEffect(() => {
    let last = 0;
    let timer: NodeJS.Timeout | undefined;
    const take = (): void => {
      timer = undefined;
      last = Date.now();
      setView({snapshot: source.getSnapshot(), now: last / 1000});
    };
    const request = (): void => {
      if (timer !== undefined) return;
      const wait = last + minIntervalMs - Date.now();
      if (wait <= 0) take();
      else timer = setTimeout(take, wait);
    };
    const unsubscribe = source.subscribe(request);
    const clock = setInterval(request, 1000);
    take();
    return () => {
      unsubscribe();
      clearInterval(clock);
      clearTimeout(timer);
    };
  }, [source, minIntervalMs]);
  return view;
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** The terminal's size, following resizes; `fixed` overrides it (tests). */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
  const {stdout} = useStdout();
  const read = (): TerminalSize => ({columns: stdout.columns || 80, rows: stdout.rows || 24});
  const [size, setSize] = useState(read);
  // biome-ignore lint/correctness/useExhaustiveDependencies: read only looks at stdout, which is a dependency
  useEffect(() => {
    if (fixed !== undefined) return;
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}
