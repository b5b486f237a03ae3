// gnt-cluster's queue/watcher/getmaster/version/master-ping and gnt-debug's delay/submit-job/
// locks/test-jobqueue: the stock Ganeti 3.0 tools and ours, run against the same daemon, print
// the same and exit with the same status (job IDs and clock times aside).
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {makeNode, REPO, startDaemon, type Daemon, type TestNode} from '../helpers/cluster.js';
import {mapLimit} from '../gnt-job/fixture.js';
import {runDetached, runStock, stockMissing, type CliResult} from '../helpers/stock.js';

const skip = stockMissing('gnt-cluster');

type Tool = 'gnt-cluster' | 'gnt-debug';
const stock = (node: TestNode, tool: Tool, args: string[]): Promise<CliResult> => runStock(tool, args, node.env);
const ours = (node: TestNode, tool: Tool, args: string[]): Promise<CliResult> =>
  runDetached(join(REPO, 'bin', tool), args, {...node.env, TZ: 'UTC'});

/** Job IDs and wall-clock times differ between two runs; everything else must not. */
function normalize(text: string): string {
  return text
    .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}\b/g, '<time>')
    .replace(/\b(job|jobs|JobID:) \d+(, \d+)*/gi, '$1 <id>')
    .replace(/^\d+$/gm, '<id>')
    .replace(/Testing mode (\d) \d{4}-\d\d-\d\d_\d\d_\d\d_\d\d/g, 'Testing mode $1 <ts>')
    .replace(/\d{4}-\d\d-\d\d_\d\d_\d\d_\d\d/g, '<ts>');
}

async function assertSame(node: TestNode, tool: Tool, args: string[], opts: {sequential?: boolean} = {}): Promise<void> {
  const [s, o] = opts.sequential
    ? [await stock(node, tool, args), await ours(node, tool, args)]
    : await Promise.all([stock(node, tool, args), ours(node, tool, args)]);
  const what = `${tool} ${args.join(' ')}`;
  assert.equal(normalize(o.stdout), normalize(s.stdout), `${what}: stdout`);
  assert.equal(normalize(o.stderr), normalize(s.stderr), `${what}: stderr`);
  assert.equal(o.code, s.code, `${what}: exit status`);
}

describe('stock gnt-cluster / gnt-debug and ours print the same', {skip}, () => {
  let node: TestNode;
  let daemon: Daemon;

  before(async () => {
    node = await makeNode();
    daemon = await startDaemon(node);
  });
  after(async () => {
    await daemon?.stop();
    node?.cleanup();
  });

  it('gnt-cluster getmaster, version, master-ping, and argument errors of every command', async () => {
    const cases = [
      ['getmaster'],
      ['version'],
      ['master-ping'],
      ['version', 'x'],
      ['getmaster', '-5'],
      ['master-ping', '--foo'],
      ['queue'],
      ['queue', 'foo'],
      ['queue', 'info', 'x'],
      ['queue', '--drain'],
      ['watcher'],
      ['watcher', 'pause'],
      ['watcher', 'pause', '1x'],
      ['watcher', 'pause', 'h'],
      ['watcher', 'foo'],
      ['watcher', 'pause', '1', '2'],
    ];
    await mapLimit(cases, 4, (args) => assertSame(node, 'gnt-cluster', args));
  });

  it('gnt-cluster queue drain | undrain | info', async () => {
    for (const args of [
      ['queue', 'info'],
      ['queue', 'drain'],
      ['queue', 'info'],
      ['queue', 'undrain'],
      ['queue', 'info'],
    ]) {
      // Each client changes the flag in turn; the answers must match at every step.
      const s = await stock(node, 'gnt-cluster', args);
      const o = await ours(node, 'gnt-cluster', args);
      assert.deepEqual(o, s, `gnt-cluster ${args.join(' ')}`);
    }
  });

  it('gnt-cluster watcher pause DURATION | continue | info', async () => {
    const steps = [
      ['watcher', 'info'],
      ['watcher', 'pause', '1h'],
      ['watcher', 'info'],
      ['watcher', 'continue'],
      ['watcher', 'info'],
    ];
    for (const args of steps) await assertSame(node, 'gnt-cluster', args, {sequential: true});
  });

  it('gnt-debug locks', async () => {
    const cases = [
      ['locks'],
      ['locks', '-v', '--no-headers'],
      ['locks', '-o', 'name,mode,foo'],
      ['locks', '--separator=|'],
      ['locks', 'x'],
      ['locks', '--interval', 'x'],
    ];
    await mapLimit(cases, 4, (args) => assertSame(node, 'gnt-debug', args));
  });

  it('gnt-debug delay and submit-job', async () => {
    const file = join(node.base, 'ops.json');
    writeFileSync(
      file,
      JSON.stringify([
        {OP_ID: 'OP_TEST_DELAY', duration: 0.1},
        {OP_ID: 'OP_TEST_DELAY', duration: 0},
      ]),
    );
    const cases = [
      ['delay', '0.2'],
      ['delay', '--no-master', '-n', 'node1', '0'],
      ['delay', '--submit', '--print-jobid', '0'],
      ['delay', '-n', 'nosuchnode', '0'],
      ['delay'],
      ['delay', '-r', 'x', '1'],
      ['delay', '-5'],
      ['submit-job'],
    ];
    await mapLimit(cases, 4, (args) => assertSame(node, 'gnt-debug', args));
    for (const args of [
      ['submit-job', file],
      ['submit-job', '-v', '--job-repeat', '2', file, file],
    ]) {
      await assertSame(node, 'gnt-debug', args, {sequential: true});
    }
  });

  it('gnt-debug test-jobqueue', async () => {
    await assertSame(node, 'gnt-debug', ['test-jobqueue'], {sequential: true});
  });
});
