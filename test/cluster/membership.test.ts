// Cluster membership through the master daemon: cluster init with a certificate, node
// add/list/modify/remove (gnt-node), cluster info (gnt-cluster), OP_TEST_DELAY on nodes.
import assert from 'node:assert/strict';
import {X509Certificate} from 'node:crypto';
import {copyFileSync, existsSync, mkdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import type {LuxiClient} from '../../src/protocol/client.js';
import {REPO, VirtualCluster, waitFor, waitJob, type Proc} from './virtual-cluster.js';

const GNT_NODE = join(REPO, 'bin', 'gnt-node.js');
const GNT_CLUSTER = join(REPO, 'bin', 'gnt-cluster.js');

describe('cluster membership', () => {
  let vc: VirtualCluster;
  let client: LuxiClient;
  const nodeds = new Map<string, Proc>();

  before(async () => {
    vc = VirtualCluster.empty(4);
    const init = await vc.run(vc.master, ['cluster', 'init', '--primary-ip', vc.master.ip, '--port', String(vc.port), 'vc.example.com']);
    assert.equal(init.code, 0, init.stderr);
    for (const node of vc.nodes.slice(1, 3)) {
      mkdirSync(node.paths.dataDir, {recursive: true});
      copyFileSync(vc.master.paths.serverCert, node.paths.serverCert);
    }
    const procs = await vc.startNodeds(vc.nodes.slice(1, 3));
    for (const [i, p] of procs.entries()) nodeds.set(vc.nodes[i + 1]!.name, p);
    await vc.startMasterd(vc.master);
    client = vc.client();
  });

  after(async () => {
    client.close();
    await vc.cleanup();
  });

  const add = (name: string, extra: string[] = []) =>
    vc.run(vc.master, ['add', '--primary-ip', vc.node(name).ip, '--port', String(vc.port), ...extra, name], GNT_NODE);

  test('cluster init creates the cluster certificate', () => {
    const pem = readFileSync(vc.master.paths.serverCert, 'utf8');
    assert.match(pem, /BEGIN PRIVATE KEY[\s\S]*BEGIN CERTIFICATE/);
    assert.equal(statSync(vc.master.paths.serverCert).mode & 0o777, 0o400);
    assert.ok(new X509Certificate(pem).ca);
  });

  test('node add checks the node daemon, then distributes config and ssconf', async () => {
    const r2 = await add('node2');
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, /Node node2 added as a master candidate/);
    assert.equal((await add('node3')).code, 0);
    for (const n of ['node2', 'node3']) {
      const node = vc.node(n);
      assert.equal(readFileSync(node.paths.ssconf('master_node'), 'utf8'), 'node1\n');
      assert.equal(readFileSync(node.paths.ssconf('node_list'), 'utf8'), 'node1\nnode2\nnode3\n');
    }
    const cfg = JSON.parse(readFileSync(vc.node('node3').paths.configFile, 'utf8')) as {nodes: Record<string, {name: string}>};
    assert.deepEqual(
      Object.values(cfg.nodes)
        .map((n) => n.name)
        .sort(),
      ['node1', 'node2', 'node3'],
    );

    const again = await add('node2');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Node node2 is already in the configuration/);
    const dead = await add('node4');
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, /Can't get version information from node node4/);
  });

  test('node list and cluster info', async () => {
    const list = await vc.run(vc.master, ['list'], GNT_NODE);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      list.stdout
        .split('\n')
        .slice(0, 4)
        .map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
      ['Node Role', 'node1 M', 'node2 C', 'node3 C'],
    );
    const some = await vc.run(vc.master, ['node', 'list', '--no-headers', '-o', 'name,pip', 'node3']);
    assert.equal(some.stdout, `node3 ${vc.node('node3').ip}\n`);
    const info = await vc.run(vc.master, ['info'], GNT_CLUSTER);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^Cluster name: vc\.example\.com$/m);
    assert.match(info.stdout, /^Master node: node1$/m);
    assert.match(info.stdout, /^ {2}candidate pool size: 10$/m);
  });

  test('the watcher pause is set on every node', async () => {
    const until = Math.trunc(Date.now() / 1000) + 3600;
    await client.setWatcherPause(until);
    const file = vc.node('node2').paths.watcherPauseFile;
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8') === `${until}\n`, 5000, 'watcher pause on node2');
    await client.setWatcherPause(null);
    await waitFor(() => !existsSync(file), 5000, 'watcher pause removed on node2');
  });

  test("OP_TEST_DELAY on nodes runs there and fails with the nodes' errors", async () => {
    const ok = await client.submitJob([{OP_ID: 'OP_TEST_DELAY', duration: 0.2, on_nodes: ['node2', 'node3'], on_master: false}]);
    assert.equal(await waitJob(client, ok), 'success');
    await nodeds.get('node3')!.stop();
    const bad = await client.submitJob([{OP_ID: 'OP_TEST_DELAY', duration: 0, on_nodes: ['node2', 'node3']}]);
    assert.equal(await waitJob(client, bad), 'error');
    const [[result]] = (await client.queryJobs([bad], ['opresult'])) as [[unknown[]]];
    assert.equal((result[0] as [string, string[]])[0], 'OpExecError');
    assert.match((result[0] as [string, string[]])[1][0]!, /^Failure during rpc call to node node3: connect ECONNREFUSED/);
  });

  test('node modify: offline demotes the candidate; the master cannot be changed', async () => {
    const off = await vc.run(vc.master, ['modify', '--offline', 'yes', 'node3'], GNT_NODE);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, 'Modified node node3\n - offline -> True\n - master_candidate -> auto-demotion due to offline\n');
    const id = await client.submitJob([{OP_ID: 'OP_TEST_DELAY', duration: 0, on_nodes: ['node3']}]);
    assert.equal(await waitJob(client, id), 'error');
    const [[result]] = (await client.queryJobs([id], ['opresult'])) as [[Array<[string, string[]]>]];
    assert.equal(result[0]![1][0], 'Failure during rpc call to node node3: Node is marked offline');

    const masterOff = await vc.run(vc.master, ['modify', '--offline', 'yes', 'node1'], GNT_NODE);
    assert.equal(masterOff.code, 1);
    assert.match(masterOff.stderr, /The master role can be changed only via master failover/);
    const nothing = await vc.run(vc.master, ['modify', 'node2'], GNT_NODE);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /Please pass at least one modification/);
    const noName = await vc.run(vc.master, ['modify', '--drained', 'yes'], GNT_NODE);
    assert.deepEqual([noName.code, noName.stderr], [1, 'Error: Command modify expects 1 argument(s)\n']);
  });

  test('node commands record --reason in the reason trail and take --socket', async () => {
    const drained = await vc.run(vc.master, ['modify', '--drained', 'yes', '--reason', 'disk swap', 'node2'], GNT_NODE);
    assert.equal(drained.code, 0, drained.stderr);
    const [[ids]] = (await client.query('job', ['id'], null)).data.slice(-1) as [[[number, number]]];
    const [[ops]] = (await client.queryJobs([ids[1]], ['ops'])) as [[Array<{OP_ID: string; reason: Array<[string, string, unknown]>}>]];
    assert.equal(ops[0]!.OP_ID, 'OP_NODE_SET_PARAMS');
    assert.deepEqual(
      ops[0]!.reason.map(([source, text]) => [source, text]),
      [
        ['gnt:user', 'disk swap'],
        ['gnt:client:gnt-node', 'modify'],
        ['gnt:opcode:node_set_params', `job=${ids[1]};index=0`],
      ],
    );
    const undrained = await vc.run(vc.master, ['modify', '--drained', 'no', 'node2'], GNT_NODE);
    assert.equal(undrained.code, 0, undrained.stderr);
    const elsewhere = await vc.run(vc.master, ['list', '--socket', join(vc.master.root, 'nosuch.sock')], GNT_NODE);
    assert.deepEqual([elsewhere.code, elsewhere.stdout], [1, '']);
    assert.match(elsewhere.stderr, /^Cannot communicate with the master daemon at '.*nosuch\.sock': is it running/);
    const viaSocket = await vc.run(vc.master, ['info', '--socket', vc.master.paths.masterSocket], GNT_CLUSTER);
    assert.equal(viaSocket.code, 0, viaSocket.stderr);
    assert.match(viaSocket.stdout, /^Cluster name: vc\.example\.com$/m);
  });

  test('node remove', async () => {
    const master = await vc.run(vc.master, ['remove', 'node1'], GNT_NODE);
    assert.equal(master.code, 1);
    assert.match(master.stderr, /Node is the master node, failover to another node is required/);
    const rm = await vc.run(vc.master, ['node', 'remove', 'node3']);
    assert.equal(rm.code, 0, rm.stderr);
    const list = await vc.run(vc.master, ['node', 'list', '--no-headers', '-o', 'name']);
    assert.equal(list.stdout, 'node1\nnode2\n');
    assert.equal(readFileSync(vc.node('node2').paths.ssconf('node_list'), 'utf8'), 'node1\nnode2\n');
  });
});
