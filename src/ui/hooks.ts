import {useEffect, useState} from 'react';
import {useStdout} from 'ink';
import type {MonitorSnapshot, MonitorSource} from './model.js';

/** The source's snapshot, taken at most once per minIntervalMs (the last change always arrives). */
export function useThrottledSnapshot(source: MonitorSource, minIntervalMs: number): MonitorSnapshot {
  const [snapshot, setSnapshot] = useState(source.getSnapshot);
  useEffect(() => {
    let last = 0;
    let timer: NodeJS.Timeout | undefined;
    const take = (): void => {
      timer = undefined;
      last = Date.now();
      setSnapshot(source.getSnapshot());
    };
    const unsubscribe = source.subscribe(() => {
      if (timer !== undefined) return;
      const wait = last + minIntervalMs - Date.now();
      if (wait <= 0) take();
      else timer = setTimeout(take, wait);
    });
    setSnapshot(source.getSnapshot());
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [source, minIntervalMs]);
  return snapshot;
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

/** The time in seconds, advancing once a second. */
export function useClock(): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
