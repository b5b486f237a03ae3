// The man pages of the node daemon and of gnt-cluster / gnt-node are valid roff.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {test} from 'node:test';
import {REPO} from './virtual-cluster.js';

const haveGroff = spawnSync('groff', ['--version']).status === 0;

for (const page of ['ganeti-noded.8', 'gnt-cluster.8', 'gnt-debug.8', 'gnt-node.8', 'gnt-instance.8']) {
  test(`man/${page} has no groff warnings`, {skip: !haveGroff && 'groff is not installed'}, () => {
    const res = spawnSync('groff', ['-man', '-ww', '-z', join(REPO, 'man', page)], {encoding: 'utf8'});
    assert.equal(res.status, 0);
    assert.equal(res.stderr, '');
  });
}
