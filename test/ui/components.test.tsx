// tsx applies tsconfig.json to src/ only: the automatic JSX runtime is chosen here.
/** @jsxRuntime automatic */
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {STATUS_VIEWS} from '../../src/ui/format.js';
import {Header, type ListStatus} from '../../src/ui/header.js';
import {JobTable} from '../../src/ui/job-table.js';
import {jobViewLines} from '../../src/ui/job-view.js';
import {keyBar} from '../../src/ui/footer.js';
import {wrapText} from '../../src/ui/format.js';
import {detailFromValues} from '../../src/ui/model.js';
import {longWait, shortWait, waitsByJob} from '../../src/ui/waits.js';
import {FakeSource, job, jobs, NOW} from './fake-source.js';

const none = new Set<number>();

afterEach(cleanup);

const lines = (frame: string | undefined): string[] => (frame ?? '').split('\n');

describe('JobTable', () => {
  it('shows one line per given row with status, priority, ages and summary', () => {
    const rows = [
      job(12, 'running', {priority: -10, received: NOW - 75, started: NOW - 3725}),
      job(11, 'error'),
      job(3, 'queued', {summary: 'TEST_DELAY(1.0),TAGS_GET(cluster)'}),
    ];
    const {lastFrame} = render(
      <JobTable rows={rows} selectedId={11} marked={new Set([3])} waits={null} idWidth={2} now={NOW} width={100} height={10} />,
    );
    const out = lines(lastFrame());
    assert.match(out[0]!, /^ {2}ID Status\s+Prio\s+Received\s+Started\s+Ended\s+Runtime Summary$/);
    assert.match(out[1]!, /^ {2}12 running\s+-10\s+1m15s\s+1h02m\s+-\s+1h02m TEST_DELAY\(12\.0\)/);
    assert.match(out[2]!, /^> 11 error\s+0\s+\S+\s+50s\s+5s\s+45s TEST_DELAY\(11\.0\)/);
    assert.match(out[3]!, /^ \* 3 queued\s+0\s+\S+\s+-\s+-\s+- TEST_DELAY\(1\.0\),TAGS_GET\(cluster\)/);
    assert.equal(out.filter((l) => l.trim() !== '').length, 4);
  });

  it('cuts long summaries to the width', () => {
    const {lastFrame} = render(
      <JobTable
        rows={[job(1, 'success', {summary: 'X'.repeat(300)})]}
        selectedId={null}
        marked={none}
        waits={null}
        idWidth={2}
        now={NOW}
        width={80}
        height={3}
      />,
    );
    const row = lines(lastFrame())[1]!;
    assert.equal(row.length, 80);
    assert.ok(row.endsWith('X…'));
  });

  it('says when there are no jobs', () => {
    const {lastFrame} = render(
      <JobTable rows={[]} selectedId={null} marked={none} waits={null} idWidth={2} now={NOW} width={80} height={3} />,
    );
    assert.match(lastFrame()!, /\(no jobs\)/);
  });
});

describe('Header', () => {
  const view = STATUS_VIEWS[0]!;
  const list = (v = view): ListStatus => ({
    view: v,
    sortKey: 'id',
    reversed: false,
    search: '',
    marked: 0,
    from: 1,
    to: 4,
    total: 4,
    newAbove: 0,
  });

  it('shows cluster, master, connection, drain flag and counts per status', () => {
    const source = new FakeSource({jobs: [job(4, 'running'), job(3, 'queued'), job(2, 'success'), job(1, 'success')]});
    const {lastFrame} = render(<Header snapshot={source.snapshot} list={list()} now={Math.floor(NOW)} width={120} compact={false} />);
    const [first, second, third] = lines(lastFrame());
    assert.match(first!, /cluster\.example\.com master node1 {2}daemon: connected {2}queue: open/);
    assert.match(second!, /^4 jobs: queued 1 waiting 0 canceling 0 running 1 success 2 error 0 canceled 0/);
    assert.match(third!, /finished 0\.03\/s \[.*\] {2}view all {2}rows 1–4 of 4$/);
  });

  it('shows an unreachable daemon, a drained queue, the filter and a poll problem', () => {
    const source = new FakeSource({
      connection: {state: 'down', reason: 'Cannot communicate with the master daemon.'},
      cluster: {name: 'c1', master: 'node1', drained: true},
      textFilter: 'status == "error"',
      problem: 'Filter dropped: bad',
    });
    const {lastFrame} = render(
      <Header snapshot={source.snapshot} list={list(STATUS_VIEWS[5]!)} now={Math.floor(NOW)} width={200} compact={false} />,
    );
    const [first, second, third] = lines(lastFrame());
    assert.match(first!, /daemon: UNREACHABLE, retrying \(Cannot communicate with the master daemon\.\) {2}queue: DRAINED/);
    assert.match(
      second!,
      /^0 matching jobs: queued 0.* {2}filter status == "error" {2}Filter dropped: bad/,
      'with a query filter the counts are of the matching jobs',
    );
    assert.match(third!, /view error/);
  });

  it('draws the jobs finished in the last minute as a sparkline', () => {
    const now = Math.floor(NOW);
    const finished = Array.from({length: 30}, (_, i) => job(i + 1, 'success', {ended: now - 1 - (i < 20 ? 0 : 30)}));
    const source = new FakeSource({jobs: finished});
    const {lastFrame} = render(<Header snapshot={source.snapshot} list={list()} now={now} width={120} compact={false} />);
    const third = lines(lastFrame())[2]!;
    assert.match(third, /finished 0\.50\/s/);
    const bars = /\[(.*)\]/.exec(third)![1]!;
    assert.equal(bars.length, 20);
    assert.equal(bars.at(-1), '█');
    assert.equal(bars.at(9), '▄');
  });
});

describe('the whole list', () => {
  it('renders only the rows that fit', () => {
    const all = jobs(10_000);
    const {lastFrame} = render(
      <JobTable rows={all.slice(0, 20)} selectedId={null} marked={none} waits={null} idWidth={5} now={NOW} width={100} height={21} />,
    );
    const out = lines(lastFrame());
    assert.equal(out.length, 21);
    assert.match(out[1]!, /^ {2}10000 success/);
  });
});

describe('jobViewLines', () => {
  const t = Math.floor(NOW) - 10;
  const values = [
    'waiting',
    0,
    [t, 0],
    [t, 0],
    null,
    ['TEST_DELAY(1.0)', 'TEST_JQUEUE'],
    ['waiting', 'queued'],
    [3, 0],
    [[t, 0], null],
    [null, null],
    [null, null],
    [null, null],
    [{OP_ID: 'OP_TEST_DELAY', duration: 1, depends: [[4, ['success']]], comment: null}, {OP_ID: 'OP_TEST_JQUEUE'}],
  ];

  it('shows the wait, the dependencies and the inputs, each wrapped to the width', () => {
    const detail = detailFromValues(7, values, [{serial: 1, time: t, message: 'x'.repeat(70)}]);
    const wait = {lock: 'node/node1', mode: 'exclusive', holders: ['job/3'], ahead: 1, dependsOn: null};
    const lines = jobViewLines(7, {detail, wait, gone: null}, NOW, 40).map((l) => l.text);
    assert.ok(
      lines.every((l) => l.length <= 40),
      lines.join('\n'),
    );
    const text = lines.join('\n');
    assert.match(text, /Waits for lock node\/node1 \(exclusive\):\n {2}held by job 3; 1 waiting before it/);
    assert.match(text, /Opcode 1\/2 {2}waiting {2}TEST_DELAY\(1\.0\)\nprio 3/);
    assert.match(text, /depends on job 4 \(success\)/);
    assert.match(text, /duration = 1/);
    assert.doesNotMatch(text, /comment/);
    assert.match(text, /Log \(1 entry\):\n {2}\d\d:\d\d:\d\d x+\n {11}x+/);
  });

  it('says loading for another job, and why a job went away', () => {
    const detail = detailFromValues(3, values, []);
    assert.deepEqual(
      jobViewLines(7, {detail, wait: null, gone: null}, NOW, 80).map((l) => l.text),
      ['loading…'],
    );
    const gone = jobViewLines(3, {detail, wait: null, gone: 'Job 3 is no longer in the queue: it was archived.'}, NOW, 80);
    assert.equal(gone[0]!.text, 'Job 3 is no longer in the queue: it was archived.');
    assert.equal(gone[0]!.error, true);
  });
});

describe('waitsByJob', () => {
  it('finds the lock each job waits for, its holders, and dependencies', () => {
    const waits = waitsByJob([
      {name: 'cluster/BGL', mode: 'shared', owners: ['job/1'], pending: []},
      {
        name: 'node/a',
        mode: 'exclusive',
        owners: ['job/1'],
        pending: [
          {mode: 'exclusive', owners: ['job/2']},
          {mode: 'shared', owners: ['job/3', 'job/4']},
        ],
      },
      {name: 'job/1', mode: null, owners: [], pending: [{mode: 'job', owners: ['job/5']}]},
    ]);
    assert.deepEqual([...waits.keys()].sort(), [2, 3, 4, 5]);
    assert.equal(shortWait(waits.get(2)!), 'job 1 holds node/a');
    assert.equal(waits.get(4)!.ahead, 1);
    assert.equal(shortWait(waits.get(5)!), 'after job 1');
    assert.equal(longWait(waits.get(5)!), 'Waits for job 1 to finish (a dependency)');
  });

  it('falls back to the unfinished jobs a waiting job depends on', () => {
    const jobs = [job(9, 'waiting'), job(8, 'waiting'), job(7, 'running'), job(6, 'success')];
    const waits = waitsByJob(
      [],
      new Map([
        [9, [6, 7]],
        [8, [6]],
      ]),
      jobs,
    );
    assert.equal(shortWait(waits.get(9)!), 'after job 7');
    assert.equal(waits.has(8), false, 'job 6 has finished: not what job 8 waits for');
  });
});

describe('wrapText and keyBar', () => {
  it('wraps at spaces, else mid-word, and at newlines', () => {
    assert.deepEqual(wrapText('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
    assert.deepEqual(wrapText('abcdefghij', 4, ' '), ['abcd', ' efg', ' hij']);
    assert.deepEqual(wrapText('a\nb', 10), ['a', 'b']);
  });

  it('keeps ? help and q quit at every width', () => {
    for (const width of [20, 40, 80, 200]) {
      for (const screen of ['list', 'job', 'locks'] as const) {
        const bar = keyBar(screen, width);
        assert.ok(bar.endsWith('? help  q quit'), bar);
        assert.ok(bar.length <= Math.max(width, 14), `${width}: ${bar}`);
      }
    }
  });
});
