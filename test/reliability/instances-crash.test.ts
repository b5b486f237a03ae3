// kill -9 of masterd during instance migrations on a three-node virtual cluster: after each
// restart the migration job is finished (success, or error "Unclean master daemon shutdown"
// when it was running), the instance runs on exactly one node, and the configuration names
// that node as its primary. 3 rounds in `npm test`, 30 with RELIABILITY_LONG=1.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {VirtualCluster, waitFor, waitJob, type Proc} from '../cluster/virtual-cluster.js';

const ROUNDS = process.env.RELIABILITY_LONG === '1' ? 30 : 3;

describe('kill -9 of masterd during migrations', () => {
  let vc: VirtualCluster;
  let masterd: Proc;
  before(async () => {
    vc = await VirtualCluster.create(3);
    await vc.startNodeds(vc.nodes);
    masterd = await vc.startMasterd(vc.master);
  });
  after(async () => {
    await vc.cleanup();
  });

  const runningOn = (): string[] => vc.nodes.filter((n) => existsSync(join(n.paths.runDir, 'fake-hypervisor', 'mig'))).map((n) => n.name);
  const primaryInConfig = (): string => {
    const cfg = JSON.parse(readFileSync(vc.master.paths.configFile, 'utf8')) as {
      nodes: Record<string, {name: string}>;
      instances: Record<string, {name: string; primary_node: string}>;
    };
    const inst = Object.values(cfg.instances).find((i) => i.name === 'mig')!;
    return cfg.nodes[inst.primary_node]!.name;
  };

  test('the job ends, the instance runs on one node and the configuration says which', async () => {
    const c0 = vc.client();
    const id0 = await c0.submitJob([
      {
        OP_ID: 'OP_INSTANCE_CREATE',
        instance_name: 'mig',
        mode: 'create',
        disk_template: 'diskless',
        os_type: 'noop',
        pnode: 'node1',
        nics: [{mode: 'openvswitch', link: 'sw0'}],
        name_check: false,
        ip_check: false,
      },
    ]);
    assert.equal(await waitJob(c0, id0), 'success');
    c0.close();
    let interrupted = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const from = primaryInConfig();
      const target = vc.nodes.map((n) => n.name).filter((n) => n !== from)[round % 2]!;
      const c = vc.client();
      const id = await c.submitJob([{OP_ID: 'OP_INSTANCE_MIGRATE', instance_name: 'mig', target_node: target}]);
      c.close();
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 120)));
      await masterd.stop('SIGKILL');
      masterd = await vc.startMasterd(vc.master);
      const c2 = vc.client();
      const status = await waitJob(c2, id, 60_000);
      const [[result]] = (await c2.queryJobs([id], ['opresult'])) as [[unknown[]]];
      c2.close();
      if (status === 'error') {
        interrupted++;
        assert.deepEqual(result[0], ['OpExecError', ['Unclean master daemon shutdown']]);
      } else {
        assert.equal(status, 'success');
      }
      await waitFor(
        () => runningOn().length === 1 && runningOn()[0] === primaryInConfig(),
        15_000,
        `round ${round}: configuration matching the node the instance runs on`,
      );
    }
    process.stderr.write(`${ROUNDS} rounds, ${interrupted} migrations interrupted by kill -9\n`);
  });
});
