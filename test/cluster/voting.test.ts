// Master voting: the rule itself, then masterd on a five-node virtual cluster.
import assert from 'node:assert/strict';
import {chmodSync, writeFileSync} from 'node:fs';
import {after, before, describe, test} from 'node:test';
import {verifyMaster, type VotingOptions} from '../../src/daemon/voting.js';
import {VirtualCluster, waitFor, type Proc} from './virtual-cluster.js';

function vote(answers: Record<string, string | null | Array<string | null>>, extra: Partial<VotingOptions> = {}) {
  const rounds = new Map<string, number>();
  const lines: string[] = [];
  const result = verifyMaster({
    me: 'node1',
    localVote: 'node1',
    others: Object.keys(answers),
    ask: async (node) => {
      const round = rounds.get(node) ?? 0;
      rounds.set(node, round + 1);
      const a = answers[node];
      const v = Array.isArray(a) ? a[Math.min(round, a.length - 1)] : a;
      if (v === null || v === undefined) throw new Error('connection refused');
      return v;
    },
    retries: 2,
    intervalMs: 1,
    report: (l) => lines.push(l),
    ...extra,
  });
  return {result, lines, rounds};
}

describe('verifyMaster', () => {
  test('a strict majority of all nodes wins, counting the local vote', async () => {
    assert.deepEqual(await vote({node2: 'node1', node3: null}).result, {won: true});
    assert.deepEqual(await vote({}).result, {won: true});
  });

  test('every node is asked, and each answer is reported', async () => {
    const {result, lines} = vote({node2: 'NODE1', node3: null});
    assert.deepEqual(await result, {won: true});
    assert.deepEqual(lines.slice(0, 2), ['node node2: votes for node1', 'node node3: no answer (connection refused)']);
    assert.match(lines[2]!, /votes of 3 nodes \(round 1\): node1: 2, no answer: 1/);
  });

  test('lost at once when another node has the majority, naming it and the counts', async () => {
    const res = await vote({node2: 'node2', node3: 'node2', node4: 'node1', node5: 'node2'}).result;
    assert.deepEqual(res, {
      won: false,
      message: 'It seems we are not the master (top-voted node is node2 with 3 out of 5 votes; node1 has 2)',
    });
  });

  test('retries while silent nodes could still make it, then gives up with the counts', async () => {
    const {result, rounds} = vote({node2: 'node1', node3: null, node4: null, node5: null});
    const res = await result;
    assert.equal(res.won, false);
    assert.match((res as {message: string}).message, /after 3 rounds: 2 of 5 votes for node1, 3 nodes didn't answer/);
    assert.equal(rounds.get('node3'), 3);
  });

  test('a later round can win', async () => {
    assert.deepEqual(await vote({node2: [null, 'node1'], node3: [null, 'node1']}).result, {won: true});
  });
});

describe('masterd voting on a five-node virtual cluster', () => {
  let vc: VirtualCluster;
  let nodeds: Map<string, Proc>;

  before(async () => {
    vc = await VirtualCluster.create(5);
    const procs = await vc.startNodeds(vc.nodes.slice(1));
    nodeds = new Map(procs.map((p, i) => [vc.nodes[i + 1]!.name, p]));
  });

  after(async () => {
    await vc.cleanup();
  });

  const refusingMasterd = () => vc.runToExit(vc.master, ['masterd', '-f', '-d', '--shutdown-linger', '0', '--voting-retries', '0']);

  test("the votes pass; -d prints every node's answer", async () => {
    const m = await vc.startMasterd(vc.master, ['-d', '--voting-retries', '0']);
    for (const n of ['node2', 'node3', 'node4', 'node5']) assert.match(m.output(), new RegExp(`node ${n}: votes for node1`));
    assert.match(m.output(), /votes of 5 nodes \(round 1\): node1: 5/);
    // Its first act is to bring the candidates up to date; let that finish before the next test.
    await waitFor(() => (m.output().match(/job queue of master candidate resynchronised/g) ?? []).length === 4, 10_000, 'resync');
    assert.equal(await m.stop(), 0);
  });

  test('nodes that answer another master make masterd refuse', async () => {
    const fake = vc.nodes.slice(1, 4);
    for (const n of fake) {
      chmodSync(n.paths.ssconf('master_node'), 0o644);
      writeFileSync(n.paths.ssconf('master_node'), 'node2\n');
    }
    try {
      const m = await refusingMasterd();
      assert.equal(m.code, 1, m.output);
      assert.match(m.output, /It seems we are not the master \(top-voted node is node2 with 3 out of 5 votes; node1 has 2\)/);
    } finally {
      for (const n of fake) writeFileSync(n.paths.ssconf('master_node'), 'node1\n');
    }
  });

  test('with 3 of 5 node daemons stopped masterd refuses with the counts', async () => {
    await Promise.all(['node3', 'node4', 'node5'].map((n) => nodeds.get(n)!.stop()));
    const m = await refusingMasterd();
    assert.equal(m.code, 1, m.output);
    assert.match(m.output, /node node3: no answer \(connect ECONNREFUSED/);
    assert.match(m.output, /Couldn't gather voting results of enough nodes after 1 rounds: 2 of 5 votes for node1, 3 nodes didn't answer/);
  });

  test('--no-voting --yes-do-it starts anyway', async () => {
    const m = await vc.startMasterd(vc.master, ['--no-voting', '--yes-do-it']);
    assert.doesNotMatch(m.output(), /votes of/);
    assert.equal(await m.stop(), 0);
  });
});
