// Our master daemon with Ganeti 3.0's own node daemon on one node (docs/instances.md §5.3,
// check 20): node1 and node3 run our noded, node2 the stock one. Configuration and ssconf
// distribution, job queue replication, and the fake hypervisor's start, stop and migration
// on node2 must work, which proves that our RPC bodies are Ganeti's.
import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {VirtualCluster, waitFor, type VNode} from '../cluster/virtual-cluster.js';
import {ADD, ourGntInstance} from '../helpers/instance-acceptance.js';
import {STOCK_DIR, stockMissing} from '../helpers/stock.js';

const importable =
  spawnSync('/usr/bin/python3', ['-c', 'import ganeti.server.noded'], {env: {...process.env, PYTHONPATH: STOCK_DIR}}).status === 0;
const skip = stockMissing('ganeti-noded') || (importable ? false : 'the stock ganeti-noded cannot be imported by /usr/bin/python3');

/**
 * The stock noded checks that Ganeti's system users exist (this machine has none): its user
 * lookups get one made-up id per name, root staying root, as the daemon runs as root.
 */
const WRAPPER = [
  'import sys',
  'from types import SimpleNamespace as NS',
  'from ganeti import runtime',
  "ids = {'root': 0, 'g:root': 0}",
  'runtime.GetentResolver.__init__.__defaults__ = (',
  '  lambda n: NS(pw_uid=ids.setdefault(n, 60000 + len(ids))),',
  "  lambda n: NS(gr_gid=ids.setdefault('g:' + n, 60000 + len(ids))))",
  'import ganeti.server.noded as m',
  "sys.argv[0] = 'ganeti-noded'",
  'sys.exit(m.Main())',
].join('\n');

describe('our masterd with the stock Ganeti 3.0 node daemon on node2', {skip}, () => {
  let vc: VirtualCluster;
  let stock: ChildProcess | undefined;
  let output = '';
  before(async () => {
    vc = await VirtualCluster.create(3);
    const [n1, n2, n3] = vc.nodes as [VNode, VNode, VNode];
    await vc.startNoded(n1);
    await vc.startNoded(n3);
    // What Ganeti's ensure-dirs creates and the stock daemon expects.
    for (const d of ['var/log/ganeti', 'var/run/ganeti/instance-reason', 'var/lib/ganeti/queue', 'var/lock'])
      mkdirSync(join(n2.root, d), {recursive: true});
    stock = spawn('/usr/bin/python3', ['-c', WRAPPER, '-f', '--no-mlock', '-b', n2.ip, '-p', String(vc.port)], {
      env: {...n2.env, PYTHONPATH: STOCK_DIR},
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    stock.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    stock.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => existsSync(join(n2.root, 'var/run/ganeti/ganeti-noded.pid')) || stock!.exitCode !== null, 30_000, 'stock noded');
    assert.equal(stock.exitCode, null, `stock noded exited:\n${output}`);
    await vc.startMasterd(n1);
  });
  after(async () => {
    if (stock !== undefined && stock.exitCode === null && stock.pid !== undefined) process.kill(-stock.pid, 'SIGKILL');
    await vc?.cleanup();
  });

  test('add, stop, start and migration to and from the stock node daemon', async () => {
    const [n1, n2] = vc.nodes as [VNode, VNode];
    const g = async (...args: string[]): Promise<string> => {
      const r = await ourGntInstance(vc.master, args);
      assert.equal(r.code, 0, `gnt-instance ${args.join(' ')}: ${r.stdout}${r.stderr}\nstock noded:\n${output.slice(-3000)}`);
      assert.doesNotMatch(r.stdout, /WARNING/, `gnt-instance ${args.join(' ')}`);
      return r.stdout;
    };
    const hvFile = (n: VNode): string | null => {
      const f = join(n.paths.runDir, 'fake-hypervisor', 'inst1');
      return existsSync(f) ? readFileSync(f, 'utf8') : null;
    };
    await g(...ADD, '-n', 'node1', 'inst1');
    assert.equal(hvFile(n1), '0\n128\n1\n');
    // config.data (upload_file) and ssconf (write_ssconf_files) reach the stock daemon's node.
    await waitFor(
      () => existsSync(n2.paths.ssconf('instance_list')) && readFileSync(n2.paths.ssconf('instance_list'), 'utf8') === 'inst1\n',
      20_000,
      'ssconf on node2',
    );
    assert.match(readFileSync(n2.paths.configFile, 'utf8'), /"name":\s*"inst1"/);
    await g('stop', 'inst1');
    assert.equal(hvFile(n1), null);
    await g('start', 'inst1');
    assert.equal(hvFile(n1), '0\n128\n1\n');

    await g('migrate', '-f', '-n', 'node2', 'inst1');
    assert.equal(hvFile(n1), null);
    assert.equal(hvFile(n2), '0\n128\n1\n', 'the stock daemon wrote the fake hypervisor file');
    assert.match(await g('list', '--no-headers', '-o', 'name,pnode,status'), /^inst1 +node2 +running\n$/);
    await g('stop', 'inst1');
    assert.equal(hvFile(n2), null);
    await g('start', 'inst1');
    assert.equal(hvFile(n2), '0\n128\n1\n');
    assert.match(await g('info', 'inst1'), /State: configured to be up, actual state is up/);
    await g('migrate', '-f', '-n', 'node1', 'inst1');
    assert.equal(hvFile(n2), null);
    assert.equal(hvFile(n1), '0\n128\n1\n');

    // The job queue is replicated to the stock daemon (one file per jobqueue_update).
    await waitFor(
      () => readdirSync(join(n2.root, 'var/lib/ganeti/queue')).filter((f) => f.startsWith('job-')).length >= 8,
      20_000,
      'queue on node2',
    );
  });
});
