// What each key does to the monitor's screen state, as a pure function: a burst of keys that
// arrives in one read (key repeat, tmux send-keys) is applied one key after the other.
import type {Key} from 'ink';
import {STATUS_VIEWS} from './format.js';
import {HELP_KEY_COUNT} from './help.js';
import {SORT_KEYS, type SortKey} from './job-list.js';
import {matchingLines, type ViewLine} from './job-view.js';
import {isFinalized, type ActionResult, type ClusterInfo, type JobRow, type MonitorSource} from './model.js';

export const PRIORITY_MIN = -20;
export const PRIORITY_MAX = 19;

export type Screen =
  | {readonly kind: 'list'}
  /** top: first line shown; follow: stay at the end as lines arrive. */
  | {readonly kind: 'job'; readonly id: number; readonly top: number; readonly follow: boolean}
  | {readonly kind: 'locks'; readonly top: number};

export type Mode =
  | {readonly kind: 'normal'}
  /** The key list; top: its first line shown (it scrolls on low terminals). */
  | {readonly kind: 'help'; readonly top: number}
  /** The query-language filter being edited. */
  | {readonly kind: 'query'; readonly text: string}
  /** The plain-text search of the list, applied as it is typed; `before` comes back on Esc. */
  | {readonly kind: 'search'; readonly before: string}
  /** The search inside the job view; `fromTop` comes back on Esc. */
  | {readonly kind: 'find'; readonly text: string; readonly fromTop: number; readonly fromFollow: boolean}
  | {
      readonly kind: 'confirm';
      readonly prompt: string;
      readonly busy: string;
      readonly run: () => Promise<ActionResult>;
      readonly clearMarks: boolean;
    }
  | {readonly kind: 'priority'; readonly ids: readonly number[]; readonly text: string};

export interface Message {
  readonly text: string;
  readonly tone: 'info' | 'ok' | 'error';
}

export interface UiState {
  readonly viewIndex: number;
  /** null: the first job of the list, following new ones. */
  readonly selectedId: number | null;
  readonly screen: Screen;
  readonly mode: Mode;
  readonly message: Message | null;
  /** The plain-text search of the list ('' for none). */
  readonly search: string;
  readonly sortKey: SortKey;
  readonly reversed: boolean;
  readonly marked: ReadonlySet<number>;
  readonly showWaits: boolean;
  /** The last search inside the job view, for n and N. */
  readonly needle: string;
}

export const INITIAL_UI: UiState = {
  viewIndex: 0,
  selectedId: null,
  screen: {kind: 'list'},
  mode: {kind: 'normal'},
  message: null,
  search: '',
  sortKey: 'id',
  reversed: false,
  marked: new Set(),
  showWaits: false,
  needle: '',
};

export type Effect =
  | {readonly kind: 'exit'; readonly code: number}
  | {readonly kind: 'action'; readonly busy: string; readonly run: () => Promise<ActionResult>}
  | {readonly kind: 'query'; readonly text: string | null}
  | {readonly kind: 'redraw'}
  | {readonly kind: 'suspend'};

export interface KeyPress {
  readonly input: string;
  readonly up?: boolean;
  readonly down?: boolean;
  readonly left?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly enter?: boolean;
  readonly escape?: boolean;
  readonly backspace?: boolean;
  /** Ctrl held (input is the letter). */
  readonly ctrl?: boolean;
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
    key.upArrow ||
    key.downArrow ||
    key.leftArrow ||
    key.pageUp ||
    key.pageDown ||
    key.home ||
    key.end ||
    key.escape ||
    key.return ||
    key.backspace ||
    key.delete ||
    key.ctrl ||
    key.meta;
  if (!special) return [...input].map(charKey);
  return [
    {
      input,
      up: key.upArrow,
      down: key.downArrow,
      left: key.leftArrow,
      pageUp: key.pageUp,
      pageDown: key.pageDown,
      home: key.home,
      end: key.end,
      enter: key.return,
      escape: key.escape,
      backspace: key.backspace || key.delete,
      ctrl: key.ctrl,
      modified: key.ctrl || (key.meta && !key.escape),
    },
  ];
}

export interface KeyContext {
  readonly source: MonitorSource;
  readonly cluster: ClusterInfo | null;
  readonly textFilter: string | null;
  /** Every job the monitor has (in the query filter), newest first. */
  readonly allJobs: readonly JobRow[];
  /** The jobs the list shows with this state's view, search and sort. */
  shown(ui: UiState): readonly JobRow[];
  /** Rows of jobs on one page of the list. */
  readonly pageRows: number;
  /** The text of the job view for this job, wrapped to the screen. */
  jobLines(id: number): readonly ViewLine[];
  /** Lines of text the job view and the lock screen have room for. */
  readonly viewRows: number;
  readonly lockCount: number;
}

const PRIORITY_KEYS: Readonly<Record<string, number>> = {h: -10, n: 0, l: 10};

/** Position of the selection in a list: the first job when following, else where its job is. */
export function selectedIndex(jobs: readonly JobRow[], selectedId: number | null, positions?: ReadonlyMap<number, number>): number {
  if (selectedId === null || jobs.length === 0) return 0;
  const at = positions?.get(selectedId) ?? jobs.findIndex((j) => j.id === selectedId);
  return Math.max(at, 0);
}

const say = (ui: UiState, text: string, tone: Message['tone'] = 'error'): UiState => ({...ui, message: {text, tone}});

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Runs an action on each job in turn and sums up. */
async function eachJob(ids: readonly number[], what: string, act: (id: number) => Promise<ActionResult>): Promise<ActionResult> {
  if (ids.length === 1) return act(ids[0]!);
  const failures: string[] = [];
  for (const id of ids) {
    const r = await act(id);
    if (!r.ok) failures.push(r.message);
  }
  const done = `${what}: ${ids.length - failures.length} of ${plural(ids.length, 'job')} done`;
  if (failures.length === 0) return {ok: true, message: done};
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more failures)` : '';
  return {ok: false, message: `${done}; ${failures[0]}${more}`};
}

/** The jobs c, p, a act on: the marked ones still listed, else the selected (or viewed) one. */
function targets(ui: UiState, ctx: KeyContext, selected: JobRow | null): JobRow[] {
  if (ui.screen.kind === 'list' && ui.marked.size > 0) return ctx.allJobs.filter((j) => ui.marked.has(j.id));
  return selected === null ? [] : [selected];
}

function confirm(ui: UiState, prompt: string, busy: string, run: () => Promise<ActionResult>, clearMarks: boolean): UiState {
  return {...ui, mode: {kind: 'confirm', prompt, busy, run, clearMarks}};
}

/** c, p, a, r: the same on the list (selected or marked jobs) and in the job view. */
function actionKey(s: UiState, input: string, ctx: KeyContext, selected: JobRow | null, effects: Effect[]): UiState {
  const jobs = targets(s, ctx, selected);
  if (jobs.length === 0) return say(s, 'No job selected');
  const bulk = s.screen.kind === 'list' && s.marked.size > 0;
  const finished = jobs.filter((j) => isFinalized(j.status));
  const unfinished = jobs.filter((j) => !isFinalized(j.status));
  const skipped = (n: number, what: string): string => (n === 0 ? '' : ` (${plural(n, what)} skipped)`);
  if (input === 'r') {
    if (selected === null) return say(s, 'No job selected');
    const {id, status} = selected;
    if (status !== 'error' && status !== 'canceled')
      return say(s, `Job ${id} is ${status}: only failed or canceled jobs can be resubmitted`);
    return confirm(
      s,
      `Submit the opcodes of job ${id} (${selected.summary}) again as a new job? y/N`,
      `Resubmitting job ${id}…`,
      () => ctx.source.resubmitJob(id),
      false,
    );
  }
  if (input === 'a') {
    if (finished.length === 0) {
      return say(
        s,
        jobs.length === 1
          ? `Job ${jobs[0]!.id} is ${jobs[0]!.status}: only finished jobs can be archived`
          : 'None of the marked jobs has finished: only finished jobs can be archived',
      );
    }
    const ids = finished.map((j) => j.id);
    const run = (): Promise<ActionResult> => eachJob(ids, 'Archive', (id) => ctx.source.archiveJob(id));
    if (!bulk) {
      effects.push({kind: 'action', busy: `Archiving job ${ids[0]}…`, run});
      return s;
    }
    return confirm(
      s,
      `Archive ${plural(ids.length, 'marked job')}${skipped(unfinished.length, 'unfinished job')}? y/N`,
      `Archiving ${plural(ids.length, 'job')}…`,
      run,
      true,
    );
  }
  if (unfinished.length === 0) {
    return say(s, jobs.length === 1 ? `Job ${jobs[0]!.id} has already finished (${jobs[0]!.status})` : 'All marked jobs have finished');
  }
  const ids = unfinished.map((j) => j.id);
  if (input === 'p') return {...s, mode: {kind: 'priority', ids, text: ''}};
  const one = unfinished[0]!;
  const prompt = bulk
    ? `Cancel ${plural(ids.length, 'marked job')}${skipped(finished.length, 'finished job')}? y/N`
    : `Cancel job ${one.id} (${one.status}, ${one.summary})? y/N`;
  const busy = bulk ? `Cancelling ${plural(ids.length, 'job')}…` : `Cancelling job ${one.id}…`;
  return confirm(s, prompt, busy, () => eachJob(ids, 'Cancel', (id) => ctx.source.cancelJob(id)), bulk);
}

function listKey(ui: UiState, k: KeyPress, ctx: KeyContext, effects: Effect[]): UiState {
  const jobs = ctx.shown(ui);
  const index = selectedIndex(jobs, ui.selectedId);
  const selected = jobs[index] ?? null;
  const s: UiState = {...ui, message: null};
  const moveTo = (i: number): UiState => {
    const job = jobs[Math.max(0, Math.min(i, jobs.length - 1))];
    return job === undefined ? s : {...s, selectedId: job.id};
  };
  const input = k.input;
  if (k.up || input === 'k') return moveTo(index - 1);
  if (k.down || input === 'j') return moveTo(index + 1);
  if (k.pageUp) return moveTo(index - ctx.pageRows);
  if (k.pageDown) return moveTo(index + ctx.pageRows);
  if (k.home || input === 'g') return {...s, selectedId: null};
  if (k.end || input === 'G') return moveTo(jobs.length - 1);
  if (k.enter) {
    if (selected === null) return say(s, 'No job selected');
    // Opening a job pins the selection, so that new jobs do not take it away.
    return {...s, selectedId: selected.id, screen: {kind: 'job', id: selected.id, top: 0, follow: !isFinalized(selected.status)}};
  }
  if (k.escape) {
    if (ui.search !== '') return {...s, search: '', message: {text: 'Search cleared', tone: 'info'}};
    if (ui.marked.size > 0) return {...s, marked: new Set()};
    return s;
  }
  if (input === ' ') {
    if (selected === null) return s;
    const marked = new Set(ui.marked);
    if (!marked.delete(selected.id)) marked.add(selected.id);
    return {...moveTo(index + 1), marked};
  }
  if (input === '*') {
    const all = jobs.length > 0 && jobs.every((j) => ui.marked.has(j.id));
    const marked = new Set(ui.marked);
    for (const j of jobs) {
      if (all) marked.delete(j.id);
      else marked.add(j.id);
    }
    return {...s, marked};
  }
  if (input === 'u') return {...s, marked: new Set()};
  if (input === '?') return {...s, mode: {kind: 'help', top: 0}};
  if (input === '/') return {...s, mode: {kind: 'search', before: ui.search}};
  if (input === 'f') return {...s, mode: {kind: 'query', text: ctx.textFilter ?? ''}};
  if (input === 'o') {
    const sortKey = SORT_KEYS[(SORT_KEYS.indexOf(ui.sortKey) + 1) % SORT_KEYS.length]!;
    return {...s, sortKey, reversed: false, message: {text: `Sorted by ${sortKey}`, tone: 'info'}};
  }
  if (input === 'O') return {...s, reversed: !ui.reversed};
  if (input === 'w') return {...s, showWaits: !ui.showWaits};
  if (input === 'L') return {...s, screen: {kind: 'locks', top: 0}};
  if (input === 's') return {...s, viewIndex: (s.viewIndex + 1) % STATUS_VIEWS.length};
  const view = STATUS_VIEWS.findIndex((v) => v.key === input);
  if (view >= 0) return {...s, viewIndex: view};
  if (input === 'd') {
    if (ctx.cluster === null) return say(s, 'The drain flag is not known yet');
    const drain = !ctx.cluster.drained;
    return confirm(
      s,
      drain ? 'Set the drain flag (the queue refuses new jobs)? y/N' : 'Unset the drain flag (accept new jobs)? y/N',
      drain ? 'Setting the drain flag…' : 'Unsetting the drain flag…',
      () => ctx.source.setDrainFlag(drain),
      false,
    );
  }
  if (input === 'c' || input === 'p' || input === 'a' || input === 'r') return actionKey(s, input, ctx, selected, effects);
  return s;
}

/** Keys of the job view: scrolling, following, searching, the job's actions. */
function jobKey(ui: UiState, screen: Extract<Screen, {kind: 'job'}>, k: KeyPress, ctx: KeyContext, effects: Effect[]): UiState {
  const lines = ctx.jobLines(screen.id);
  const last = Math.max(0, lines.length - ctx.viewRows);
  const top = screen.follow ? last : Math.min(screen.top, last);
  const s: UiState = {...ui, message: null};
  const scrollTo = (t: number): UiState => {
    const clamped = Math.max(0, Math.min(t, last));
    return {...s, screen: {...screen, top: clamped, follow: clamped >= last}};
  };
  const input = k.input;
  if (k.escape || k.left || k.backspace) return {...s, screen: {kind: 'list'}};
  if (k.up || input === 'k') return scrollTo(top - 1);
  if (k.down || input === 'j') return scrollTo(top + 1);
  if (k.pageUp) return scrollTo(top - ctx.viewRows);
  if (k.pageDown || input === ' ') return scrollTo(top + ctx.viewRows);
  if (k.home || input === 'g') return {...s, screen: {...screen, top: 0, follow: false}};
  if (k.end || input === 'G') return {...s, screen: {...screen, top: last, follow: true}};
  if (input === '/') return {...s, mode: {kind: 'find', text: '', fromTop: top, fromFollow: screen.follow}};
  if (input === 'n' || input === 'N') {
    if (ui.needle === '') return say(s, 'No search yet: / searches');
    const found = matchingLines(lines, ui.needle);
    const next = input === 'n' ? (found.find((i) => i > top) ?? found[0]) : (found.findLast((i) => i < top) ?? found.at(-1));
    if (next === undefined) return say(s, `"${ui.needle}" not found`);
    return {
      ...scrollTo(next),
      message: {text: `"${ui.needle}": line ${next + 1}, match ${found.indexOf(next) + 1} of ${found.length}`, tone: 'info'},
    };
  }
  if (input === '?') return {...s, mode: {kind: 'help', top: 0}};
  if (input === 'c' || input === 'p' || input === 'a' || input === 'r') {
    const row = ctx.allJobs.find((j) => j.id === screen.id) ?? null;
    if (row === null) return say(s, `Job ${screen.id} is no longer in the list`);
    return actionKey(s, input, ctx, row, effects);
  }
  return s;
}

function locksKey(ui: UiState, screen: Extract<Screen, {kind: 'locks'}>, k: KeyPress, ctx: KeyContext): UiState {
  const last = Math.max(0, ctx.lockCount - ctx.viewRows);
  const scrollTo = (t: number): UiState => ({...ui, message: null, screen: {kind: 'locks', top: Math.max(0, Math.min(t, last))}});
  const top = Math.min(screen.top, last);
  if (k.escape || k.left || k.backspace || k.input === 'L') return {...ui, message: null, screen: {kind: 'list'}};
  if (k.up || k.input === 'k') return scrollTo(top - 1);
  if (k.down || k.input === 'j') return scrollTo(top + 1);
  if (k.pageUp) return scrollTo(top - ctx.viewRows);
  if (k.pageDown || k.input === ' ') return scrollTo(top + ctx.viewRows);
  if (k.home || k.input === 'g') return scrollTo(0);
  if (k.end || k.input === 'G') return scrollTo(last);
  if (k.input === '?') return {...ui, mode: {kind: 'help', top: 0}};
  return ui;
}

/** A line of text being edited: the new text, or null when the key is not an edit. */
function edit(text: string, k: KeyPress): string | null {
  if (k.backspace) return text.slice(0, -1);
  if (k.input === '' || k.modified || k.up || k.down || k.pageUp || k.pageDown) return null;
  return text + k.input;
}

function priorityKey(ui: UiState, mode: Extract<Mode, {kind: 'priority'}>, k: KeyPress, ctx: KeyContext, effects: Effect[]): UiState {
  const normal: UiState = {...ui, mode: {kind: 'normal'}};
  if (k.escape) return {...normal, message: {text: 'Nothing done', tone: 'info'}};
  let value: number | null = null;
  if (mode.text === '' && PRIORITY_KEYS[k.input] !== undefined) value = PRIORITY_KEYS[k.input]!;
  else if (k.enter) {
    const n = /^-?\d+$/.test(mode.text) ? Number(mode.text) : NaN;
    if (!(n >= PRIORITY_MIN && n <= PRIORITY_MAX)) {
      return {...ui, message: {text: `A priority is a whole number from ${PRIORITY_MIN} to ${PRIORITY_MAX}`, tone: 'error'}};
    }
    value = n;
  } else if (k.backspace || /^[-\d]$/.test(k.input)) {
    const text = edit(mode.text, k) ?? mode.text;
    return {...ui, message: null, mode: {...mode, text}};
  } else {
    return {...normal, message: {text: 'Nothing done', tone: 'info'}};
  }
  const priority = value;
  const ids = mode.ids;
  const run = (): Promise<ActionResult> => eachJob(ids, `Priority ${priority}`, (id) => ctx.source.changePriority(id, priority));
  if (ids.length === 1) {
    effects.push({kind: 'action', busy: `Changing the priority of job ${ids[0]}…`, run});
    return {...normal, message: null};
  }
  return confirm(
    normal,
    `Change the priority of ${plural(ids.length, 'marked job')} to ${priority}? y/N`,
    `Changing the priority of ${plural(ids.length, 'job')}…`,
    run,
    true,
  );
}

/** The state after one key press; effects collects what has to happen outside the state. */
export function applyKey(ui: UiState, k: KeyPress, ctx: KeyContext, effects: Effect[]): UiState {
  if (k.ctrl) {
    if (k.input === 'c') effects.push({kind: 'exit', code: 130});
    if (k.input === 'l') effects.push({kind: 'redraw'});
    if (k.input === 'z') effects.push({kind: 'suspend'});
    return ui;
  }
  const mode = ui.mode;
  const normal: UiState = {...ui, mode: {kind: 'normal'}};
  switch (mode.kind) {
    case 'normal':
      if (k.input === 'q' && !k.modified) {
        effects.push({kind: 'exit', code: 0});
        return ui;
      }
      if (k.modified) return ui;
      if (ui.screen.kind === 'job') return jobKey(ui, ui.screen, k, ctx, effects);
      if (ui.screen.kind === 'locks') return locksKey(ui, ui.screen, k, ctx);
      return listKey(ui, k, ctx, effects);
    case 'help': {
      if (k.input === 'q') effects.push({kind: 'exit', code: 0});
      const step = k.up || k.input === 'k' ? -1 : k.down || k.input === 'j' ? 1 : k.pageUp ? -ctx.viewRows : k.pageDown ? ctx.viewRows : 0;
      if (step === 0) return normal;
      return {...ui, mode: {kind: 'help', top: Math.max(0, Math.min(mode.top + step, HELP_KEY_COUNT - 1))}};
    }
    case 'query': {
      if (k.escape) return {...normal, message: null};
      if (k.enter) {
        effects.push({kind: 'query', text: mode.text.trim() === '' ? null : mode.text});
        return {...ui, message: {text: 'Applying the filter…', tone: 'info'}};
      }
      const text = edit(mode.text, k);
      return text === null ? ui : {...ui, mode: {kind: 'query', text}};
    }
    case 'search': {
      if (k.escape) return {...normal, search: mode.before, message: null};
      if (k.enter) return {...normal, message: null};
      const search = edit(ui.search, k);
      // A new search starts at the top of what it finds.
      return search === null ? ui : {...ui, search, selectedId: null};
    }
    case 'find': {
      if (ui.screen.kind !== 'job') return normal;
      const screen = ui.screen;
      if (k.escape) return {...normal, screen: {...screen, top: mode.fromTop, follow: mode.fromFollow}, message: null};
      if (k.enter) return {...normal, needle: mode.text, message: mode.text === '' ? null : ui.message};
      const text = edit(mode.text, k);
      if (text === null) return ui;
      const found = matchingLines(ctx.jobLines(screen.id), text);
      const at = found.find((i) => i >= mode.fromTop) ?? found[0];
      const message: Message | null =
        text === ''
          ? null
          : at === undefined
            ? {text: `"${text}" not found`, tone: 'error'}
            : {text: `line ${at + 1}, match ${found.indexOf(at) + 1} of ${found.length}`, tone: 'info'};
      const moved: Screen = at === undefined ? screen : {...screen, top: at, follow: false};
      return {...ui, mode: {...mode, text}, needle: text, screen: moved, message};
    }
    case 'confirm':
      if (k.input === 'y' || k.input === 'Y') {
        effects.push({kind: 'action', busy: mode.busy, run: mode.run});
        return mode.clearMarks ? {...normal, marked: new Set()} : normal;
      }
      return {...normal, message: {text: 'Nothing done', tone: 'info'}};
    case 'priority':
      return priorityKey(ui, mode, k, ctx, effects);
  }
}
