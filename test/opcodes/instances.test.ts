// The instance opcodes in-process (real opcode code, real node daemon procedures, no daemons):
// the lifecycle, the fake hypervisor's files, job log lines and errors as a real Ganeti 3.0
// cluster printed them (test/fixtures/instances/stock-outputs.txt), queries and locks.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {ssconfValues} from '../../src/config/ssconf.js';
import {LOGICAL_UNITS} from '../../src/daemon/logical-units/index.js';
import {queryInstancesOldStyle, query} from '../../src/daemon/queries.js';
import {opcodeSummary} from '../../src/opcodes/summary.js';
import {validateOpcode} from '../../src/opcodes/validate.js';
import {create, InstanceCluster, nodeName, op} from '../helpers/instance-cluster.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'instances');
const STOCK = readFileSync(join(FIXTURES, 'stock-outputs.txt'), 'utf8');
const I1 = 'inst1.ganeti.test';
const N1 = nodeName(1);
const N2 = nodeName(2);
const N3 = nodeName(3);

/** The job log lines of a stock command in the fixture, timestamps removed. */
function stockLog(command: string): string[] {
  const start = STOCK.indexOf(`$ gnt-instance ${command}\n`);
  assert.ok(start >= 0, `no capture of ${command}`);
  const body = STOCK.slice(start).split('\n').slice(1);
  const lines: string[] = [];
  for (const line of body) {
    if (line.startsWith('rc=')) break;
    const m = /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} (.*)$/.exec(line);
    if (m !== null) lines.push(m[1]!);
  }
  return lines;
}

/** The error of a failed opcode as the CLI prints its details, checked against the capture. */
function assertStockError(result: unknown, cls: string, message: string, code?: string): void {
  assert.deepEqual(result, [cls, code === undefined ? [message] : [message, code]]);
  assert.ok(
    STOCK.includes(message.replace(/group [0-9a-f-]{36}/, 'group a157dbbc-a815-46cf-b741-89a32cb34a93')),
    `not in the capture: ${message}`,
  );
}

function hv(ic: InstanceCluster, node: string, inst: string): string | null {
  const f = ic.hvFile(node, inst);
  return existsSync(f) ? readFileSync(f, 'utf8') : null;
}

describe('instance opcodes on the fake hypervisor', () => {
  let ic: InstanceCluster;
  before(async () => {
    ic = await InstanceCluster.create(3);
  });
  after(() => ic.cleanup());

  test('create: config object, fake-hypervisor file, log lines and RPC order as in Ganeti', async () => {
    ic.calls.length = 0;
    const out = await ic.ok(create(I1, N1));
    assert.deepEqual(out.result, [N1]);
    assert.deepEqual(
      out.log,
      stockLog(
        'add -t diskless -o noop --no-name-check --no-ip-check --net 0:mode=openvswitch,link=sw0 -n node1.ganeti.test inst1.ganeti.test',
      ),
    );
    assert.equal(hv(ic, N1, I1), '0\n128\n1\n');
    assert.equal(statSync(ic.hvFile(N1, I1)).mode & 0o777, 0o600);
    assert.deepEqual(
      ic.calls.map((c) => c.procedure),
      ['hypervisor_validate_params', 'os_validate', 'node_info', 'os_diagnose', 'instance_start'],
    );
    const inst = Object.values(ic.cfg.instances)[0]!;
    const captured = Object.values(
      JSON.parse(readFileSync(join(FIXTURES, 'config-and-results.json'), 'utf8'))[
        'config.data: instances (after create/migrate/failover/modify)'
      ] as Record<string, Record<string, unknown>>,
    )[2]!;
    assert.deepEqual(Object.keys(inst).sort(), Object.keys(captured).sort());
    assert.equal(inst.primary_node, ic.cfg.cluster.master_node);
    assert.equal(inst.admin_state, 'up');
    assert.equal(inst.disks_active, true);
    assert.equal(inst.serial_no, 2);
    assert.match(inst.nics[0]!.mac, /^aa:00:00(:[0-9a-f]{2}){3}$/);
    assert.deepEqual(inst.nics[0]!.nicparams, {mode: 'openvswitch', link: 'sw0'});
    assert.equal(ssconfValues(ic.cfg).instance_list, I1);
    assert.equal(ssconfValues(ic.cfg).hvparams_fake, 'migration_mode=live');
    const reason = JSON.parse(readFileSync(join(ic.paths.get(N1)!.runDir, 'instance-reason', I1), 'utf8')) as unknown[][];
    assert.equal(reason.at(-1)![0], 'gnt:daemon:noded:start');
  });

  test('--no-install: INFO line, stopped, serial 1', async () => {
    const out = await ic.ok(create('inst3.ganeti.test', N1, {no_install: true}));
    assert.deepEqual(
      out.log,
      stockLog(
        'add -t diskless -o noop --no-install --no-name-check --no-ip-check --net 0:mode=openvswitch,link=sw0 -n node1.ganeti.test inst3.ganeti.test',
      ),
    );
    const inst = Object.values(ic.cfg.instances).find((i) => i.name === 'inst3.ganeti.test')!;
    assert.equal(inst.admin_state, 'down');
    assert.equal(inst.disks_active, false);
    assert.equal(inst.serial_no, 1);
    assert.equal(hv(ic, N1, 'inst3.ganeti.test'), null);
  });

  test('create errors as a real cluster words them', async () => {
    let r = await ic.run(create(I1, N1));
    assertStockError(r.result, 'OpPrereqError', `Instance '${I1}' is already in the cluster`, 'already_exists');
    r = await ic.run(create('inst9.ganeti.test', N1, {name_check: true, ip_check: false}));
    assertStockError(
      r.result,
      'OpPrereqError',
      'The given name (inst9.ganeti.test) does not resolve: Name or service not known',
      'resolver_error',
    );
    r = await ic.run(create('inst9.ganeti.test', N1, {ip_check: true}));
    assertStockError(r.result, 'OpPrereqError', 'Cannot do IP address check without a name check', 'wrong_input');
    r = await ic.run(create('inst9.ganeti.test', N1, {beparams: {memory: 100000}}));
    assertStockError(
      r.result,
      'OpPrereqError',
      `Instance allocation to group ${Object.keys(ic.cfg.nodegroups)[0]} (default) violates policy: memory-size value 100000 is not in range [128, 32768]`,
      'wrong_input',
    );
    r = await ic.run(create('inst9.ganeti.test', N1, {nics: []}));
    assertStockError(
      r.result,
      'OpPrereqError',
      `Instance allocation to group ${Object.keys(ic.cfg.nodegroups)[0]} (default) violates policy: nic-count value 0 is not in range [1, 8]`,
      'wrong_input',
    );
    r = await ic.run(create('inst9.ganeti.test', N1, {os_type: null}));
    assertStockError(r.result, 'OpPrereqError', 'No guest OS or OS image specified', 'wrong_input');
    r = await ic.run(create('inst9.ganeti.test', N1, {os_type: 'nosuch'}));
    assert.deepEqual(r.result, [
      'OpExecError',
      [`OS Parameters validation failed on node ${N1}: Directory for OS nosuch not found in search path`],
    ]);
    if (!existsSync('/sys/class/net/xen-br0/bridge')) {
      r = await ic.run(create('inst9.ganeti.test', N1, {nics: [{}]}));
      assertStockError(
        r.result,
        'OpPrereqError',
        `Error checking bridges on destination node '${N1}': Missing bridges xen-br0`,
        'environment_error',
      );
    }
    r = await ic.run(create('inst9.ganeti.test', N1, {beparams: {memory: 30000}, ignore_ipolicy: true}));
    if (!r.ok)
      assert.match(
        (r.result as [string, string[]])[1][0]!,
        /^Not enough memory on node node1\.ganeti\.test for creating instance inst9\.ganeti\.test: needed 30000 MiB, available \d+ MiB$/,
      );
    else await ic.ok(op('REMOVE', 'inst9.ganeti.test'));
    r = await ic.run(create('inst9.ganeti.test', N1, {pnode: null}));
    assert.equal((r.result as [string, string[]])[1][1], 'wrong_input');
    assert.match((r.result as [string, string[]])[1][0]!, /^No iallocator or node given and no cluster-wide default iallocator found/);
    assert.equal(Object.keys(ic.cfg.instances).length, 2, 'no failed create leaves anything behind');
    assert.equal(hv(ic, N1, 'inst9.ganeti.test'), null);
  });

  test('shutdown and startup are idempotent; unknown names', async () => {
    await ic.ok(op('SHUTDOWN', 'inst1'));
    assert.equal(hv(ic, N1, I1), null);
    assert.deepEqual(await ic.list(['name', 'status', 'oper_ram', 'oper_state'], ['==', 'name', I1]), [
      [
        [0, I1],
        [0, 'ADMIN_down'],
        [3, null],
        [0, false],
      ],
    ]);
    await ic.ok(op('SHUTDOWN', I1));
    await ic.ok(op('STARTUP', I1));
    const before = statSync(ic.hvFile(N1, I1)).mtimeMs;
    await ic.ok(op('STARTUP', I1));
    assert.equal(statSync(ic.hvFile(N1, I1)).mtimeMs, before, 'a second start leaves the file alone');
    const r = await ic.run(op('REMOVE', 'nosuch'));
    assertStockError(r.result, 'OpPrereqError', "Instance 'nosuch' not known", 'unknown_entity');
  });

  test('modify -B, hard and soft reboot, reboot of a stopped instance', async () => {
    const out = await ic.ok(op('SET_PARAMS', I1, {beparams: {memory: 256, vcpus: 2}}));
    assert.deepEqual(out.result, [
      ['be/memory', 256],
      ['be/vcpus', 2],
    ]);
    assert.equal(hv(ic, N1, I1), '0\n128\n1\n');
    await ic.ok(op('REBOOT', I1, {reboot_type: 'hard'}));
    assert.equal(hv(ic, N1, I1), '0\n256\n2\n');
    assert.deepEqual(await ic.list(['oper_ram', 'oper_vcpus', 'be/maxmem', 'be/minmem'], ['==', 'name', I1]), [
      [
        [0, 256],
        [0, 2],
        [0, 256],
        [0, 256],
      ],
    ]);
    await ic.ok(op('SET_PARAMS', I1, {beparams: {memory: 'default', vcpus: 'default'}}));
    const soft = statSync(ic.hvFile(N1, I1)).mtimeMs;
    await ic.ok(op('REBOOT', I1, {reboot_type: 'soft'}));
    assert.equal(statSync(ic.hvFile(N1, I1)).mtimeMs, soft);
    const r = await ic.run(op('REBOOT', 'inst3.ganeti.test', {reboot_type: 'hard'}));
    assert.equal(r.ok, true);
    assert.deepEqual(r.log, [' - INFO: Instance inst3.ganeti.test was already stopped, starting now']);
    assert.equal(hv(ic, N1, 'inst3.ganeti.test'), '0\n128\n1\n');
    assert.equal(Object.values(ic.cfg.instances).find((i) => i.name === 'inst3.ganeti.test')!.admin_state, 'up');
    // Hypervisor parameters: the fake hypervisor takes only migration_mode, a global one.
    const refused = async (hvparams: Record<string, unknown>): Promise<unknown> => {
      const r = await ic.run(op('SET_PARAMS', I1, {hvparams}));
      assert.equal(r.ok, false);
      return r.result;
    };
    assert.deepEqual(await refused({kernel_path: '/x'}), ['HypervisorError', ["Parameter 'kernel_path' is not supported"]]);
    assert.deepEqual(await refused({foo: '1'}), ['TypeEnforcementError', ["Unknown parameter 'foo'"]]);
    assert.deepEqual(await refused({migration_mode: 'live'}), [
      'OpPrereqError',
      [
        'The following hypervisor parameters are global and cannot be customized at instance level, please modify them at cluster level: migration_mode',
        'wrong_input',
      ],
    ]);
    const reset = await ic.ok(op('SET_PARAMS', I1, {hvparams: {kernel_path: 'default'}}));
    assert.deepEqual(reset.result, [['hv/kernel_path', 'default']]);
    // Temporary parameters of a start are checked the same way.
    const start = await ic.run(op('STARTUP', I1, {hvparams: {migration_mode: 'sideways'}}));
    assert.deepEqual(start.result, [
      'HypervisorError',
      ["Parameter 'migration_mode' fails syntax check: invalid migration mode (current value: 'sideways')"],
    ]);
    assert.equal((await ic.run(op('STARTUP', I1, {hvparams: {migration_mode: 'non-live'}}))).ok, true);
  });

  test('migrate moves the running instance with the 12 log lines; errors', async () => {
    const out = await ic.ok(op('MIGRATE', I1, {target_node: N2}));
    assert.deepEqual(out.log, stockLog('migrate -f -n node2.ganeti.test inst1.ganeti.test'));
    assert.equal(hv(ic, N1, I1), null);
    assert.equal(hv(ic, N2, I1), '0\n128\n1\n');
    assert.deepEqual(await ic.list(['pnode', 'status'], ['==', 'name', I1]), [
      [
        [0, N2],
        [0, 'running'],
      ],
    ]);
    let r = await ic.run(op('MIGRATE', I1));
    assert.match(JSON.stringify(r.result), /No iallocator or node given/);
    await ic.ok(op('SHUTDOWN', 'inst3.ganeti.test'));
    r = await ic.run(op('MIGRATE', 'inst3.ganeti.test', {target_node: N2}));
    assertStockError(
      r.result,
      'OpPrereqError',
      "Can't migrate, please use failover: Instance inst3.ganeti.test is not running",
      'wrong_state',
    );
  });

  test('failover of a running and of a stopped instance', async () => {
    const out = await ic.ok(op('FAILOVER', I1, {target_node: N3}));
    assert.deepEqual(
      out.log,
      stockLog('failover -f -n node1.ganeti.test inst1.ganeti.test').map((l) =>
        l.replace(/node2/g, 'nodeX').replace(/node1/g, 'node3').replace(/nodeX/g, 'node2'),
      ),
    );
    assert.equal(hv(ic, N2, I1), null);
    assert.equal(hv(ic, N3, I1), '0\n128\n1\n');
    const stopped = await ic.ok(op('FAILOVER', 'inst3.ganeti.test', {target_node: N2}));
    assert.deepEqual(stopped.log, stockLog('failover -f -n node2.ganeti.test inst3.ganeti.test   # stopped'));
    assert.equal(hv(ic, N2, 'inst3.ganeti.test'), null);
  });

  test('query: live status matrix, wrong node, node down and offline', async () => {
    // inst3 (stopped) on node2; inst1 running on node3.
    await ic.ok(create('inst4.ganeti.test', N2, {start: false}));
    const fields = ['name', 'status', 'oper_state', 'oper_ram'];
    const rows = async (): Promise<Record<string, unknown[]>> =>
      Object.fromEntries((await ic.list(fields)).map((r) => [(r[0] as [number, string])[1], r.slice(1)]));
    // A file moved to another queried primary: wrong node.
    renameSync(ic.hvFile(N3, I1), ic.hvFile(N2, I1));
    assert.deepEqual((await rows())[I1], [
      [0, 'ERROR_wrongnode'],
      [0, true],
      [0, 128],
    ]);
    rmSync(ic.hvFile(N2, I1));
    assert.deepEqual((await rows())[I1], [
      [0, 'ERROR_down'],
      [0, false],
      [3, null],
    ]);
    mkdirSync(dirname(ic.hvFile(N2, 'inst4.ganeti.test')), {recursive: true});
    writeFileSync(ic.hvFile(N2, 'inst4.ganeti.test'), '0\n64\n3\n');
    assert.deepEqual((await rows())['inst4.ganeti.test'], [
      [0, 'ERROR_up'],
      [0, true],
      [0, 64],
    ]);
    ic.down.add(N2);
    assert.deepEqual((await rows())['inst4.ganeti.test'], [
      [0, 'ERROR_nodedown'],
      [2, null],
      [2, null],
    ]);
    ic.down.delete(N2);
    Object.values(ic.cfg.nodes).find((n) => n.name === N2)!.offline = true;
    assert.deepEqual((await rows())['inst3.ganeti.test'], [
      [0, 'ERROR_nodeoffline'],
      [4, null],
      [4, null],
    ]);
    Object.values(ic.cfg.nodes).find((n) => n.name === N2)!.offline = false;
    await ic.ok(op('STARTUP', I1));
    rmSync(ic.hvFile(N2, 'inst4.ganeti.test'));
  });

  test('default list fields, console, QueryInstances expansion, unknown names', async () => {
    const res = await query(ic.sources(), 'instance', ['name', 'hypervisor', 'os', 'pnode', 'status', 'oper_ram'], ['==', 'name', 'inst1']);
    assert.deepEqual(
      res.fields.map((f) => [f.title, f.kind]),
      [
        ['Instance', 'text'],
        ['Hypervisor', 'text'],
        ['OS', 'text'],
        ['Primary_node', 'text'],
        ['Status', 'text'],
        ['Memory', 'unit'],
      ],
    );
    assert.deepEqual(res.data, [
      [
        [0, I1],
        [0, 'fake'],
        [0, 'noop'],
        [0, N3],
        [0, 'running'],
        [0, 128],
      ],
    ]);
    await assert.rejects(query(ic.sources(), 'instance', ['name'], ['==', 'name', 'nosuch']), /Instance name nosuch not found/);
    assert.deepEqual(await queryInstancesOldStyle(ic.sources(), ['inst1', 'nosuch'], ['name', 'console', 'oper_state']), [
      [I1, {instance: I1, kind: 'msg', message: 'Console not available for fake hypervisor'}, true],
    ]);
    const all = JSON.parse(readFileSync(join(FIXTURES, 'instance-query-fields.json'), 'utf8')) as Array<{
      name: string;
      title: string;
      kind: string;
    }>;
    const defs = (
      await query(
        ic.sources(),
        'instance',
        all.map((f) => f.name),
        null,
      )
    ).fields;
    assert.deepEqual(
      defs.map((d) => [d.name, d.title, d.kind]),
      all.map((f) => [f.name, f.title, f.kind]),
    );
  });

  test('query data: static and live', async () => {
    const live = (await ic.ok({OP_ID: 'OP_INSTANCE_QUERY_DATA', instances: ['inst1'], static: false, use_locking: true})).result as Record<
      string,
      Record<string, unknown>
    >;
    const captured = JSON.parse(readFileSync(join(FIXTURES, 'config-and-results.json'), 'utf8'))[
      'OP_INSTANCE_QUERY_DATA result (gnt-instance info inst1, running, before modify)'
    ][I1] as Record<string, unknown>;
    const d = live[I1]!;
    assert.deepEqual(Object.keys(d).sort(), Object.keys(captured).sort());
    assert.equal(d.run_state, 'up');
    for (const key of [
      'be_actual',
      'hv_actual',
      'hv_instance',
      'be_instance',
      'disks',
      'snodes',
      'disk_template',
      'network_port',
      'os_actual',
    ]) {
      assert.deepEqual(d[key], captured[key], key);
    }
    assert.deepEqual(
      (d.nics as unknown[][])[0]!.filter((_, i) => i !== 1 && i !== 3),
      [null, null, 'openvswitch', 'sw0', '', null, null],
    );
    const stat = (await ic.ok({OP_ID: 'OP_INSTANCE_QUERY_DATA', instances: [], static: true})).result as Record<
      string,
      Record<string, unknown>
    >;
    assert.equal(stat[I1]!.run_state, null);
    assert.equal(Object.keys(stat).length, 3);
  });

  test('rename: refused while up or running, then renamed everywhere', async () => {
    let r = await ic.run(op('RENAME', I1, {new_name: 'inst2.ganeti.test', name_check: false, ip_check: false}));
    assertStockError(r.result, 'OpPrereqError', `Instance '${I1}' is marked to be up, cannot rename`, 'wrong_state');
    await ic.ok(op('SHUTDOWN', I1));
    r = await ic.ok(op('RENAME', I1, {new_name: 'inst2.ganeti.test', name_check: false, ip_check: false}));
    assert.equal(r.result, 'inst2.ganeti.test');
    assert.match(ssconfValues(ic.cfg).instance_list ?? '', /inst2\.ganeti\.test/);
    assert.doesNotMatch(ssconfValues(ic.cfg).instance_list ?? '', /inst1/);
  });

  test('remove: node remove refused while an instance lives there; remove leaves nothing', async () => {
    const nodeRemove = LOGICAL_UNITS.get('OP_NODE_REMOVE')!;
    const n2 = validateOpcode({OP_ID: 'OP_NODE_REMOVE', node_name: N2}, {allowRelativeDepends: false});
    assert.throws(
      () => nodeRemove.locks(n2, ic.env([])),
      /Instance inst\d\.ganeti\.test is still running on the node, please remove first/,
    );
    for (const name of ['inst2.ganeti.test', 'inst3.ganeti.test', 'inst4.ganeti.test']) await ic.ok(op('REMOVE', name));
    assert.deepEqual(ic.cfg.instances, {});
    assert.equal(ssconfValues(ic.cfg).instance_list, '');
    for (const n of [N1, N2, N3]) for (const i of ['inst2.ganeti.test', 'inst3.ganeti.test']) assert.equal(hv(ic, n, i), null);
  });
});

describe('instance opcodes: summaries and locks', () => {
  test('summaries name the instance as Ganeti does', () => {
    assert.equal(opcodeSummary({OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'inst1'}), 'INSTANCE_STARTUP(inst1)');
    assert.equal(opcodeSummary(create('inst1', 'node1')), 'INSTANCE_CREATE(inst1)');
    assert.equal(opcodeSummary({OP_ID: 'OP_INSTANCE_RENAME', instance_name: 'a', new_name: 'b'}), 'INSTANCE_RENAME');
    assert.equal(opcodeSummary({OP_ID: 'OP_INSTANCE_QUERY_DATA'}), 'INSTANCE_QUERY_DATA');
    // As stored in a job: validated, absent dict parameters filled with null.
    const stored = (o: Record<string, unknown>): Record<string, unknown> => validateOpcode(o, {allowRelativeDepends: false});
    assert.equal(opcodeSummary(stored(create('inst1', 'node1'))), 'INSTANCE_CREATE(inst1)');
    assert.equal(opcodeSummary(stored(op('SET_PARAMS', 'inst1', {beparams: {vcpus: 2}}))), 'INSTANCE_SET_PARAMS(inst1)');
  });

  test('20 instances over 3 nodes started and stopped in parallel', async () => {
    const ic = await InstanceCluster.create(3);
    try {
      const names = Array.from({length: 20}, (_, i) => `p${i}`);
      for (const [i, name] of names.entries()) await ic.ok(create(name, nodeName((i % 3) + 1), {start: false}));
      const all = async (id: string): Promise<void> => {
        const outs = await Promise.all(names.map((n, i) => ic.run(op(id, n), `job/${100 + i}`)));
        assert.deepEqual(
          outs.filter((o) => !o.ok).map((o) => o.result),
          [],
        );
      };
      await all('STARTUP');
      for (const [i, name] of names.entries()) assert.equal(hv(ic, nodeName((i % 3) + 1), name), '0\n128\n1\n');
      assert.ok(Object.values(ic.cfg.instances).every((i) => i.admin_state === 'up'));
      await all('SHUTDOWN');
      for (const [i, name] of names.entries()) assert.equal(hv(ic, nodeName((i % 3) + 1), name), null);
      assert.ok(Object.values(ic.cfg.instances).every((i) => i.admin_state === 'down' && i.serial_no === 3));
    } finally {
      ic.cleanup();
    }
  });

  test('create lets go of the node locks once the instance is in the configuration, before starting it', async () => {
    const ic = await InstanceCluster.create(2);
    try {
      const node = Object.values(ic.cfg.nodes).find((n) => n.name === nodeName(1))!;
      const rpc = ic.rpc;
      let heldAtStart: string[] | null = null;
      (ic as {rpc: typeof rpc}).rpc = async (names, procedure, args, tmo) => {
        if (procedure === 'instance_start') {
          heldAtStart = ic.locks
            .rows()
            .filter((r) => r.owner?.includes('job/7'))
            .map((r) => r.name);
        }
        return rpc(names, procedure, args, tmo);
      };
      const out = await ic.run(create('early', nodeName(1)), 'job/7');
      assert.equal(out.ok, true, JSON.stringify(out.result));
      assert.deepEqual(heldAtStart, ['cluster/BGL', `instance/early`, `nodegroup/${node.group}`]);
    } finally {
      ic.cleanup();
    }
  });

  test('two jobs on one instance serialise; different instances run side by side', async () => {
    const ic = await InstanceCluster.create(2);
    try {
      await ic.ok(create('a', nodeName(1)));
      await ic.ok(create('b', nodeName(2)));
      const order: string[] = [];
      const slow = ic.locks.acquire('job/10', [{level: 'instance', names: ['a'], shared: false}], 0).then(() => order.push('held'));
      await slow;
      const second = ic.run(op('SHUTDOWN', 'a'), 'job/11').then((r) => order.push(`a:${String(r.ok)}`));
      const other = ic.run(op('SHUTDOWN', 'b'), 'job/12').then((r) => order.push(`b:${String(r.ok)}`));
      await other;
      assert.deepEqual(order, ['held', 'b:true'], 'b runs while a waits for its lock');
      ic.locks.release('job/10');
      await second;
      assert.deepEqual(order, ['held', 'b:true', 'a:true']);
    } finally {
      ic.cleanup();
    }
  });
});
