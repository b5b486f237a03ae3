// The acceptance checks of the instance lifecycle with the stock Ganeti 3.0 gnt-instance,
// unchanged, against our daemons (see ../helpers/instance-acceptance.ts).
import {after, before, describe, test} from 'node:test';
import type {Proc, VirtualCluster} from '../cluster/virtual-cluster.js';
import {acceptance, startInstanceCluster, stockGntInstance, stockSkip} from '../helpers/instance-acceptance.js';

describe('stock gnt-instance against a three-node virtual cluster', {skip: stockSkip}, () => {
  let vc: VirtualCluster;
  let nodeds: Map<string, Proc>;
  before(async () => {
    ({vc, nodeds} = await startInstanceCluster());
  });
  after(async () => {
    await vc.cleanup();
  });

  test('the acceptance checks of the instance lifecycle pass', async () => {
    await acceptance(vc, stockGntInstance, nodeds);
  });
});
