// The replication streams against a recording fake of the node RPC client: batching, order,
// the fallback for node daemons without the batch procedure, and resynchronisation.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {pino} from 'pino';
import {QueueReplicator, type QueueSnapshot} from '../../src/daemon/queue-replicator.js';
import {resolvePaths} from '../../src/paths.js';
import {RpcError, type NodeRpcClient} from '../../src/rpc/client.js';
import {waitFor} from './virtual-cluster.js';

const paths = resolvePaths({GANETI_ROOTDIR: '/vc/node1', GANETI_HOSTNAME: 'node1'});
const q = (name: string): string => `/vc/node1/var/lib/ganeti/queue/${name}`;
const v = (name: string): string => `/###-VIRTUAL-PATH-###,/var/lib/ganeti/queue/${name}`;

interface Call {
  node: string;
  procedure: string;
  args: unknown[];
}

function fakeRpc(answer: (c: Call) => unknown = () => null): {rpc: NodeRpcClient; calls: Call[]} {
  const calls: Call[] = [];
  const rpc = {
    call: async (node: string, procedure: string, args: unknown[]) => {
      const c = {node, procedure, args};
      calls.push(c);
      await new Promise((r) => setTimeout(r, 5));
      return answer(c);
    },
  } as unknown as NodeRpcClient;
  return {rpc, calls};
}

const snapshot = (): QueueSnapshot => ({
  files: [
    [q('serial'), '7\n'],
    [q('job-7'), 'seven'],
  ],
  drained: false,
});

async function started(rpc: NodeRpcClient, nodes: string[]): Promise<QueueReplicator> {
  const r = new QueueReplicator(rpc, paths, pino({level: 'silent'}), snapshot);
  r.setCandidates(nodes);
  r.start();
  await waitFor(() => r.downNodes.length === 0, 5000, 'initial resync');
  return r;
}

test('a new candidate is resynchronised: purge, every file, drain flag', async () => {
  const {rpc, calls} = fakeRpc();
  const r = await started(rpc, ['node2']);
  assert.deepEqual(
    calls.map((c) => c.procedure),
    ['jobqueue_purge', 'jobqueue_update_many', 'jobqueue_set_drain_flag'],
  );
  assert.deepEqual(calls[1]!.args, [
    [
      [v('serial'), [0, '7\n']],
      [v('job-7'), [0, 'seven']],
    ],
  ]);
  r.stop();
});

test('writes are batched per candidate, the newest content wins, order is kept', async () => {
  const {rpc, calls} = fakeRpc();
  const r = await started(rpc, ['node2', 'node3']);
  calls.length = 0;
  r.written(q('job-8'), 'queued');
  r.written(q('serial'), '8\n');
  r.written(q('job-8'), 'success');
  r.renamed([[q('job-8'), q('archive/0/job-8')]]);
  r.drainChanged(true);
  r.written(q('job-9'), 'x'.repeat(5000));
  assert.ok(await r.idle(5000));
  for (const node of ['node2', 'node3']) {
    const mine = calls.filter((c) => c.node === node);
    assert.deepEqual(
      mine.map((c) => c.procedure),
      ['jobqueue_update_many', 'jobqueue_rename', 'jobqueue_set_drain_flag', 'jobqueue_update_many'],
    );
    assert.deepEqual(mine[0]!.args, [
      [
        [v('job-8'), [0, 'success']],
        [v('serial'), [0, '8\n']],
      ],
    ]);
    assert.deepEqual(mine[1]!.args, [[[v('job-8'), v('archive/0/job-8')]]]);
    const [[[, big]]] = mine[3]!.args as [[[string, [number, string]]]];
    assert.equal(big[0], 1, 'large files travel compressed');
  }
  r.stop();
});

test('a node daemon without the batch procedure gets one jobqueue_update per file', async () => {
  const {rpc, calls} = fakeRpc((c) => {
    if (c.procedure === 'jobqueue_update_many') throw new RpcError('HTTP 404: Not Found', 404);
    return null;
  });
  const r = await started(rpc, ['node2']);
  calls.length = 0;
  r.written(q('job-8'), 'a');
  r.written(q('job-9'), 'b');
  assert.ok(await r.idle(5000));
  assert.deepEqual(
    calls.map((c) => [c.procedure, c.args[0]]),
    [
      ['jobqueue_update', v('job-8')],
      ['jobqueue_update', v('job-9')],
    ],
  );
  r.stop();
});

test('a failing candidate does not hold up the others and is resynchronised later', async () => {
  let node3Down = false;
  const {rpc, calls} = fakeRpc((c) => {
    if (c.node === 'node3' && node3Down) throw new RpcError('connect ECONNREFUSED');
    return null;
  });
  const r = await started(rpc, ['node2', 'node3']);
  node3Down = true;
  calls.length = 0;
  r.written(q('job-8'), 'a');
  await waitFor(() => r.downNodes.includes('node3'), 5000, 'node3 to be marked down');
  r.written(q('job-9'), 'b');
  assert.ok(await r.idle(5000), 'the reachable candidate is served');
  assert.equal(calls.filter((c) => c.node === 'node2').length, 2);
  node3Down = false;
  await waitFor(() => r.downNodes.length === 0, 5000, 'node3 to be resynchronised');
  const node3 = calls.filter((c) => c.node === 'node3').map((c) => c.procedure);
  assert.deepEqual(node3.slice(-3), ['jobqueue_purge', 'jobqueue_update_many', 'jobqueue_set_drain_flag']);
  r.stop();
});
