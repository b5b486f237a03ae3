// The acceptance checks of the instance lifecycle (docs/instances.md §5.3) on a three-node
// virtual cluster (real masterd and three real node daemons over HTTPS), for one client: the
// stock Ganeti 3.0 gnt-instance (test/interop/gnt-instance.test.ts) or ours
// (test/interop/gnt-instance-ours.test.ts). The fake hypervisor's files must be on the right
// node, configuration and ssconf on every node.
import assert from 'node:assert/strict';
import {existsSync, readFileSync, renameSync} from 'node:fs';
import {join} from 'node:path';
import {BIN, VirtualCluster, waitFor, type Proc, type VNode} from '../cluster/virtual-cluster.js';
import {runDetached, runStock, stockMissing, type CliResult} from './stock.js';

export const stockSkip = stockMissing('gnt-instance');

export type Cli = CliResult;

export type Runner = (node: VNode, args: string[]) => Promise<Cli>;

export const stockGntInstance: Runner = (node, args) => runStock('gnt-instance', args, node.env);

/** Ours: `ganeti instance ...` (what bin/gnt-instance.js runs). */
export const ourGntInstance: Runner = (node, args) => runDetached(process.execPath, [BIN, 'instance', ...args], {...node.env, TZ: 'UTC'});

export const ADD = ['add', '-t', 'diskless', '-o', 'noop', '--no-name-check', '--no-ip-check', '--net', '0:mode=openvswitch,link=sw0'];

/** Job log lines without their timestamps. */
export function logLines(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} /, ''));
}

/** The §5.3 checks of docs/instances.md, run with one client (stock or ours). */
export async function acceptance(vc: VirtualCluster, G: Runner, nodeds: Map<string, Proc>): Promise<void> {
  const m = vc.master;
  const g = (...args: string[]): Promise<Cli> => G(m, args);
  const ok = async (...args: string[]): Promise<Cli> => {
    const r = await g(...args);
    assert.equal(r.code, 0, `gnt-instance ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r;
  };
  const fail = async (args: string[], message: string): Promise<void> => {
    const r = await g(...args);
    assert.equal(r.code, 1, `gnt-instance ${args.join(' ')} should fail`);
    assert.ok(r.stderr.includes(message), `gnt-instance ${args.join(' ')}: ${r.stderr}`);
  };
  const F = (node: string, inst: string): string | null => {
    const f = join(vc.node(node).paths.runDir, 'fake-hypervisor', inst);
    return existsSync(f) ? readFileSync(f, 'utf8') : null;
  };
  const onlyOn = (inst: string, node: string | null, content?: string): void => {
    for (const n of vc.nodes) {
      const v = F(n.name, inst);
      if (n.name === node) assert.equal(v, content ?? v ?? 'missing', `${inst} on ${n.name}`);
      else assert.equal(v, null, `${inst} must not run on ${n.name}`);
      if (n.name === node) assert.notEqual(v, null, `${inst} must run on ${n.name}`);
    }
  };
  const column = async (field: string, inst: string): Promise<string> =>
    (await ok('list', '--no-headers', '-o', field, inst)).stdout.trim();

  // 1. add
  const add = await ok(...ADD, '-n', 'node1', 'inst1');
  assert.deepEqual(logLines(add.stdout), [
    '* creating instance disks...',
    'adding instance inst1 to cluster config',
    'adding disks to cluster config',
    '* starting instance...',
  ]);
  onlyOn('inst1', 'node1', '0\n128\n1\n');
  await waitFor(
    () =>
      vc.nodes.every(
        (n) => existsSync(n.paths.ssconf('instance_list')) && readFileSync(n.paths.ssconf('instance_list'), 'utf8') === 'inst1\n',
      ),
    10_000,
    'ssconf_instance_list on every node',
  );
  for (const n of vc.nodes) {
    const cfg = JSON.parse(readFileSync(n.paths.configFile, 'utf8')) as {instances: Record<string, {name: string; admin_state: string}>};
    assert.deepEqual(
      Object.values(cfg.instances).map((i) => [i.name, i.admin_state]),
      [['inst1', 'up']],
      `config.data on ${n.name}`,
    );
  }
  // 2. list
  assert.equal(
    (await ok('list')).stdout,
    'Instance Hypervisor OS   Primary_node Status  Memory\ninst1    fake       noop node1        running   128M\n',
  );
  // 3. info
  const info = (await ok('info', 'inst1')).stdout;
  for (const line of [
    'State: configured to be up, actual state is up',
    'Disk template: diskless',
    'Allocated network port: None',
    'maxmem: default (128)',
  ]) {
    assert.ok(info.includes(line), `info: ${line}\n${info}`);
  }
  assert.ok((await ok('info', '-s', 'inst1')).stdout.includes('State: configured to be up\n'));
  // 4. stop twice
  assert.match((await ok('stop', 'inst1')).stdout, /^Waiting for job \d+ for inst1 \.\.\.\n$/);
  onlyOn('inst1', null);
  assert.equal((await ok('list', '--no-headers', '-o', 'status,oper_ram', 'inst1')).stdout, 'ADMIN_down -\n');
  await ok('stop', 'inst1');
  // 5. start twice
  await ok('start', 'inst1');
  onlyOn('inst1', 'node1', '0\n128\n1\n');
  await ok('start', 'inst1');
  onlyOn('inst1', 'node1', '0\n128\n1\n');
  // 6. modify, reboot
  assert.equal(
    (await ok('modify', '-B', 'memory=256,vcpus=2', 'inst1')).stdout,
    "Modified instance inst1\n - be/memory -> 256\n - be/vcpus -> 2\nPlease don't forget that most parameters take effect only at the next (re)start of the instance initiated by ganeti; restarting from within the instance will not be enough.\n",
  );
  onlyOn('inst1', 'node1', '0\n128\n1\n');
  await ok('reboot', 'inst1');
  onlyOn('inst1', 'node1', '0\n256\n2\n');
  assert.equal((await ok('list', '--no-headers', '-o', 'oper_ram,oper_vcpus,be/maxmem', 'inst1')).stdout, '256M 2 256M\n');
  // 7. soft reboot; reboot of a stopped instance starts it
  await ok('reboot', '-t', 'soft', 'inst1');
  onlyOn('inst1', 'node1', '0\n256\n2\n');
  await ok(...ADD, '--no-start', '-n', 'node2', 'inst2');
  const reboot2 = await ok('reboot', 'inst2');
  assert.deepEqual(logLines(reboot2.stdout).slice(1), [' - INFO: Instance inst2 was already stopped, starting now']);
  onlyOn('inst2', 'node2', '0\n128\n1\n');
  assert.equal(await column('admin_state', 'inst2'), 'up');
  // 8. migrate
  const mig = await ok('migrate', '-f', '-n', 'node2', 'inst1');
  assert.equal(logLines(mig.stdout).length, 12);
  assert.equal(logLines(mig.stdout)[0], 'Migrating instance inst1');
  onlyOn('inst1', 'node2', '0\n256\n2\n');
  assert.equal((await ok('list', '--no-headers', '-o', 'pnode,status', 'inst1')).stdout, 'node2 running\n');
  await fail(['migrate', '-f', 'inst1'], 'No iallocator or node given and no cluster-wide default iallocator found');
  // 9. failover, running and stopped
  await ok('failover', '-f', '-n', 'node3', 'inst1');
  onlyOn('inst1', 'node3', '0\n256\n2\n');
  await ok('stop', 'inst2');
  const fo = await ok('failover', '-f', '-n', 'node3', 'inst2');
  assert.equal(logLines(fo.stdout)[0], ' - INFO: Not checking memory on the secondary node as instance will not be started');
  onlyOn('inst2', null);
  assert.equal(await column('pnode', 'inst2'), 'node3');
  // 10. migrate of a stopped instance
  await fail(['migrate', '-f', '-n', 'node1', 'inst2'], "Can't migrate, please use failover: Instance inst2 is not running");
  // 15. status with a node daemon down, a file moved, a node offline
  renameSync(
    join(vc.node('node3').paths.runDir, 'fake-hypervisor', 'inst1'),
    join(vc.node('node1').paths.runDir, 'fake-hypervisor', 'inst1'),
  );
  await ok(...ADD, '--no-start', '-n', 'node1', 'inst5');
  assert.equal(await column('status', 'inst1'), 'ERROR_down');
  assert.equal(
    (await ok('list', '--no-headers', '-o', 'name,status', 'inst1', 'inst5')).stdout,
    'inst1 ERROR_wrongnode\ninst5 ADMIN_down\n',
  );
  renameSync(
    join(vc.node('node1').paths.runDir, 'fake-hypervisor', 'inst1'),
    join(vc.node('node3').paths.runDir, 'fake-hypervisor', 'inst1'),
  );
  const noded3 = nodeds.get('node3')!;
  await noded3.stop();
  assert.equal((await ok('list', '--no-headers', '-o', 'status,oper_state,oper_ram', 'inst1')).stdout, 'ERROR_nodedown ? ?\n');
  nodeds.set('node3', await vc.startNoded(vc.node('node3')));
  await ok('remove', '-f', 'inst5');
  // 11. rename
  await fail(['rename', '-f', '--no-name-check', '--no-ip-check', 'inst1', 'inst9'], "Instance 'inst1' is marked to be up, cannot rename");
  await ok('stop', 'inst1');
  assert.equal(
    (await ok('rename', '-f', '--no-name-check', '--no-ip-check', 'inst1', 'inst9')).stdout,
    "Instance 'inst1' renamed to 'inst9'\n",
  );
  // 12. console
  assert.equal((await ok('console', 'inst9')).stdout, 'Console not available for fake hypervisor\n');
  // 16. node remove refused while primary
  const nodeRemove = await vc.run(m, ['node', 'remove', 'node3']);
  assert.notEqual(nodeRemove.code, 0);
  assert.match(nodeRemove.stderr + nodeRemove.stdout, /Instance inst\d is still running on the node, please remove first/);
  // 14. errors as stock words them
  await fail([...ADD, '-n', 'node1', 'inst2'], "Instance 'inst2' is already in the cluster");
  await fail(['remove', '-f', 'nosuch'], "Instance 'nosuch' not known");
  await fail(['startup', 'nosuch'], 'Selection filter does not match any instances');
  await fail(
    [...ADD, '-B', 'memory=100000', '-n', 'node1', 'inst7'],
    'violates policy: memory-size value 100000 is not in range [128, 32768]',
  );
  // 13. remove
  await ok('remove', '-f', 'inst9');
  await ok('remove', '-f', 'inst2');
  assert.equal((await ok('list', '--no-headers')).stdout, '');
  await waitFor(() => vc.nodes.every((n) => readFileSync(n.paths.ssconf('instance_list'), 'utf8') === ''), 10_000, 'empty instance_list');
  for (const n of vc.nodes) {
    const cfg = JSON.parse(readFileSync(n.paths.configFile, 'utf8')) as {instances: object};
    assert.deepEqual(cfg.instances, {}, `config.data on ${n.name}`);
    for (const i of ['inst1', 'inst2', 'inst9']) assert.equal(F(n.name, i), null);
  }
}

/** A three-node cluster with every node daemon and the master running; nodeds by node name. */
export async function startInstanceCluster(): Promise<{vc: VirtualCluster; nodeds: Map<string, Proc>}> {
  const vc = await VirtualCluster.create(3);
  const nodeds = new Map<string, Proc>();
  for (const [i, p] of (await vc.startNodeds(vc.nodes)).entries()) nodeds.set(vc.nodes[i]!.name, p);
  await vc.startMasterd(vc.master);
  return {vc, nodeds};
}
