// The acceptance checks of the instance lifecycle with our gnt-instance: the same
// checks, the same expected bytes as the stock client's (see ../helpers/instance-acceptance.ts).
import {after, before, describe, test} from 'node:test';
import type {Proc, VirtualCluster} from '../cluster/virtual-cluster.js';
import {acceptance, startInstanceCluster, ourGntInstance} from '../helpers/instance-acceptance.js';

describe('our gnt-instance against a three-node virtual cluster', () => {
  let vc: VirtualCluster;
  let nodeds: Map<string, Proc>;
  before(async () => {
    ({vc, nodeds} = await startInstanceCluster());
  });
  after(async () => {
    await vc.cleanup();
  });

  test('the acceptance checks of the instance lifecycle pass', async () => {
    await acceptance(vc, ourGntInstance, nodeds);
  });
});
