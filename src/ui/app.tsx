// The `gnt-job top` screen: header, job table, detail pane and one prompt/message line.
import {useEffect, useMemo, useRef, useState} from 'react';
import {Box, Text, useApp, useInput, useStdin} from 'ink';
import {STATUS_VIEWS} from './format.js';
import {Header, HEADER_ROWS} from './header.js';
import {Help} from './help.js';
import {useMonitorView, useTerminalSize, type TerminalSize} from './hooks.js';
import {JobDetailPane} from './job-detail.js';
import {JobTable} from './job-table.js';
import {
  applyKey,
  INITIAL_UI,
  keyPresses,
  selectedIndex,
  type Effect,
  type KeyContext,
  type Message,
  type Mode,
  type UiState,
} from './keys.js';
import type {JobRow, MonitorSource} from './model.js';

/** Data changes are drawn at most ten times a second. */
export const FRAME_MS = 100;
/** Scrolling through the table should not start a WaitForJobChange per row passed. */
const WATCH_DELAY_MS = 50;
const MIN_DETAIL_ROWS = 8;

const TONE_COLORS = {info: 'yellow', ok: 'green', error: 'red'} as const;

export interface AppProps {
  source: MonitorSource;
  /** Overrides the terminal size (tests). */
  size?: TerminalSize;
}

function filterJobs(jobs: readonly JobRow[], viewIndex: number): readonly JobRow[] {
  const statuses = STATUS_VIEWS[viewIndex]!.statuses;
  return statuses === null ? jobs : jobs.filter((j) => statuses.has(j.status));
}

function Footer({mode, message, keysEnabled}: {mode: Mode; message: Message | null; keysEnabled: boolean}) {
  const messageText = message === null ? null : <Text color={TONE_COLORS[message.tone]}>{message.text}</Text>;
  switch (mode.kind) {
    case 'filter':
      return (
        <Text wrap="truncate">
          <Text color="cyan">filter: </Text>
          {mode.text}
          <Text inverse> </Text>
          {message === null ? null : '  '}
          {messageText}
        </Text>
      );
    case 'confirm':
      return (
        <Text color="yellow" bold wrap="truncate">
          {mode.prompt}
        </Text>
      );
    case 'priority':
      return (
        <Text color="yellow" bold wrap="truncate">
          Priority of job {mode.id}: h high (-10), n normal (0), l low (10), other key: keep
        </Text>
      );
    default:
      if (messageText !== null) return <Text wrap="truncate">{messageText}</Text>;
      return (
        <Text dimColor wrap="truncate">
          {keysEnabled
            ? '↑↓ move  Enter details  c cancel  p priority  a archive  d drain  / filter  s status  ? help  q quit'
            : 'keys are off: standard input is not a terminal (Ctrl-C quits)'}
        </Text>
      );
  }
}

export function App({source, size: fixedSize}: AppProps) {
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
  const scrollTop = useRef(0);

  const jobs = useMemo(() => filterJobs(snapshot.jobs, ui.viewIndex), [snapshot.jobs, ui.viewIndex]);
  const index = selectedIndex(jobs, ui.selectedId);
  const selected = jobs[index] ?? null;

  // One line is left free: ink redraws a frame as tall as the terminal from a cleared screen.
  const height = Math.max(HEADER_ROWS + 4, rows - 1);
  const body = height - HEADER_ROWS - 1;
  const detailRows = ui.detailOpen && selected !== null ? Math.max(MIN_DETAIL_ROWS, Math.floor(body / 2)) : 0;
  const tableRows = Math.max(2, body - detailRows);
  const pageRows = tableRows - 1;
  if (index < scrollTop.current) scrollTop.current = index;
  else if (index >= scrollTop.current + pageRows) scrollTop.current = index - pageRows + 1;
  scrollTop.current = Math.max(0, Math.min(scrollTop.current, jobs.length - pageRows));
  const visible = jobs.slice(scrollTop.current, scrollTop.current + pageRows);

  const watchedId = ui.detailOpen && selected !== null ? selected.id : null;
  useEffect(() => {
    const timer = setTimeout(() => source.watch(watchedId), WATCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [source, watchedId]);

  const say = (message: Message): void => setUi((u) => ({...u, message}));
  const perform = (effect: Effect): void => {
    switch (effect.kind) {
      case 'exit':
        exit();
        break;
      case 'action':
        say({text: effect.busy, tone: 'info'});
        void effect.run().then((r) => say({text: r.message, tone: r.ok ? 'ok' : 'error'}));
        break;
      case 'filter':
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

  useInput(
    (input, key) => {
      const ctx: KeyContext = {
        source,
        cluster: snapshot.cluster,
        textFilter: snapshot.textFilter,
        jobsInView: (viewIndex) => (viewIndex === ui.viewIndex ? jobs : filterJobs(snapshot.jobs, viewIndex)),
        pageRows,
      };
      const effects: Effect[] = [];
      setUi((u) => keyPresses(input, key).reduce((state, press) => applyKey(state, press, ctx, effects), u));
      for (const effect of effects) perform(effect);
    },
    {isActive: keysEnabled},
  );

  const idWidth = Math.max(2, String(jobs[0]?.id ?? '').length);
  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Header snapshot={snapshot} view={STATUS_VIEWS[ui.viewIndex]!} now={now} width={columns} />
      {ui.mode.kind === 'help' ? (
        <Help width={columns} height={body} />
      ) : (
        <>
          <JobTable rows={visible} selectedId={selected?.id ?? null} idWidth={idWidth} now={now} width={columns} height={tableRows} />
          {detailRows > 0 && selected !== null ? (
            <JobDetailPane jobId={selected.id} detail={snapshot.detail} now={now} width={columns} height={detailRows} />
          ) : null}
        </>
      )}
      <Footer mode={ui.mode} message={ui.message} keysEnabled={keysEnabled} />
    </Box>
  );
}
