// Stock Ganeti 3.0 cluster tools (gnt-cluster, gnt-debug, gnt-node, gnt-group) against our
// daemon: each must exit 0 with its complete output.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {delayOp, makeNode, startDaemon, waitFor, waitJob, type Daemon, type TestNode} from '../helpers/cluster.js';
import {runStock, stockMissing, type CliResult} from '../helpers/stock.js';

const skip = stockMissing('gnt-cluster');

type Run = CliResult;
const stock = (node: TestNode, tool: string, args: string[]): Promise<Run> => runStock(tool, args, node.env);

function ok(r: Run, what: string): string {
  assert.equal(r.code, 0, `${what} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stderr, '', `${what}: nothing on stderr`);
  return r.stdout;
}

describe('stock Ganeti 3.0 cluster tools against masterd', {skip}, () => {
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

  it('gnt-cluster info prints the whole configuration, instance policy included', async () => {
    const out = ok(await stock(node, 'gnt-cluster', ['info']), 'gnt-cluster info');
    assert.match(out, /^Cluster name: cluster\.example\.com$/m);
    assert.match(out, /^Master node: node1$/m);
    assert.match(out, /^Instance policy - limits for instances: $/m);
    assert.match(out, /^ {2}bounds specs: $/m);
    assert.match(out, /^ {2}allowed disk templates: \S/m);
    assert.match(out, /^ {2}vcpu-ratio: 4$/m);
    assert.match(out, /^Default node parameters: $/m);
  });

  it('gnt-cluster queue drain/info/undrain and watcher pause/info/continue', async () => {
    assert.equal(ok(await stock(node, 'gnt-cluster', ['queue', 'info']), 'queue info'), 'The drain flag is unset\n');
    ok(await stock(node, 'gnt-cluster', ['queue', 'drain']), 'queue drain');
    assert.equal(ok(await stock(node, 'gnt-cluster', ['queue', 'info']), 'queue info'), 'The drain flag is set\n');
    ok(await stock(node, 'gnt-cluster', ['queue', 'undrain']), 'queue undrain');
    assert.equal(ok(await stock(node, 'gnt-cluster', ['queue', 'info']), 'queue info'), 'The drain flag is unset\n');

    assert.equal(ok(await stock(node, 'gnt-cluster', ['watcher', 'info']), 'watcher info'), 'The watcher is not paused.\n');
    assert.match(ok(await stock(node, 'gnt-cluster', ['watcher', 'pause', '1h']), 'watcher pause'), /^The watcher is paused until /);
    assert.match(ok(await stock(node, 'gnt-cluster', ['watcher', 'info']), 'watcher info'), /^The watcher is paused until .+\.\n$/);
    ok(await stock(node, 'gnt-cluster', ['watcher', 'continue']), 'watcher continue');
    assert.equal(ok(await stock(node, 'gnt-cluster', ['watcher', 'info']), 'watcher info'), 'The watcher is not paused.\n');
  });

  it('gnt-debug test-jobqueue passes', {timeout: 120_000}, async () => {
    const out = ok(await stock(node, 'gnt-debug', ['test-jobqueue']), 'gnt-debug test-jobqueue');
    assert.match(out, /^Job submission tests were successful$/m);
    assert.match(out, /^Job dependency tests were successful$/m);
    assert.match(out, /^Job queue test successful\n$/m);
  });

  it('gnt-debug locks lists owners, and jobs waiting for a dependency as pending', async () => {
    const c = daemon.client();
    const dep = await c.submitJob([delayOp(60)]);
    const waiter = await c.submitJob([delayOp(0, {depends: [[dep, []]]})]);
    await waitFor(async () => ((await c.queryJobs([waiter], ['status'])) as unknown[][])[0]![0] === 'waiting');
    const out = ok(await stock(node, 'gnt-debug', ['locks']), 'gnt-debug locks');
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0]!, /^Name +Mode +Owner +Pending$/);
    assert.match(out, /^cluster\/BGL +shared +job\/\d+ +-$/m);
    assert.match(out, new RegExp(`^job/${dep} +- +- +job:job/${waiter}$`, 'm'));
    assert.match(out, /^node\/[0-9a-f-]+ +- +- +-$/m);
    await c.cancelJob(waiter);
    await c.cancelJob(dep, true);
    assert.equal(await waitJob(c, dep), 'error');
  });

  it('gnt-node list and gnt-group list print every default column', async () => {
    const nodes = ok(await stock(node, 'gnt-node', ['list']), 'gnt-node list');
    assert.equal(nodes, 'Node  DTotal DFree MTotal MNode MFree Pinst Sinst\nnode1      ?     ?      ?     ?     ?     0     0\n');
    const groups = ok(await stock(node, 'gnt-group', ['list']), 'gnt-group list');
    assert.match(
      groups,
      /^Group +Nodes +Instances +AllocPolicy +NDParams\ndefault +1 +0 +preferred +cpu_speed=1, exclusive_storage=False, /,
    );
  });
});
