// What each key does to the monitor's screen state, as a pure function: a burst of keys that
// arrives in one read (key repeat, tmux send-keys) is applied one key after the other.
import type {Key} from 'ink';
import {indexOfId, STATUS_VIEWS} from './format.js';
import {isFinalized, type ActionResult, type ClusterInfo, type JobRow, type MonitorSource} from './model.js';

export type Mode =
  | {readonly kind: 'normal'}
  | {readonly kind: 'help'}
  | {readonly kind: 'filter'; readonly text: string}
  | {readonly kind: 'confirm'; readonly prompt: string; readonly busy: string; readonly run: () => Promise<ActionResult>}
  | {readonly kind: 'priority'; readonly id: number};

export interface Message {
  readonly text: string;
  readonly tone: 'info' | 'ok' | 'error';
}

export interface UiState {
  readonly viewIndex: number;
  /** null: the newest job, following new ones. */
  readonly selectedId: number | null;
  readonly detailOpen: boolean;
  readonly mode: Mode;
  readonly message: Message | null;
}

export const INITIAL_UI: UiState = {viewIndex: 0, selectedId: null, detailOpen: false, mode: {kind: 'normal'}, message: null};

export type Effect =
  | {readonly kind: 'exit'}
  | {readonly kind: 'action'; readonly busy: string; readonly run: () => Promise<ActionResult>}
  | {readonly kind: 'filter'; readonly text: string | null};

export interface KeyPress {
  readonly input: string;
  readonly up?: boolean;
  readonly down?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly enter?: boolean;
  readonly escape?: boolean;
  readonly backspace?: boolean;
  /** Ctrl or Meta held: not text. */
  readonly modified?: boolean;
}

function charKey(ch: string): KeyPress {
  if (ch === '\r' || ch === '\n') return {input: '', enter: true};
  if (ch === '\x7f' || ch === '\b') return {input: '', backspace: true};
  return {input: ch};
}

/** ink's key event as key presses: one per character when several plain characters came at once. */
export function keyPresses(input: string, key: Key): KeyPress[] {
  const special =
    key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.home || key.end || key.escape || key.return ||
    key.backspace || key.delete || key.ctrl || key.meta;
  if (!special) return [...input].map(charKey);
  return [
    {
      input,
      up: key.upArrow,
      down: key.downArrow,
      pageUp: key.pageUp,
      pageDown: key.pageDown,
      home: key.home,
      end: key.end,
      enter: key.return,
      escape: key.escape,
      backspace: key.backspace || key.delete,
      modified: key.ctrl || (key.meta && !key.escape),
    },
  ];
}

export interface KeyContext {
  readonly source: MonitorSource;
  readonly cluster: ClusterInfo | null;
  readonly textFilter: string | null;
  /** The jobs a status view shows, newest first. */
  jobsInView(viewIndex: number): readonly JobRow[];
  readonly pageRows: number;
}

const PRIORITIES: Readonly<Record<string, number>> = {h: -10, n: 0, l: 10};

/** Position of the selection in a view: the newest job when following, else where its job is (or was). */
export function selectedIndex(jobs: readonly JobRow[], selectedId: number | null): number {
  return Math.min(selectedId === null ? 0 : indexOfId(jobs, selectedId), Math.max(0, jobs.length - 1));
}

function normalKey(ui: UiState, k: KeyPress, ctx: KeyContext, effects: Effect[]): UiState {
  const jobs = ctx.jobsInView(ui.viewIndex);
  const index = selectedIndex(jobs, ui.selectedId);
  const selected = jobs[index] ?? null;
  const s: UiState = {...ui, message: null};
  const moveTo = (i: number): UiState => {
    const job = jobs[Math.max(0, Math.min(i, jobs.length - 1))];
    return job === undefined ? s : {...s, selectedId: job.id};
  };
  const say = (text: string, tone: Message['tone'] = 'error'): UiState => ({...s, message: {text, tone}});
  const input = k.input;
  if (k.modified) return ui;
  if (input === 'q') {
    effects.push({kind: 'exit'});
    return s;
  }
  if (k.up || input === 'k') return moveTo(index - 1);
  if (k.down || input === 'j') return moveTo(index + 1);
  if (k.pageUp) return moveTo(index - ctx.pageRows);
  if (k.pageDown) return moveTo(index + ctx.pageRows);
  if (k.home || input === 'g') return {...s, selectedId: null};
  if (k.end || input === 'G') return moveTo(jobs.length - 1);
  if (k.enter) {
    // Opening the details pins the selection, so that new jobs do not take it away.
    return {...s, detailOpen: !s.detailOpen, selectedId: !s.detailOpen && selected !== null ? selected.id : s.selectedId};
  }
  if (k.escape) return {...s, detailOpen: false};
  if (input === '?') return {...s, mode: {kind: 'help'}};
  if (input === '/') return {...s, mode: {kind: 'filter', text: ctx.textFilter ?? ''}};
  if (input === 's') return {...s, viewIndex: (s.viewIndex + 1) % STATUS_VIEWS.length};
  const view = STATUS_VIEWS.findIndex((v) => v.key === input);
  if (view >= 0) return {...s, viewIndex: view};
  if (input === 'd') {
    if (ctx.cluster === null) return say('The drain flag is not known yet');
    const drain = !ctx.cluster.drained;
    return {
      ...s,
      mode: {
        kind: 'confirm',
        prompt: drain ? 'Set the drain flag (the queue refuses new jobs)? y/N' : 'Unset the drain flag (accept new jobs)? y/N',
        busy: drain ? 'Setting the drain flag…' : 'Unsetting the drain flag…',
        run: () => ctx.source.setDrainFlag(drain),
      },
    };
  }
  if (input !== 'c' && input !== 'p' && input !== 'a') return s;
  if (selected === null) return say('No job selected');
  const {id, status} = selected;
  if (input === 'a') {
    if (!isFinalized(status)) return say(`Job ${id} is ${status}: only finished jobs can be archived`);
    effects.push({kind: 'action', busy: `Archiving job ${id}…`, run: () => ctx.source.archiveJob(id)});
    return s;
  }
  if (isFinalized(status)) return say(`Job ${id} has already finished (${status})`);
  if (input === 'p') return {...s, mode: {kind: 'priority', id}};
  return {
    ...s,
    mode: {
      kind: 'confirm',
      prompt: `Cancel job ${id} (${status}, ${selected.summary})? y/N`,
      busy: `Cancelling job ${id}…`,
      run: () => ctx.source.cancelJob(id),
    },
  };
}

/** The state after one key press; effects collects what has to happen outside the state. */
export function applyKey(ui: UiState, k: KeyPress, ctx: KeyContext, effects: Effect[]): UiState {
  const mode = ui.mode;
  const normal: UiState = {...ui, mode: {kind: 'normal'}};
  switch (mode.kind) {
    case 'normal':
      return normalKey(ui, k, ctx, effects);
    case 'help':
      if (k.input === 'q') effects.push({kind: 'exit'});
      return normal;
    case 'filter':
      if (k.escape) return {...normal, message: null};
      if (k.enter) {
        effects.push({kind: 'filter', text: mode.text.trim() === '' ? null : mode.text});
        return {...ui, message: {text: 'Applying the filter…', tone: 'info'}};
      }
      if (k.backspace) return {...ui, mode: {kind: 'filter', text: mode.text.slice(0, -1)}};
      if (k.input === '' || k.modified) return ui;
      return {...ui, mode: {kind: 'filter', text: mode.text + k.input}};
    case 'confirm':
      if (k.input === 'y' || k.input === 'Y') {
        effects.push({kind: 'action', busy: mode.busy, run: mode.run});
        return normal;
      }
      return {...normal, message: {text: 'Nothing done', tone: 'info'}};
    case 'priority': {
      const priority = PRIORITIES[k.input];
      if (priority === undefined) return normal;
      const id = mode.id;
      effects.push({
        kind: 'action',
        busy: `Changing the priority of job ${id}…`,
        run: () => ctx.source.changePriority(id, priority),
      });
      return normal;
    }
  }
}
