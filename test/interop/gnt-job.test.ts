// The strongest golden source: the stock Ganeti 3.0 gnt-job (Python) and ours, run against the
// same daemon with the same GANETI_ROOTDIR/GANETI_HOSTNAME, must print the same bytes on stdout
// and stderr and exit with the same status.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, afterEach, before, describe, it} from 'node:test';
import type {LuxiClient} from '../../src/protocol/client.js';
import {delayOp, makeNode, settleQueue, startDaemon, waitFor, type Daemon, type TestNode} from '../helpers/cluster.js';
import {blockers, blockQueue, gntJob, mapLimit, text, writeFixtureQueue, type CliResult} from '../gnt-job/fixture.js';
import {GOLDEN} from '../gnt-job/golden.js';
import {runStock, stockMissing} from '../helpers/stock.js';

const skip = stockMissing('gnt-job');

/** The stock gnt-job, in a new session (its confirmation question is answered "no"). */
const stockGntJob = (node: TestNode, args: string[]): Promise<CliResult> => runStock('gnt-job', args, node.env);

async function both(node: TestNode, args: string[]): Promise<{stock: CliResult; ours: CliResult}> {
  const [stock, ours] = await Promise.all([stockGntJob(node, args), gntJob(node, args)]);
  return {stock, ours};
}

/**
 * Where ours deliberately differs from stock (keyed by the arguments): a job named by ID that
 * does not exist adds a line on stderr and exit status 1; stdout stays the same.
 */
const DEVIATIONS = new Map<string, {stderr: string; code: number}>([
  [JSON.stringify(['list', '--archived', '-o', 'id,archived', '5', '1', '99']), {stderr: 'Job ID 99 not found\n', code: 1}],
  [JSON.stringify(['list', '007', '12']), {stderr: 'Job ID 7 not found\n', code: 1}],
]);

function assertSame(args: string[], stock: CliResult, ours: CliResult): void {
  const what = `gnt-job ${args.join(' ')}`;
  const deviation = DEVIATIONS.get(JSON.stringify(args));
  assert.equal(ours.stdout, stock.stdout, `${what}: stdout`);
  assert.equal(ours.stderr, stock.stderr + (deviation?.stderr ?? ''), `${what}: stderr`);
  assert.equal(ours.code, deviation?.code ?? stock.code, `${what}: exit status`);
}

/**
 * Commands that only read, run by both clients against the fixture queue before anything changes
 * it. (The cases of ../gnt-job/golden.ts are checked against the stock client alone: ours is
 * checked against the same texts by ../gnt-job/list.test.ts.)
 */
const READ_ONLY: string[][] = [
  ['list', '-o', 'id,status,priority,received_ts,start_ts,end_ts', '--no-headers'],
  ['list', '-o', 'id,opexec,oplog,opresult,oppriority'],
  ['list', '-o', 'id,ops', '2'],
  ['list', '-o', '+foo,bar'],
  ['list', '--archived', '-o', 'id,archived', '5', '1', '99'],
  ['list', '--pending', '--finished'],
  ['list', 'id > 1 and not (status == "success")'],
  ['list', '"TEST_DELAY(0.5)" in summary'],
  ['list', 'status =~ /^(err|can)/'],
  ['list', '-F', '1', '2'],
  ['list', '007', '12'],
  ['list-fields', 'id', 'foo', 'summary'],
  ['info', '1', '123'],
  ['wait', '3'],
  ['wait', 'x'],
  ['watch', '1'],
  ['watch', '9999'],
  ['archive', '9999', 'x'],
  ['cancel', '9999', 'x'],
  ['cancel', '--kill', '5'],
  ['change-priority', '--priority', 'high', '1', '9999'],
];

describe('stock gnt-job and ours print the same', {skip}, () => {
  let node: TestNode;
  let daemon: Daemon;
  let c: LuxiClient;
  const readOnly = new Map<string, {stock: CliResult; ours: CliResult}>();
  const stockGolden = new Map<string, CliResult>();

  before(async () => {
    node = await makeNode();
    writeFixtureQueue(node);
    // The fixture jobs ended long ago: automatic archiving would take them away.
    daemon = await startDaemon(node, ['--auto-archive-age', '0']);
    c = daemon.client();
    const results = await mapLimit(READ_ONLY, 3, (args) => both(node, args));
    for (const [i, args] of READ_ONLY.entries()) readOnly.set(JSON.stringify(args), results[i]!);
    const golden = await mapLimit(GOLDEN, 4, (g) => stockGntJob(node, g.args));
    for (const [i, g] of GOLDEN.entries()) stockGolden.set(g.name, golden[i]!);
  });
  // Kill what blocks the queue, then let the jobs that waited for it run out.
  afterEach(() => settleQueue(c, blockers));
  after(async () => {
    await daemon?.stop();
    node?.cleanup();
  });

  for (const g of GOLDEN) {
    it(`golden text of ${g.name} (stock): gnt-job ${g.args.join(' ')}`, () => {
      assertSame(g.args, stockGolden.get(g.name)!, {code: g.code, stdout: text(g.stdout), stderr: text(g.stderr)});
    });
  }

  for (const args of READ_ONLY) {
    it(`gnt-job ${args.map((a) => (/[\s"'()<>=*|!~]/.test(a) || a === '' ? `'${a}'` : a)).join(' ')}`, () => {
      const {stock, ours} = readOnly.get(JSON.stringify(args))!;
      assertSame(args, stock, ours);
    });
  }

  it('lists and shows jobs that are running and waiting', async () => {
    const {blocker, jobs} = await blockQueue(c, 2);
    // Both clients see the same state: nothing moves while the blocker runs.
    for (const args of [
      ['list'],
      ['list', '--pending', '-o', '+priority,oppriority,opstatus'],
      ['list', '--running', '-o', 'id,status,start_ts'],
      ['info', String(blocker), String(jobs[0])],
    ]) {
      const {stock, ours} = await both(node, args);
      assertSame(args, stock, ours);
    }
    // Without a terminal the stock client silently takes "no"; ours says why on stderr.
    for (const args of [
      ['cancel', '--pending'],
      ['change-priority', '--priority', 'high', '--pending'],
    ]) {
      const {stock, ours} = await both(node, args);
      assertSame(args, stock, {...ours, stderr: ''});
      assert.match(ours.stderr, /^Not confirmed: .* standard input is not a terminal\. Use --force to /);
    }
  });

  it('cancels and changes priorities with the same messages', async () => {
    const {blocker, jobs} = await blockQueue(c, 4);
    const [a, b] = jobs as [number, number, number, number];
    // The stock client acts on job a, ours on job b, in the same state.
    const swap = (r: CliResult): CliResult => ({...r, stdout: r.stdout.replaceAll(`ob ${a} `, `ob ${b} `)});
    for (const args of [['change-priority', '--priority', 'high'], ['cancel'], ['change-priority', '--priority', 'low'], ['cancel']]) {
      const stock = await stockGntJob(node, [...args, String(a)]);
      const ours = await gntJob(node, [...args, String(b)]);
      assertSame([...args, String(b)], swap(stock), ours);
    }
    const running = await both(node, ['cancel', String(blocker)]);
    assertSame(['cancel', String(blocker)], running.stock, running.ours);

    // A status selection with --force: both act on the two waiting jobs left.
    const stockPrio = await stockGntJob(node, ['change-priority', '--priority', 'high', '--pending', '--force']);
    const oursPrio = await gntJob(node, ['change-priority', '--priority', 'low', '--pending', '--force']);
    assertSame(
      ['change-priority', '--pending', '--force'],
      {...stockPrio, stdout: stockPrio.stdout.replaceAll('to -10\n', 'to 10\n')},
      oursPrio,
    );
    const stockCancel = await stockGntJob(node, ['cancel', '--pending', '--force']);
    assert.equal(stockCancel.stdout, 'Job successfully cancelled\nJob successfully cancelled\n');
    const more = [await c.submitJob([delayOp(0.1, {no_locks: false})]), await c.submitJob([delayOp(0.1, {no_locks: false})])];
    await waitFor(async () => (await c.queryJobs(more, ['status'])).every((r) => r[0] === 'waiting'), 10_000, 'jobs to wait');
    const oursCancel = await gntJob(node, ['cancel', '--pending', '--force']);
    assertSame(['cancel', '--pending', '--force'], stockCancel, oursCancel);
    const nothing = await both(node, ['cancel', '--kill', '--yes-do-it', '--pending']);
    assertSame(['cancel', '--kill', '--yes-do-it', '--pending'], nothing.stock, nothing.ours);
  });

  it('watch and wait follow a running job identically', async () => {
    const id = await c.submitJob([delayOp(0.3, {repeat: 3}), delayOp(-1)]);
    const [watch, wait] = await Promise.all([both(node, ['watch', String(id)]), both(node, ['wait', String(id)])]);
    assert.match(watch.stock.stdout, /Test delay iteration 2\/2\n$/);
    assertSame(['watch', String(id)], watch.stock, watch.ours);
    assertSame(['wait', String(id)], wait.stock, wait.ours);
  });

  it('archives the same way', async () => {
    const stock = await stockGntJob(node, ['archive', '1', '9999']);
    const ours = await gntJob(node, ['archive', '2', '9998']);
    assertSame(['archive'], {...stock, stderr: stock.stderr.replace("'9999'", "'9998'")}, ours);
    const again = await both(node, ['archive', '1', '2']);
    assertSame(['archive', '1', '2'], again.stock, again.ours);
    const list = await both(node, ['list', '--archived', '1', '2', '5']);
    assertSame(['list', '--archived', '1', '2', '5'], list.stock, list.ours);
    const stockAuto = await stockGntJob(node, ['autoarchive', '1w']);
    const oursAuto = await gntJob(node, ['autoarchive', '1w']);
    assert.equal(stockAuto.stdout, 'Archived 3 jobs, 0 unchecked left\n', 'jobs 3, 12 and 123 ended in 2023');
    assertSame(['autoarchive', '1w'], {...stockAuto, stdout: 'Archived 0 jobs, 0 unchecked left\n'}, oursAuto);
  });
});

describe('stock gnt-job and ours print the same without a master daemon', {skip}, () => {
  it('on a node that is not part of a cluster, and on one that is not the master', async () => {
    const bare = await makeNode('node2', false);
    const other = await makeNode('node3');
    try {
      writeFileSync(other.paths.ssconf('master_node'), 'node7\n');
      for (const n of [bare, other]) {
        for (const args of [['list'], ['watch', '1'], ['cancel', '1']]) {
          const {stock, ours} = await both(n, args);
          assertSame(args, stock, ours);
        }
      }
    } finally {
      bare.cleanup();
      other.cleanup();
    }
  });
});
