// A MonitorSource driven by the test: set the snapshot, record the calls the keys make.
import type {ActionResult, JobRow, MonitorSnapshot, MonitorSource} from '../../src/ui/model.js';

export const NOW = Date.now() / 1000;

export function job(id: number, status: string, extra: Partial<JobRow> = {}): JobRow {
  const finished = ['success', 'error', 'canceled'].includes(status);
  return {
    id,
    status,
    priority: 0,
    summary: `TEST_DELAY(${id}.0)`,
    received: NOW - 100 + id,
    started: status === 'queued' ? null : NOW - 50,
    ended: finished ? NOW - 5 : null,
    ...extra,
  };
}

/** Jobs n..1, newest first. */
export function jobs(n: number, status = 'success'): JobRow[] {
  return Array.from({length: n}, (_, i) => job(n - i, status));
}

export class FakeSource implements MonitorSource {
  calls: Array<[string, ...unknown[]]> = [];
  watched: number | null = null;
  locksWanted = false;
  filterError: string | null = null;
  result: ActionResult = {ok: true, message: 'done'};
  private listeners = new Set<() => void>();
  snapshot: MonitorSnapshot;

  constructor(snapshot: Partial<MonitorSnapshot> = {}) {
    this.snapshot = {
      connection: {state: 'up'},
      cluster: {name: 'cluster.example.com', master: 'node1', drained: false},
      loaded: true,
      jobs: [],
      textFilter: null,
      detail: null,
      locks: null,
      dependencies: null,
      problem: null,
      ...snapshot,
    };
  }

  set(change: Partial<MonitorSnapshot>): void {
    this.snapshot = {...this.snapshot, ...change};
    for (const l of this.listeners) l();
  }

  getSnapshot = (): MonitorSnapshot => this.snapshot;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  async setTextFilter(text: string | null): Promise<string | null> {
    this.calls.push(['setTextFilter', text]);
    if (this.filterError !== null) return this.filterError;
    this.set({textFilter: text});
    return null;
  }
  watch(id: number | null): void {
    this.watched = id;
  }
  private act(...call: [string, ...unknown[]]): Promise<ActionResult> {
    this.calls.push(call);
    return Promise.resolve(this.result);
  }
  cancelJob(id: number) {
    return this.act('cancelJob', id);
  }
  changePriority(id: number, priority: number) {
    return this.act('changePriority', id, priority);
  }
  archiveJob(id: number) {
    return this.act('archiveJob', id);
  }
  resubmitJob(id: number) {
    return this.act('resubmitJob', id);
  }
  setLocksWanted(wanted: boolean): void {
    this.locksWanted = wanted;
  }
  setDrainFlag(drained: boolean) {
    return this.act('setDrainFlag', drained);
  }
}

/** Lets ink and React 19 process a write to stdin or a state change. */
export async function settle(ms = 0): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, ms));
}

export const KEYS = {up: '\x1b[A', down: '\x1b[B', enter: '\r', escape: '\x1b', pageDown: '\x1b[6~', backspace: '\x7f'};
