// The `gnt-job top` screen: header, then the job list, the job view or the lock screen, and one
// prompt/message/key line. Every part gets a fixed number of lines, so that the frame is never
// taller than the terminal.
import {useEffect, useMemo, useRef, useState} from 'react';
import {Box, Text, useApp, useInput, useStdin} from 'ink';
import {STATUS_VIEWS} from './format.js';
import {Footer} from './footer.js';
import {Header, HEADER_ROWS, type ListStatus} from './header.js';
import {Help} from './help.js';
import {useMonitorView, useTerminalSize, type TerminalSize} from './hooks.js';
import {positions as positionsOf, shownJobs} from './job-list.js';
import {JobTable} from './job-table.js';
import {JobView, jobViewLines, type ViewLine} from './job-view.js';
import {applyKey, INITIAL_UI, keyPresses, type Effect, type KeyContext, type Message, type UiState} from './keys.js';
import {LockScreen} from './lock-screen.js';
import type {JobRow, MonitorSnapshot, MonitorSource} from './model.js';
import {waitsByJob} from './waits.js';

/** Data changes are drawn at most ten times a second. */
export const FRAME_MS = 100;
/** Scrolling through the table should not start a WaitForJobChange per row passed. */
const WATCH_DELAY_MS = 50;
/** Below this many lines the header takes one line instead of three. */
const COMPACT_BELOW = 16;
const MIN_COLUMNS = 20;
const MIN_ROWS = 5;

/** What the terminal around the app does: run by `gnt-job top`, absent in component tests. */
export interface TerminalHooks {
  /** Clears the screen; the app then draws its frame again. */
  clearScreen(): void;
  /** Gives the terminal back and stops the process until it is continued. */
  suspend(): void;
  /** Runs after the process was continued (the app draws its frame again). */
  onResume(listener: () => void): () => void;
  /** The exit status to quit with. */
  setExitCode(code: number): void;
}

export interface AppProps {
  source: MonitorSource;
  /** Overrides the terminal size (tests). */
  size?: TerminalSize;
  terminal?: TerminalHooks;
}

function goneText(id: number, snapshot: MonitorSnapshot): string | null {
  if (!snapshot.loaded || snapshot.jobs.some((j) => j.id === id)) return null;
  return snapshot.textFilter === null
    ? `Job ${id} is no longer in the queue: it was archived.`
    : `Job ${id} is no longer listed: it was archived or no longer matches the filter.`;
}

/** Why the selected job left the list. */
function vanishedText(id: number, snapshot: MonitorSnapshot, viewName: string): string {
  const now = snapshot.jobs.find((j) => j.id === id);
  if (now !== undefined) return `Job ${id} is now ${now.status} and left the view "${viewName}" or the search`;
  return snapshot.textFilter === null ? `Job ${id} was archived` : `Job ${id} was archived or no longer matches the filter`;
}

export function App({source, size: fixedSize, terminal}: AppProps) {
  const {snapshot, now: exactNow} = useMonitorView(source, FRAME_MS);
  // Ages are shown in whole seconds: rows whose job did not change are not drawn again.
  const now = Math.floor(exactNow);
  const {columns, rows} = useTerminalSize(fixedSize);
  const {exit} = useApp();
  // stdin.isTTY: undefined, not false, for a pipe, and useInput is only off for false.
  const keysEnabled = useStdin().isRawModeSupported === true;
  const [ui, setUiState] = useState<UiState>(INITIAL_UI);
  // Two key events can arrive before the next render: each must see the state the last one left.
  const latest = useRef(ui);
  latest.current = ui;
  const setUi = (update: (u: UiState) => UiState): void => {
    latest.current = update(latest.current);
    setUiState(latest.current);
  };
  // Ctrl-L and resuming draw one empty frame after clearing the screen: ink only writes a frame
  // that differs from the one it wrote last.
  const [blank, setBlank] = useState(false);
  const repaint = (): void => {
    terminal?.clearScreen();
    setBlank(true);
    setTimeout(() => setBlank(false), FRAME_MS * 1.5);
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: subscribed once per terminal; repaint only calls state setters
  useEffect(() => terminal?.onResume(repaint), [terminal]);

  const scrollTop = useRef(0);
  /** Where the selected job was last seen, and in which list (view, search, sort). */
  const lastSeen = useRef<{id: number; index: number; list: string} | null>(null);
  const seenMaxId = useRef(-1);

  const listName = (u: UiState): string => JSON.stringify([u.viewIndex, u.search, u.sortKey, u.reversed]);
  const shownCache = useRef<{jobs: readonly JobRow[]; key: string; list: readonly JobRow[]} | null>(null);
  // Sorting by runtime follows the clock; the other keys only the data.
  const shown = (u: UiState): readonly JobRow[] => {
    const key = `${listName(u)}|${u.sortKey === 'runtime' ? now : 0}`;
    const c = shownCache.current;
    if (c !== null && c.jobs === snapshot.jobs && c.key === key) return c.list;
    const list = shownJobs(snapshot.jobs, u, now);
    shownCache.current = {jobs: snapshot.jobs, key, list};
    return list;
  };
  const jobs = shown(ui);
  const positions = useMemo(() => positionsOf(jobs), [jobs]);

  let index = 0;
  if (ui.selectedId !== null) {
    const at = positions.get(ui.selectedId);
    if (at !== undefined) index = at;
    else if (lastSeen.current?.id === ui.selectedId && lastSeen.current.list === listName(ui)) {
      index = Math.min(lastSeen.current.index, jobs.length - 1);
    }
  }
  index = Math.max(0, index);
  const selected = jobs[index] ?? null;
  const vanished = ui.selectedId !== null && !positions.has(ui.selectedId) && ui.screen.kind === 'list';
  useEffect(() => {
    if (!vanished) return;
    const id = ui.selectedId!;
    // Said only when the job left a list the user did not change.
    const known = lastSeen.current?.id === id && lastSeen.current.list === listName(ui);
    const next = selected?.id ?? null;
    setUi((u) => {
      if (u.selectedId !== id) return u;
      const message: Message | null = known
        ? {text: `${vanishedText(id, snapshot, STATUS_VIEWS[u.viewIndex]!.name)}; selected the next job`, tone: 'info'}
        : u.message;
      return {...u, selectedId: next, message};
    });
  });
  if (selected !== null && !vanished) lastSeen.current = {id: selected.id, index, list: listName(ui)};

  // Layout: one line is left free, for ink redraws a frame as tall as the terminal from a
  // cleared screen.
  const height = Math.max(1, rows - 1);
  const compact = height < COMPACT_BELOW;
  const headerRows = compact ? 1 : HEADER_ROWS;
  const body = Math.max(1, height - headerRows - 1);
  const pageRows = Math.max(1, body - 1);
  if (index < scrollTop.current) scrollTop.current = index;
  else if (index >= scrollTop.current + pageRows) scrollTop.current = index - pageRows + 1;
  scrollTop.current = Math.max(0, Math.min(scrollTop.current, jobs.length - pageRows));
  const visible = jobs.slice(scrollTop.current, scrollTop.current + pageRows);

  let newAbove = 0;
  if (ui.sortKey === 'id' && !ui.reversed) {
    const top = jobs[0]?.id ?? -1;
    if (ui.selectedId === null || scrollTop.current === 0 || seenMaxId.current < 0) seenMaxId.current = Math.max(seenMaxId.current, top);
    else for (let i = 0; i < jobs.length && jobs[i]!.id > seenMaxId.current; i++) newAbove++;
  }

  const waits = useMemo(
    () => waitsByJob(snapshot.locks, snapshot.dependencies, snapshot.jobs),
    [snapshot.locks, snapshot.dependencies, snapshot.jobs],
  );
  const screen = ui.screen;
  const viewedId = screen.kind === 'job' ? screen.id : null;
  const detail = snapshot.detail;
  const gone = viewedId === null ? null : goneText(viewedId, snapshot);
  const wait = viewedId === null ? null : (waits.get(viewedId) ?? null);
  const viewLines = useMemo(
    () => (viewedId === null ? [] : jobViewLines(viewedId, {detail, wait, gone}, now, columns)),
    [viewedId, detail, wait, gone, now, columns],
  );
  const viewRows = Math.max(1, screen.kind === 'locks' ? body - 2 : body - 1);

  useEffect(() => {
    const timer = setTimeout(() => source.watch(viewedId), WATCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [source, viewedId]);
  const viewedWaiting = viewedId !== null && detail?.id === viewedId && detail.status === 'waiting';
  const locksWanted = screen.kind === 'locks' || ui.showWaits || viewedWaiting;
  useEffect(() => source.setLocksWanted(locksWanted), [source, locksWanted]);

  const say = (message: Message): void => setUi((u) => ({...u, message}));
  const perform = (effect: Effect): void => {
    switch (effect.kind) {
      case 'exit':
        terminal?.setExitCode(effect.code);
        exit();
        break;
      case 'redraw':
        repaint();
        break;
      case 'suspend':
        terminal?.suspend();
        break;
      case 'action':
        say({text: effect.busy, tone: 'info'});
        void effect.run().then((r) => say({text: r.message, tone: r.ok ? 'ok' : 'error'}));
        break;
      case 'query':
        void source.setTextFilter(effect.text).then((error) => {
          if (error !== null) say({text: error, tone: 'error'});
          else {
            const text = effect.text === null ? 'Filter cleared' : `Filter: ${effect.text}`;
            setUi((u) => ({...u, mode: {kind: 'normal'}, selectedId: null, message: {text, tone: 'ok'}}));
          }
        });
        break;
    }
  };

  // What keys see is what was drawn last: ink installs a new input handler only after the frame
  // is on screen, and a key can come in between.
  const keyContext = useRef<KeyContext | null>(null);
  keyContext.current = {
    source,
    cluster: snapshot.cluster,
    textFilter: snapshot.textFilter,
    allJobs: snapshot.jobs,
    shown,
    pageRows,
    jobLines: (id: number): readonly ViewLine[] =>
      id === viewedId ? viewLines : jobViewLines(id, {detail, wait: waits.get(id) ?? null, gone: goneText(id, snapshot)}, now, columns),
    viewRows,
    lockCount: snapshot.locks?.length ?? 0,
  };
  useInput(
    (input, key) => {
      const ctx = keyContext.current!;
      const effects: Effect[] = [];
      setUi((u) => keyPresses(input, key).reduce((state, press) => applyKey(state, press, ctx, effects), u));
      for (const effect of effects) perform(effect);
    },
    {isActive: keysEnabled},
  );

  if (blank) return <Text> </Text>;
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return <Text wrap="truncate">{`Terminal too small (${columns}×${rows}); q quits`}</Text>;
  }

  const listStatus: ListStatus = {
    view: STATUS_VIEWS[ui.viewIndex]!,
    sortKey: ui.sortKey,
    reversed: ui.reversed,
    search: ui.search,
    marked: ui.marked.size,
    from: jobs.length === 0 ? 0 : scrollTop.current + 1,
    to: scrollTop.current + visible.length,
    total: jobs.length,
    newAbove,
  };
  let main;
  if (ui.mode.kind === 'help') {
    main = <Help width={columns} height={body} top={ui.mode.top} />;
  } else if (screen.kind === 'job') {
    const last = Math.max(0, viewLines.length - viewRows);
    const top = screen.follow ? last : Math.min(screen.top, last);
    const row = snapshot.jobs.find((j) => j.id === screen.id);
    const status = detail?.id === screen.id && detail.status !== null ? detail.status : (row?.status ?? null);
    const position =
      viewLines.length <= viewRows
        ? ''
        : `  lines ${top + 1}–${Math.min(viewLines.length, top + viewRows)} of ${viewLines.length}${top >= last ? (screen.follow ? ', following' : ', end') : ''}`;
    main = (
      <JobView
        jobId={screen.id}
        status={status}
        suffix={position}
        lines={viewLines}
        top={top}
        needle={ui.mode.kind === 'find' ? ui.mode.text : ui.needle}
        width={columns}
        height={body}
      />
    );
  } else if (screen.kind === 'locks') {
    main = (
      <LockScreen
        locks={snapshot.locks}
        top={Math.min(screen.top, Math.max(0, (snapshot.locks?.length ?? 0) - viewRows))}
        width={columns}
        height={body}
      />
    );
  } else {
    const idWidth = Math.max(2, String(snapshot.jobs[0]?.id ?? '').length);
    main = (
      <JobTable
        rows={visible}
        selectedId={selected?.id ?? null}
        marked={ui.marked}
        idWidth={idWidth}
        waits={ui.showWaits ? waits : null}
        now={now}
        width={columns}
        height={body}
      />
    );
  }
  return (
    <Box flexDirection="column" width={columns} height={height} overflow="hidden">
      <Header snapshot={snapshot} list={listStatus} now={now} width={columns} compact={compact} />
      {main}
      <Footer mode={ui.mode} screen={screen.kind} search={ui.search} message={ui.message} keysEnabled={keysEnabled} width={columns} />
    </Box>
  );
}
