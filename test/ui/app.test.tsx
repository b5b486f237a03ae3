// tsx applies tsconfig.json to src/ only: the automatic JSX runtime is chosen here.
/** @jsxRuntime automatic */
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../src/ui/app.js';
import {keyPresses} from '../../src/ui/keys.js';
import type {Key} from 'ink';
import {FakeSource, job, KEYS, settle} from './fake-source.js';

afterEach(cleanup);

const SIZE = {columns: 110, rows: 30};

function start(source: FakeSource) {
  const app = render(<App source={source} size={SIZE} />);
  const press = async (...keys: string[]): Promise<void> => {
    for (const k of keys) {
      app.stdin.write(k);
      await settle();
    }
  };
  const screen = (): string => app.lastFrame() ?? '';
  const tableLines = (): string[] => screen().split('\n').slice(4).filter((l) => /^\s*\d+ \w/.test(l));
  return {...app, press, screen, tableLines};
}

const running = () => [job(5, 'running'), job(4, 'queued'), job(3, 'waiting'), job(2, 'success'), job(1, 'error')];

describe('App keys', () => {
  it('moves with j/k and arrows, opens the details of the selected job and watches it', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('j', 'j', KEYS.down, 'k');
    await app.press(KEYS.enter);
    await settle(80);
    assert.equal(source.watched, 3);
    assert.match(app.screen(), /┌[─]+┐\n│ Job 3/);
    await app.press(KEYS.up, KEYS.up);
    await settle(80);
    assert.equal(source.watched, 5);
    await app.press(KEYS.enter);
    await settle(80);
    assert.equal(source.watched, null);
    assert.doesNotMatch(app.screen(), /│ Job/);
  });

  it('applies a burst of keys that arrives in one read one key at a time', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('jj\r');
    await settle(80);
    assert.equal(source.watched, 3);
  });

  it('keeps the selected job selected while new jobs arrive on top', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('j', KEYS.enter);
    source.set({jobs: [job(7, 'queued'), job(6, 'queued'), ...running()]});
    await settle(150);
    assert.equal(source.watched, 4);
    assert.match(app.screen(), /│ Job 4/);
  });

  it('cancels the selected job after confirmation only', async () => {
    const source = new FakeSource({jobs: running()});
    source.result = {ok: true, message: 'Cancel job 4: Dequeued job 4'};
    const app = start(source);
    await app.press('j', 'c');
    assert.match(app.screen(), /Cancel job 4 \(queued, TEST_DELAY\(4\.0\)\)\? y\/N/);
    await app.press('n');
    assert.deepEqual(source.calls, []);
    assert.match(app.screen(), /Nothing done/);
    await app.press('c', 'y');
    await settle();
    assert.deepEqual(source.calls, [['cancelJob', 4]]);
    assert.match(app.screen(), /Cancel job 4: Dequeued job 4/);
  });

  it('refuses to cancel or reprioritise a finished job and to archive an unfinished one', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('a');
    assert.match(app.screen(), /Job 5 is running: only finished jobs can be archived/);
    await app.press('G', 'c');
    assert.match(app.screen(), /Job 1 has already finished \(error\)/);
    await app.press('p');
    assert.match(app.screen(), /Job 1 has already finished \(error\)/);
    assert.deepEqual(source.calls, []);
  });

  it('archives a finished job', async () => {
    const source = new FakeSource({jobs: running()});
    source.result = {ok: false, message: "Failed to archive job with ID '2'"};
    const app = start(source);
    await app.press('G', 'k', 'a');
    await settle();
    assert.deepEqual(source.calls, [['archiveJob', 2]]);
    assert.match(app.screen(), /Failed to archive job with ID '2'/);
  });

  it('changes the priority', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('p');
    assert.match(app.screen(), /Priority of job 5: h high \(-10\), n normal \(0\), l low \(10\)/);
    await app.press('h', 'j', 'p', 'x', 'p', 'l');
    assert.deepEqual(source.calls, [['changePriority', 5, -10], ['changePriority', 4, 10]]);
  });

  it('toggles the drain flag after confirmation', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('d');
    assert.match(app.screen(), /Set the drain flag \(the queue refuses new jobs\)\? y\/N/);
    await app.press('y');
    source.set({cluster: {name: 'c', master: 'm', drained: true}});
    await settle(120);
    await app.press('d');
    assert.match(app.screen(), /Unset the drain flag/);
    await app.press('Y');
    assert.deepEqual(source.calls, [['setDrainFlag', true], ['setDrainFlag', false]]);
  });

  it('filters by status view', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    assert.equal(app.tableLines().length, 5);
    await app.press('2');
    assert.deepEqual(app.tableLines().map((l) => l.trim().split(' ')[0]), ['4', '3']);
    assert.match(app.screen(), /view pending/);
    await app.press('s');
    assert.deepEqual(app.tableLines().map((l) => l.trim().split(' ')[0]), ['5']);
    await app.press('4');
    assert.deepEqual(app.tableLines().map((l) => l.trim().split(' ')[0]), ['2', '1']);
    await app.press('0');
    assert.equal(app.tableLines().length, 5);
  });

  it('edits and applies a query filter, and shows its errors', async () => {
    const source = new FakeSource({jobs: running()});
    source.filterError = 'Error while parsing query filter: Expected end of text';
    const app = start(source);
    await app.press('/', 'status ==x', KEYS.backspace, ' "error" x', KEYS.enter);
    await settle();
    assert.deepEqual(source.calls, [['setTextFilter', 'status == "error" x']]);
    assert.match(app.screen(), /filter: status == "error" x .*Error while parsing query filter/);
    source.filterError = null;
    await app.press(KEYS.backspace, KEYS.backspace, KEYS.enter);
    // The header follows the source, at most every 100 ms.
    await settle(120);
    assert.match(app.screen(), /Filter: status == "error"/);
    assert.match(app.screen(), /filter status == "error"/);
    await app.press('/');
    assert.match(app.screen(), /filter: status == "error"/);
    await app.press(KEYS.escape);
    await settle(50);
    assert.doesNotMatch(app.screen(), /filter: /);
  });

  it('shows and closes the help', async () => {
    const source = new FakeSource({jobs: running()});
    const app = start(source);
    await app.press('?');
    assert.match(app.screen(), /gnt-job top: keys/);
    await app.press('x');
    assert.doesNotMatch(app.screen(), /gnt-job top: keys/);
  });

  it('quits on q', async () => {
    const source = new FakeSource({jobs: running()});
    const app = render(<App source={source} size={SIZE} />);
    // ink-testing-library has no waitUntilExit: an app that exited no longer draws changes.
    app.stdin.write('q');
    await settle();
    source.set({jobs: [job(9, 'queued')]});
    await settle(150);
    assert.doesNotMatch(app.lastFrame() ?? '', /^\s*9 queued/m);
  });
});

describe('keyPresses', () => {
  const none: Key = {
    upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
    home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
    backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
  };

  it('splits plain characters and maps Enter and Backspace', () => {
    assert.deepEqual(keyPresses('jk\r\x7f', none), [{input: 'j'}, {input: 'k'}, {input: '', enter: true}, {input: '', backspace: true}]);
  });

  it('keeps special keys whole and marks control combinations', () => {
    const [up] = keyPresses('', {...none, upArrow: true});
    assert.equal(up!.up, true);
    const [ctrlC] = keyPresses('c', {...none, ctrl: true});
    assert.equal(ctrlC!.modified, true);
    const [esc] = keyPresses('', {...none, escape: true, meta: true});
    assert.equal(esc!.escape, true);
    assert.equal(esc!.modified, false);
  });
});
