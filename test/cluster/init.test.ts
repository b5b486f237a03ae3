// gnt-cluster init: the files it writes and the checks it makes before writing anything.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {makeNode, REPO, runCli} from '../helpers/cluster.js';

const GNT_CLUSTER = join(REPO, 'bin', 'gnt-cluster.js');

test('cluster init --master-node must name this node; then the cluster exists once', async () => {
  const node = await makeNode('node1', false);
  try {
    const other = await runCli(node, ['init', '--master-node', 'node2', 'c.example.com'], {bin: GNT_CLUSTER});
    assert.deepEqual([other.code, other.stdout], [1, '']);
    assert.equal(other.stderr, 'The master node must be the node that runs "cluster init": this is node1, not node2\n');
    assert.ok(!existsSync(node.paths.configFile), 'nothing was written');

    const ok = await runCli(node, ['init', '--master-node', 'NODE1', '--primary-ip', '127.0.0.7', 'c.example.com'], {bin: GNT_CLUSTER});
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Cluster c\.example\.com initialised with node1 as master/);
    const cfg = JSON.parse(readFileSync(node.paths.configFile, 'utf8')) as {
      cluster: {master_node: string};
      nodes: Record<string, {name: string; primary_ip: string}>;
    };
    const master = cfg.nodes[cfg.cluster.master_node]!;
    assert.deepEqual([master.name, master.primary_ip], ['node1', '127.0.0.7']);
    assert.equal(readFileSync(node.paths.ssconf('master_node'), 'utf8'), 'node1\n');

    const again = await runCli(node, ['init', 'c.example.com'], {bin: GNT_CLUSTER});
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Cluster is already initialised \(.*config\.data exists\)\n$/);
  } finally {
    node.cleanup();
  }
});
