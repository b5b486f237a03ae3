// tsx applies tsconfig.json to src/ only: the automatic JSX runtime is chosen here.
/** @jsxRuntime automatic */
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {App, type TerminalHooks} from '../../src/ui/app.js';
import {keyPresses} from '../../src/ui/keys.js';
import {detailFromValues} from '../../src/ui/model.js';
import type {Key} from 'ink';
import {FakeSource, job, jobs, KEYS, NOW, settle} from './fake-source.js';

afterEach(cleanup);

const SIZE = {columns: 110, rows: 30};

function start(source: FakeSource, size = SIZE, terminal?: TerminalHooks) {
  const app = render(<App source={source} size={size} {...(terminal === undefined ? {} : {terminal})} />);
  // On a loaded machine a frame can take a while: wait for the one a key causes, and poll for
  // what a change of the source causes.
  const press = async (...keys: string[]): Promise<void> => {
    for (const k of keys) {
      const before = app.frames.length;
      app.stdin.write(k);
      await settle();
      for (let i = 0; i < 100 && app.frames.length === before; i++) await settle(5);
    }
  };
  const screen = (): string => app.lastFrame() ?? '';
  const see = async (pattern: RegExp, message?: string): Promise<void> => {
    for (let i = 0; i < 200 && !pattern.test(screen()); i++) await settle(10);
    assert.match(screen(), pattern, message);
  };
  const tableLines = (): string[] =>
    screen()
      .split('\n')
      .filter((l) => /^[> ][* ]\s*\d+ [a-z]/.test(l));
  const ids = (): number[] => tableLines().map((l) => Number(/\d+/.exec(l)![0]));
  const selectedLine = (): string | undefined => tableLines().find((l) => l.startsWith('>'));
  // The list after a key: polled, for a frame of the clock can come before the key's own.
  const expectIds = async (expected: number[], message?: string): Promise<void> => {
    for (let i = 0; i < 200 && JSON.stringify(ids()) !== JSON.stringify(expected); i++) await settle(10);
    assert.deepEqual(ids(), expected, message);
  };
  return {...app, press, screen, see, tableLines, ids, expectIds, selectedLine};
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await settle(10);
}

const running = () => [job(5, 'running'), job(4, 'queued'), job(3, 'waiting'), job(2, 'success'), job(1, 'error')];

/** A WaitForJobChange answer in DETAIL_FIELDS order for a failed two-opcode job. */
function failedDetail(id: number, errorText: string, logLines = 2) {
  const t = Math.floor(NOW) - 20;
  const values = [
    'error',
    0,
    [t, 0],
    [t + 1, 0],
    [t + 2, 0],
    ['TEST_JQUEUE', 'TEST_JQUEUE'],
    ['success', 'error'],
    [0, 0],
    [
      [t + 1, 0],
      [t + 1, 0],
    ],
    [
      [t + 1, 0],
      [t + 1, 0],
    ],
    [
      [t + 2, 0],
      [t + 2, 0],
    ],
    [true, ['OpExecError', [errorText]]],
    [
      {OP_ID: 'OP_TEST_JQUEUE', fail: false},
      {OP_ID: 'OP_TEST_JQUEUE', fail: true, comment: null},
    ],
  ];
  const log = Array.from({length: logLines}, (_, i) => ({serial: i + 1, time: t + 1, message: `log line ${i + 1}`}));
  return detailFromValues(id, values, log);
}

describe('App: the list', () => {
  it('moves with j/k and arrows and marks the selected row with > (no colour needed)', async () => {
    const app = start(new FakeSource({jobs: running()}));
    assert.match(app.selectedLine()!, /^> {2}5 running/);
    await app.press('j', 'j', KEYS.down, 'k');
    assert.match(app.selectedLine()!, /^> {2}3 waiting/);
    assert.equal(app.tableLines().filter((l) => l.startsWith('>')).length, 1);
  });

  it('keeps the selected job selected while new jobs arrive on top, and counts them', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source, {columns: 110, rows: 9});
    await app.press('j', 'j', 'j');
    source.set({jobs: [job(7, 'queued'), job(6, 'queued'), ...running()]});
    await settle(150);
    assert.match(app.selectedLine()!, /^> {2}2 success/);
    await app.see(/▲ 2 new above/);
    await app.press('g');
    assert.doesNotMatch(app.screen(), /new above/);
    assert.match(app.selectedLine()!, /^> {2}7 queued/);
  });

  it('says so when the selected job is archived elsewhere, and selects its neighbour', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('j', 'j');
    source.set({jobs: running().filter((j) => j.id !== 3)});
    await settle(150);
    await app.see(/Job 3 was archived; selected the next job/);
    assert.match(app.selectedLine()!, /^> {2}2 success/);
  });

  it('shows its position in the list and a runtime column', async () => {
    const app = start(new FakeSource({jobs: jobs(22_091)}), {columns: 110, rows: 30});
    await app.see(/rows 1–24 of 22,091/);
    await app.press(KEYS.pageDown, KEYS.pageDown);
    await app.see(/rows 26–49 of 22,091/);
    await app.see(/Runtime Summary/);
    assert.match(app.tableLines()[0]!, / 45s TEST_DELAY/);
  });

  it('searches id, status and summary as you type; Esc in the prompt undoes it', async () => {
    const source = new FakeSource({
      jobs: [
        job(12, 'error', {summary: 'INSTANCE_STARTUP(inst1)'}),
        job(11, 'success', {summary: 'INSTANCE_STARTUP(inst2)'}),
        job(3, 'error'),
      ],
    });
    const app = start(source);
    await app.press('/', 'i', 'n', 's', 't');
    await app.expectIds([12, 11]);
    await app.press('1');
    await app.expectIds([12]);
    await app.see(/search: inst1_/);
    await app.press(...Array<string>(5).fill(KEYS.backspace), 'E', 'R', 'R', KEYS.enter);
    await app.expectIds([12, 3]);
    await app.see(/search ERR /);
    await app.press('/', ' ', 'i', 'n', 's', 't');
    await app.expectIds([12], 'every word must match');
    await app.press(...Array<string>(8).fill(KEYS.backspace), '3');
    await app.expectIds([3]);
    await app.press(KEYS.escape);
    await app.expectIds([12, 3]);
    await app.press(KEYS.escape);
    await app.expectIds([12, 11, 3]);
    assert.deepEqual(source.calls, [], 'a plain search is not sent to the daemon');
  });

  it('sorts by each key in turn and reverses', async () => {
    const now = Math.floor(NOW);
    const source = new FakeSource({
      jobs: [
        job(4, 'queued', {received: now - 1, started: null}),
        job(3, 'running', {received: now - 50, started: now - 40}),
        job(2, 'success', {received: now - 30, started: now - 20, ended: now - 19}),
        // Ran far longer than the running job will have run when the test ends.
        job(1, 'error', {received: now - 2000, started: now - 1999, ended: now - 2}),
      ],
    });
    const app = start(source);
    await app.expectIds([4, 3, 2, 1]);
    const order: Record<string, number[]> = {};
    for (const key of ['received', 'started', 'ended', 'runtime', 'status']) {
      await app.press('o');
      await app.see(new RegExp(`sort ${key}`));
      order[key] = app.ids();
    }
    assert.deepEqual(order, {
      received: [4, 2, 3, 1],
      started: [2, 3, 1, 4],
      ended: [1, 2, 4, 3],
      runtime: [1, 3, 2, 4],
      status: [4, 3, 2, 1],
    });
    await app.press('O');
    await app.see(/sort status \(reversed\)/);
    await app.expectIds([1, 2, 3, 4]);
    await app.press('o');
    await app.expectIds([4, 3, 2, 1]);
  });

  it('filters by status view', async () => {
    const app = start(new FakeSource({jobs: running()}));
    assert.equal(app.tableLines().length, 5);
    await app.press('2');
    await settle(50);
    await app.expectIds([4, 3]);
    await app.see(/view pending/);
    assert.doesNotMatch(app.screen(), /archived|left the view/, 'the user changed the view: nothing to explain');
    assert.match(app.selectedLine()!, /^> +4 queued/);
    await app.press('s');
    await app.expectIds([5]);
    await app.press('4');
    await app.expectIds([2, 1]);
    await app.press('0');
    assert.equal(app.tableLines().length, 5);
  });

  it('edits and applies a query filter (f), and shows its errors', async () => {
    const source = new FakeSource({jobs: running()});
    source.filterError = 'Error while parsing query filter: Expected end of text';
    const app = start(source);
    await app.press('f', 'status ==x', KEYS.backspace, ' "error" x', KEYS.enter);
    await settle();
    assert.deepEqual(source.calls, [['setTextFilter', 'status == "error" x']]);
    await app.see(/filter \(query\): status == "error" x_ .*Error while parsing query filter/);
    source.filterError = null;
    await app.press(KEYS.backspace, KEYS.backspace, KEYS.enter);
    await settle(120);
    await app.see(/Filter: status == "error"/);
    await app.see(/filter status == "error"/);
    await app.press('f', KEYS.escape);
    await settle(50);
    assert.doesNotMatch(app.screen(), /filter \(query\): /);
  });

  it('shows "unknown" before the first answer of the daemon', async () => {
    const source = new FakeSource({connection: {state: 'connecting'}, cluster: null, loaded: false});
    const app = start(source);
    await app.see(/cluster unknown master unknown {2}daemon: connecting… {2}queue: unknown/);
    await app.see(/^jobs: unknown/m);
    assert.doesNotMatch(app.screen(), /0 jobs/);
  });

  it('shows, scrolls and closes the help', async () => {
    const app = start(new FakeSource({jobs: running()}), {columns: 100, rows: 20});
    await app.press('?');
    await app.see(/gnt-job top: keys \(1–14 of 20, ↑↓ scroll\)/);
    assert.doesNotMatch(app.screen(), /Ctrl-L/);
    await app.press(KEYS.pageDown);
    await app.see(/Ctrl-L \/ Ctrl-Z/);
    await app.see(/q {2}Ctrl-C/);
    await app.press('x');
    assert.doesNotMatch(app.screen(), /gnt-job top: keys/);
  });
});

describe('App: layout', () => {
  const sizes = [
    {columns: 120, rows: 35},
    {columns: 80, rows: 24},
    {columns: 60, rows: 14},
    {columns: 40, rows: 10},
  ];
  for (const size of sizes) {
    it(`fits ${size.columns}×${size.rows} in every screen, with the key bar`, async () => {
      const source = new FakeSource({jobs: jobs(300, 'success')});
      source.set({jobs: [job(301, 'error', {summary: 'X'.repeat(200)}), ...source.snapshot.jobs]});
      const app = start(source, size);
      const check = (what: string): void => {
        const lines = app.screen().split('\n');
        assert.ok(lines.length <= size.rows - 1, `${what}: ${lines.length} lines`);
        for (const l of lines) assert.ok(l.length <= size.columns, `${what}: line too wide: ${l}`);
        assert.match(lines.at(-1)!, /\? help {2}q quit$/, `${what}: key bar`);
      };
      check('list');
      source.set({detail: failedDetail(301, 'E'.repeat(500), 100)});
      await app.press(KEYS.enter);
      await app.see(/Job 301 error/);
      check('job view');
      await app.press(KEYS.escape, 'L');
      source.set({locks: [{name: 'cluster/BGL', mode: 'shared', owners: ['job/1'], pending: []}]});
      await app.see(/Locks: 1, 0 with waiters/);
      check('lock screen');
      await app.press(KEYS.escape, 'w');
      await app.see(/Waits for|Runtime Summary/);
      check('waits column');
    });
  }

  it('says the terminal is too small below 20×5', async () => {
    const app = start(new FakeSource({jobs: running()}), {columns: 19, rows: 10});
    await app.see(/Terminal too small/);
  });
});

describe('App: the job view', () => {
  it('shows every opcode, its input, the whole error wrapped, and the log; Esc keeps the selection', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source, {columns: 60, rows: 40});
    await app.press('j', 'j', 'j', KEYS.enter);
    await settle(80);
    await until(() => source.watched === 2);
    assert.equal(source.watched, 2);
    const long = 'Opcode failure was requested, and this error is long enough to need three lines at sixty columns';
    source.set({detail: failedDetail(2, long)});
    await app.see(/Log \(2 entries\)/);
    const s = app.screen();
    assert.match(s, /^Job 2 error/m);
    assert.match(s, /Opcode 1\/2 {2}success {2}TEST_JQUEUE/);
    assert.match(s, /Opcode 2\/2 {2}error {2}TEST_JQUEUE/);
    assert.match(s, /input:\n {4}fail = true\n/);
    assert.doesNotMatch(s, /comment = null/, 'parameters left at their default are not shown');
    const joined = s
      .split('\n')
      .map((l) => l.trim())
      .join(' ');
    assert.ok(joined.includes(`error: Failure: command execution error: ${long}`), joined);
    assert.ok(s.indexOf('error: Failure') < s.indexOf('Log (2 entries)'), 'errors before the log');
    assert.match(s, /\d\d:\d\d:\d\d log line 2/);
    await app.press(KEYS.escape);
    await settle(80);
    assert.match(app.selectedLine()!, /^> {2}2 success/);
    await until(() => source.watched === null);
    assert.equal(source.watched, null);
  });

  it('scrolls through a long log, follows new lines until scrolled up, and finds text', async () => {
    const source = new FakeSource({jobs: [job(9, 'running')]});
    const app = start(source, {columns: 80, rows: 20});
    await app.press(KEYS.enter);
    const detail = failedDetail(9, 'boom', 200);
    source.set({detail: {...detail, status: 'running'}});
    await settle(120);
    await app.see(/log line 200/, 'a running job opens at the end of its log');
    await app.see(/lines \d+–\d+ of \d+, following/);
    source.set({detail: {...detail, status: 'running', log: [...detail.log, {serial: 201, time: NOW, message: 'log line 201'}]}});
    await settle(120);
    await app.see(/log line 201/);
    await app.press('k', 'k');
    source.set({detail: {...detail, status: 'running', log: [...detail.log, {serial: 202, time: NOW, message: 'log line 202'}]}});
    await settle(120);
    assert.doesNotMatch(app.screen(), /log line 202/, 'scrolled up: stays put');
    await app.press('g');
    await app.see(/received /);
    await app.press('/', 'line 150');
    await app.see(/log line 150/);
    await app.see(/find: line 150_ +line \d+, match 1 of 1/);
    await app.press(KEYS.enter, 'g', 'n');
    assert.match(app.screen().split('\n')[4]!, /log line 150/);
    await app.press('/', 'nothing like this');
    await app.see(/"nothing like this" not found/);
    await app.press(KEYS.escape, 'G');
    await app.see(/log line 202/);
  });

  it('shows what a waiting job waits for: the lock and its holder, or a dependency', async () => {
    const source = new FakeSource({jobs: [job(8, 'waiting'), job(7, 'running'), job(6, 'waiting')]});
    const app = start(source, {columns: 120, rows: 30});
    source.set({
      locks: [
        {name: 'cluster/BGL', mode: 'shared', owners: ['job/7'], pending: []},
        {name: 'node/node1', mode: 'exclusive', owners: ['job/7'], pending: [{mode: 'exclusive', owners: ['job/8']}]},
        {name: 'job/7', mode: null, owners: [], pending: [{mode: 'job', owners: ['job/6']}]},
      ],
    });
    await app.press('w');
    await until(() => source.locksWanted);
    assert.equal(source.locksWanted, true);
    await app.see(/Waits for/);
    await app.see(/job 7 holds node\/node1/);
    assert.match(app.tableLines()[0]!, /job 7 holds node\/node1/);
    assert.match(app.tableLines()[2]!, /after job 7/);
    await app.press('w');
    await until(() => !source.locksWanted);
    assert.equal(source.locksWanted, false);
    await app.press(KEYS.enter);
    source.set({detail: {...failedDetail(8, ''), status: 'waiting'}});
    await until(() => source.locksWanted);
    assert.equal(source.locksWanted, true, 'the job view of a waiting job reads the locks');
    await app.see(/Waits for lock node\/node1 \(exclusive\): held by job 7; first in line/);
  });

  it('acts on the viewed job and tells when it was archived elsewhere', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('G', KEYS.enter, 'r', 'y');
    await settle();
    assert.deepEqual(source.calls, [['resubmitJob', 1]]);
    source.set({jobs: running().filter((j) => j.id !== 1)});
    await settle(120);
    await app.see(/Job 1 is no longer in the queue: it was archived\./);
  });
});

describe('App: the lock screen', () => {
  it('lists every lock with mode, owners and waiters, live', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('L');
    await until(() => source.locksWanted);
    assert.equal(source.locksWanted, true);
    await app.see(/Locks: reading…/);
    source.set({
      locks: [
        {name: 'cluster/BGL', mode: 'shared', owners: ['job/5', 'job/3'], pending: []},
        {
          name: 'node/node1',
          mode: 'exclusive',
          owners: ['job/5'],
          pending: [
            {mode: 'exclusive', owners: ['job/3']},
            {mode: 'shared', owners: ['job/4']},
          ],
        },
      ],
    });
    await app.see(/Locks: 2, 1 with waiters/);
    const s = app.screen();
    assert.match(s, /cluster\/BGL +shared +job 5,job 3 +-/);
    assert.match(s, /node\/node1 +exclusive +job 5 +exclusive: job 3; shared: job 4/);
    await app.press(KEYS.escape);
    await until(() => !source.locksWanted);
    assert.equal(source.locksWanted, false);
  });
});

describe('App: actions', () => {
  it('cancels the selected job after confirmation only', async () => {
    const source = new FakeSource({jobs: running()});
    source.result = {ok: true, message: 'Cancel job 4: Dequeued job 4'};
    const app = start(source);
    await app.press('j', 'c');
    await app.see(/Cancel job 4 \(queued, TEST_DELAY\(4\.0\)\)\? y\/N/);
    await app.press('n');
    assert.deepEqual(source.calls, []);
    await app.see(/Nothing done/);
    await app.press('c', 'y');
    await settle();
    assert.deepEqual(source.calls, [['cancelJob', 4]]);
    await app.see(/Cancel job 4: Dequeued job 4/);
  });

  it('refuses to cancel or reprioritise a finished job, to archive an unfinished one, to resubmit a good one', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('a');
    await app.see(/Job 5 is running: only finished jobs can be archived/);
    await app.press('r');
    await app.see(/Job 5 is running: only failed or canceled jobs can be resubmitted/);
    await app.press('G', 'c');
    await app.see(/Job 1 has already finished \(error\)/);
    await app.press('p');
    await app.see(/Job 1 has already finished \(error\)/);
    assert.deepEqual(source.calls, []);
  });

  it('archives a finished job', async () => {
    const source = new FakeSource({jobs: running()});
    source.result = {ok: false, message: "Failed to archive job with ID '2'"};
    const app = start(source);
    await app.press('G', 'k', 'a');
    await settle();
    assert.deepEqual(source.calls, [['archiveJob', 2]]);
    await app.see(/Failed to archive job with ID '2'/);
  });

  it('sets any priority from -20 to 19', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('p');
    await app.see(/Priority of job 5 \(-20\.\.19, Enter; h -10, n 0, l 10\): _/);
    await app.press('h', 'j', 'p', 'x', 'p', 'l');
    await app.press('k', 'p', '-', '2', '0', KEYS.enter);
    await app.press('p', '1', '9', KEYS.enter);
    await app.press('p', '2', '0', KEYS.enter);
    await app.see(/A priority is a whole number from -20 to 19/);
    await app.press(KEYS.escape);
    assert.deepEqual(source.calls, [
      ['changePriority', 5, -10],
      ['changePriority', 4, 10],
      ['changePriority', 5, -20],
      ['changePriority', 5, 19],
    ]);
  });

  it('marks jobs with space and *, then cancels, reprioritises and archives the marked ones with one confirmation', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press(' ', ' ');
    assert.match(app.tableLines()[0]!, /^ \* +5 running/);
    assert.match(app.tableLines()[1]!, /^ \* +4 queued/);
    await app.see(/2 marked/);
    await app.press('c');
    await app.see(/Cancel 2 marked jobs\? y\/N/);
    await app.press('y');
    await settle();
    assert.deepEqual(source.calls, [
      ['cancelJob', 5],
      ['cancelJob', 4],
    ]);
    await app.see(/Cancel: 2 of 2 jobs done/);
    assert.doesNotMatch(app.screen(), /marked/, 'the marks go once the action ran');

    source.calls = [];
    await app.press('*');
    await app.see(/5 marked/);
    await app.press('p', '-', '5', KEYS.enter);
    await app.see(/Change the priority of 3 marked jobs to -5\? y\/N/);
    await app.press('y');
    await settle();
    assert.deepEqual(source.calls, [
      ['changePriority', 5, -5],
      ['changePriority', 4, -5],
      ['changePriority', 3, -5],
    ]);

    source.calls = [];
    source.result = {ok: false, message: 'no'};
    await app.press('*', 'a');
    await app.see(/Archive 2 marked jobs \(3 unfinished jobs skipped\)\? y\/N/);
    await app.press('y');
    await settle();
    assert.deepEqual(source.calls, [
      ['archiveJob', 2],
      ['archiveJob', 1],
    ]);
    await app.see(/Archive: 0 of 2 jobs done; no \(and 1 more failures\)/);

    await app.press('*', '*');
    assert.doesNotMatch(app.screen(), /marked/, '* twice unmarks');
  });

  it('resubmits a failed job after confirmation', async () => {
    const source = new FakeSource({jobs: running()});
    source.result = {ok: true, message: 'Job 1 resubmitted as job 6'};
    const app = start(source);
    await app.press('G', 'r');
    await app.see(/Submit the opcodes of job 1 \(TEST_DELAY\(1\.0\)\) again as a new job\? y\/N/);
    await app.press('y');
    await settle();
    assert.deepEqual(source.calls, [['resubmitJob', 1]]);
    await app.see(/Job 1 resubmitted as job 6/);
  });

  it('toggles the drain flag after confirmation', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('d');
    await app.see(/Set the drain flag \(the queue refuses new jobs\)\? y\/N/);
    await app.press('y');
    source.set({cluster: {name: 'c', master: 'm', drained: true}});
    await app.see(/queue: DRAINED/);
    await app.press('d');
    await app.see(/Unset the drain flag/);
    await app.press('Y');
    assert.deepEqual(source.calls, [
      ['setDrainFlag', true],
      ['setDrainFlag', false],
    ]);
  });
});

describe('App: the terminal', () => {
  function hooks() {
    const log: string[] = [];
    let resume: (() => void) | null = null;
    const terminal: TerminalHooks = {
      clearScreen: () => log.push('clear'),
      suspend: () => log.push('suspend'),
      onResume: (l) => {
        resume = l;
        return () => (resume = null);
      },
      setExitCode: (code) => log.push(`exit ${code}`),
    };
    return {terminal, log, resume: () => resume?.()};
  }

  it('quits with 130 on Ctrl-C in any mode, 0 on q', async () => {
    for (const keys of [['\x03'], ['/', 'ab', '\x03'], ['p', '\x03'], [KEYS.enter, '\x03'], ['q']]) {
      const source = new FakeSource({jobs: running()});
      const h = hooks();
      const app = start(source, SIZE, h.terminal);
      await app.press(...keys);
      assert.deepEqual(h.log, [keys.at(-1) === 'q' ? 'exit 0' : 'exit 130'], keys.join(' '));
      // ink-testing-library has no waitUntilExit: an app that exited no longer draws changes.
      source.set({jobs: [job(9, 'queued')]});
      await settle(150);
      assert.doesNotMatch(app.screen(), /^.. +9 queued/m);
      app.unmount();
    }
  });

  it('redraws on Ctrl-L and after resuming, suspends on Ctrl-Z', async () => {
    const h = hooks();
    const app = start(new FakeSource({jobs: running()}), SIZE, h.terminal);
    await app.press('\x0c');
    assert.deepEqual(h.log, ['clear']);
    await settle(200);
    await app.see(/5 running/);
    await app.press('\x1a');
    assert.deepEqual(h.log, ['clear', 'suspend']);
    h.resume();
    assert.deepEqual(h.log, ['clear', 'suspend', 'clear']);
    await settle(200);
    await app.see(/5 running/);
  });
});

describe('keyPresses', () => {
  const none: Key = {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
  };

  it('splits plain characters and maps Enter and Backspace', () => {
    assert.deepEqual(keyPresses('jk\r\x7f', none), [{input: 'j'}, {input: 'k'}, {input: '', enter: true}, {input: '', backspace: true}]);
  });

  it('keeps special keys whole and marks control combinations', () => {
    const [up] = keyPresses('', {...none, upArrow: true});
    assert.equal(up!.up, true);
    const [ctrlC] = keyPresses('c', {...none, ctrl: true});
    assert.equal(ctrlC!.modified, true);
    assert.equal(ctrlC!.ctrl, true);
    const [esc] = keyPresses('', {...none, escape: true, meta: true});
    assert.equal(esc!.escape, true);
    assert.equal(esc!.modified, false);
  });
});
