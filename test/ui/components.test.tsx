// tsx applies tsconfig.json to src/ only: the automatic JSX runtime is chosen here.
/** @jsxRuntime automatic */
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {STATUS_VIEWS} from '../../src/ui/format.js';
import {Header} from '../../src/ui/header.js';
import {JobDetailPane} from '../../src/ui/job-detail.js';
import {JobTable} from '../../src/ui/job-table.js';
import {detailFromValues, type JobDetail} from '../../src/ui/model.js';
import {FakeSource, job, jobs, NOW} from './fake-source.js';

afterEach(cleanup);

const lines = (frame: string | undefined): string[] => (frame ?? '').split('\n');

describe('JobTable', () => {
  it('shows one line per given row with status, priority, ages and summary', () => {
    const rows = [
      job(12, 'running', {priority: -10, received: NOW - 75, started: NOW - 3725}),
      job(11, 'error'),
      job(3, 'queued', {summary: 'TEST_DELAY(1.0),TAGS_GET(cluster)'}),
    ];
    const {lastFrame} = render(<JobTable rows={rows} selectedId={11} idWidth={2} now={NOW} width={100} height={10} />);
    const out = lines(lastFrame());
    assert.match(out[0]!, /^ID Status\s+Prio\s+Received\s+Started\s+Ended Summary$/);
    assert.match(out[1]!, /^12 running\s+-10\s+1m15s\s+1h02m\s+- TEST_DELAY\(12\.0\)/);
    assert.match(out[2]!, /^11 error\s+0\s+\S+\s+50s\s+5s TEST_DELAY\(11\.0\)/);
    assert.match(out[3]!, /^ 3 queued\s+0\s+\S+\s+-\s+- TEST_DELAY\(1\.0\),TAGS_GET\(cluster\)/);
    assert.equal(out.filter((l) => l.trim() !== '').length, 4);
  });

  it('cuts long summaries to the width', () => {
    const {lastFrame} = render(
      <JobTable rows={[job(1, 'success', {summary: 'X'.repeat(300)})]} selectedId={null} idWidth={2} now={NOW} width={80} height={3} />,
    );
    const row = lines(lastFrame())[1]!;
    assert.equal(row.length, 80);
    assert.ok(row.endsWith('X…'));
  });

  it('says when there are no jobs', () => {
    const {lastFrame} = render(<JobTable rows={[]} selectedId={null} idWidth={2} now={NOW} width={80} height={3} />);
    assert.match(lastFrame()!, /\(no jobs\)/);
  });
});

describe('Header', () => {
  const view = STATUS_VIEWS[0]!;

  it('shows cluster, master, connection, drain flag and counts per status', () => {
    const source = new FakeSource({jobs: [job(4, 'running'), job(3, 'queued'), job(2, 'success'), job(1, 'success')]});
    const {lastFrame} = render(<Header snapshot={source.snapshot} view={view} now={Math.floor(NOW)} width={120} />);
    const [first, second, third] = lines(lastFrame());
    assert.match(first!, /cluster\.example\.com master node1 {2}daemon: connected {2}queue: open/);
    assert.match(second!, /^4 jobs: queued 1 waiting 0 canceling 0 running 1 success 2 error 0 canceled 0/);
    assert.match(third!, /finished 0\.03\/s \(1 min\) \[.*\] {2}view all/);
  });

  it('shows an unreachable daemon, a drained queue, the filter and a poll problem', () => {
    const source = new FakeSource({
      connection: {state: 'down', reason: 'Cannot communicate with the master daemon.'},
      cluster: {name: 'c1', master: 'node1', drained: true},
      textFilter: 'status == "error"',
      problem: 'Filter dropped: bad',
    });
    const {lastFrame} = render(<Header snapshot={source.snapshot} view={STATUS_VIEWS[5]!} now={Math.floor(NOW)} width={200} />);
    const [first, second, third] = lines(lastFrame());
    assert.match(first!, /daemon: UNREACHABLE, retrying \(Cannot communicate with the master daemon\.\) {2}queue: DRAINED/);
    assert.match(second!, /^0 matching jobs: queued 0/, 'with a query filter the counts are of the matching jobs');
    assert.match(third!, /view error {2}filter status == "error" {2}Filter dropped: bad/);
  });

  it('draws the jobs finished in the last minute as a sparkline', () => {
    const now = Math.floor(NOW);
    const finished = Array.from({length: 30}, (_, i) => job(i + 1, 'success', {ended: now - 1 - (i < 20 ? 0 : 30)}));
    const source = new FakeSource({jobs: finished});
    const {lastFrame} = render(<Header snapshot={source.snapshot} view={view} now={now} width={120} />);
    const third = lines(lastFrame())[2]!;
    assert.match(third, /finished 0\.50\/s/);
    const bars = /\[(.*)\]/.exec(third)![1]!;
    assert.equal(bars.length, 20);
    assert.equal(bars.at(-1), '█');
    assert.equal(bars.at(9), '▄');
  });
});

describe('JobDetailPane', () => {
  const values = [
    'error', 0, [Math.floor(NOW) - 20, 0], [Math.floor(NOW) - 10, 0], [Math.floor(NOW) - 1, 0],
    ['TEST_JQUEUE', 'TEST_DELAY(2.0)', 'TEST_JQUEUE'],
    ['success', 'error', 'error'],
    [0, 0, -10],
    [[Math.floor(NOW) - 10, 0], [Math.floor(NOW) - 8, 0], null],
    [[Math.floor(NOW) - 10, 0], [Math.floor(NOW) - 8, 0], null],
    [[Math.floor(NOW) - 9, 0], [Math.floor(NOW) - 1, 0], null],
    [true, ['OpExecError', ['Opcode failure was requested']], ['OpExecError', ['Error of a previous opcode']]],
  ];
  const log = [
    {serial: 1, time: NOW - 10, message: ' - INFO: Expanding names'},
    {serial: 2, time: NOW - 9, message: ' - INFO: Executing'},
  ];

  it('lists the opcodes with status, times and result, then the log', () => {
    const detail = detailFromValues(7, values, log);
    const {lastFrame} = render(<JobDetailPane jobId={7} detail={detail} now={NOW} width={100} height={14} />);
    const text = lastFrame()!;
    assert.match(text, /Job 7 error {2}prio 0 {2}received 20s ago {2}started 10s ago {2}ended 1s ago/);
    assert.match(text, /#1 success {3}TEST_JQUEUE {2}\(exec 10s ago {2}end 9s ago {2}prio 0\)/);
    assert.match(text, /result: true/);
    assert.match(text, /#2 error {5}TEST_DELAY\(2\.0\)/);
    assert.match(text, /error: Failure: command execution error: Opcode failure was requested/);
    assert.match(text, /#3 error .*prio -10/);
    assert.match(text, /Log:\s*│\n│ +\d\d:\d\d:\d\d {2}- INFO: Expanding names/);
    assert.match(text, /\d\d:\d\d:\d\d {2}- INFO: Executing/);
  });

  it('keeps the newest log lines and the first opcodes when space is short', () => {
    const many = Array.from({length: 50}, (_, i) => ({serial: i + 1, time: NOW, message: `line ${i + 1}`}));
    const detail = detailFromValues(7, values, many);
    const {lastFrame} = render(<JobDetailPane jobId={7} detail={detail} now={NOW} width={100} height={12} />);
    const text = lastFrame()!;
    assert.match(text, /#1 success/);
    assert.match(text, /… \d+ more lines/);
    assert.match(text, /line 50/);
    assert.doesNotMatch(text, /line 1\b/);
    assert.equal(lines(text).length, 12);
  });

  it('says loading while the selected job is not the one watched, and shows watch errors', () => {
    const other: JobDetail = {...detailFromValues(3, values, []), error: null};
    const {lastFrame, rerender} = render(<JobDetailPane jobId={7} detail={other} now={NOW} width={80} height={8} />);
    assert.match(lastFrame()!, /Job 7[\s\S]*loading…/);
    rerender(<JobDetailPane jobId={3} detail={{...other, error: "Error checking job status: Can't load job file"}} now={NOW} width={120} height={8} />);
    assert.match(lastFrame()!, /Job 3 error .*Error checking job status: Can't load job file/);
  });
});

describe('the whole list', () => {
  it('renders only the rows that fit', () => {
    const all = jobs(10_000);
    const {lastFrame} = render(<JobTable rows={all.slice(0, 20)} selectedId={null} idWidth={5} now={NOW} width={100} height={21} />);
    const out = lines(lastFrame());
    assert.equal(out.length, 21);
    assert.match(out[1]!, /^10000 success/);
  });
});
