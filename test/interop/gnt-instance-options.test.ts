// --submit / --print-jobid, --tags and -H of gnt-instance: the stock 3.0 client and ours run the
// same commands on one three-node virtual cluster (each on its own instance names) and must
// print the same bytes, job IDs and timestamps aside.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import type {VirtualCluster} from '../cluster/virtual-cluster.js';
import {
  ADD,
  ourGntInstance,
  startInstanceCluster,
  stockGntInstance,
  stockSkip,
  type Cli,
  type Runner,
} from '../helpers/instance-acceptance.js';

/** Job IDs and log timestamps out; the client's own instance names back to NAME / NAME2. */
function normalise(r: Cli, names: string[]): Cli {
  const fix = (text: string): string => {
    let t = text
      .replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} /gm, '')
      .replace(/JobID: \d+/g, 'JobID: ID')
      .replace(/^\d+(:|$)/gm, 'ID$1')
      .replace(/([Jj]ob) \d+/g, '$1 ID');
    for (const [i, n] of names.entries()) t = t.replaceAll(n, i === 0 ? 'NAME' : `NAME${i + 1}`);
    return t;
  };
  return {code: r.code, stdout: fix(r.stdout), stderr: fix(r.stderr)};
}

describe('gnt-instance --submit, --tags and -H: ours prints what the stock client prints', {skip: stockSkip}, () => {
  let vc: VirtualCluster;
  before(async () => {
    ({vc} = await startInstanceCluster());
  });
  after(async () => {
    await vc.cleanup();
  });

  /** Runs args (with NAME/NAME2 placeholders) with both clients, stock first; returns ours. */
  const same = async (args: string[], what: string): Promise<Cli> => {
    const run = async (G: Runner, prefix: string): Promise<Cli> => {
      const names = [`${prefix}-${what}`, `${prefix}-${what}-2`];
      const a = args.map((x) => (x === 'NAME' ? names[0]! : x === 'NAME2' ? names[1]! : x));
      return normalise(await G(vc.master, a), names);
    };
    const stock = await run(stockGntInstance, 's');
    const ours = await run(ourGntInstance, 'o');
    assert.deepEqual(ours, stock, `gnt-instance ${args.join(' ')}`);
    return ours;
  };
  /** Waits for every job to end (after --submit). */
  const settle = async (): Promise<void> => {
    const c = vc.client();
    try {
      for (;;) {
        const r = await c.query('job', ['id'], ['|', ['==', 'status', 'queued'], ['==', 'status', 'waiting'], ['==', 'status', 'running']]);
        if (r.data.length === 0) return;
        await new Promise((res) => setTimeout(res, 50));
      }
    } finally {
      c.close();
    }
  };

  test('--submit and --print-jobid', async () => {
    let r = await same([...ADD, '-n', 'node1', '--submit', 'NAME'], 'sub');
    assert.deepEqual(r, {code: 0, stdout: '', stderr: 'JobID: ID\n'});
    await settle();
    r = await same(['shutdown', '--submit', 'NAME'], 'sub');
    assert.deepEqual(r, {code: 0, stdout: 'ID: NAME\n', stderr: ''});
    await settle();
    r = await same(['reboot', '--submit', '--print-jobid', 'NAME'], 'sub');
    assert.equal(r.stdout, 'ID: NAME\n');
    await settle();
    r = await same(['modify', '-B', 'vcpus=2', '--submit', '--print-jobid', 'NAME'], 'sub');
    assert.deepEqual(r, {code: 0, stdout: 'ID\n', stderr: 'JobID: ID\n'});
    await settle();
    r = await same(['modify', '-B', 'vcpus=1', '--print-jobid', 'NAME'], 'sub');
    assert.match(r.stdout, /^ID\nModified instance NAME\n - be\/vcpus -> 1\n/);
    await same(['stop', 'NAME'], 'sub');
    r = await same(['remove', '-f', '--submit', 'NAME'], 'sub');
    assert.deepEqual(r, {code: 0, stdout: '', stderr: 'JobID: ID\n'});
    await settle();
    await same(['list', '--no-headers', '-o', 'name', 'NAME'], 'sub');
  });

  test('--tags: stored once each, listed in order; invalid tags refused', async () => {
    await same([...ADD, '-n', 'node2', '--no-start', '--tags', 'web,db,web', 'NAME'], 'tags');
    const r = await same(['list', '--no-headers', '-o', 'name,tags', 'NAME'], 'tags');
    assert.equal(r.stdout.trim().split(/\s+/)[1], 'db,web');
    const bad = await same([...ADD, '-n', 'node2', '--tags', 'bad tag', 'NAME2'], 'tags');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid tag\(s\) given:\nTag contains invalid characters/);
    await same(['remove', '-f', 'NAME'], 'tags');
  });

  test('-H: the fake hypervisor and its global parameter', async () => {
    await same([...ADD, '-n', 'node3', '-H', 'fake', 'NAME'], 'hv');
    for (const spec of ['fake:migration_mode=non-live', 'fake:foo=1', 'fake:kernel_path=/boot/vmlinuz', 'fake:acpi=maybe', 'kvm']) {
      const r = await same([...ADD, '-n', 'node3', '-H', spec, 'NAME2'], 'hv');
      assert.equal(r.code, 1, spec);
    }
    await same(['startup', '-H', 'migration_mode=non-live', 'NAME'], 'hv');
    for (const spec of ['foo=1', 'kernel_path=/boot/vmlinuz', 'migration_mode=sideways']) {
      const r = await same(['startup', '-H', spec, 'NAME'], 'hv');
      assert.equal(r.code, 1, spec);
    }
    for (const spec of ['migration_mode=live', 'foo=1', 'kernel_path=/boot/vmlinuz']) {
      const r = await same(['modify', '-H', spec, 'NAME'], 'hv');
      assert.equal(r.code, 1, spec);
    }
    await same(['modify', '-H', 'kernel_path=default', 'NAME'], 'hv');
    await same(['list', '--no-headers', '-o', 'name,hvparams,status', 'NAME'], 'hv');
    await same(['remove', '-f', 'NAME'], 'hv');
  });
});
