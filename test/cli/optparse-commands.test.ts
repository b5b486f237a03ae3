// The commands that are not LuxiCommands read their command line as the stock tools' optparse
// does too (src/cli/optparse-argv.ts optparseTokens): a negative number where an option may
// stand is an unknown option, long options abbreviate to a unique prefix, and usage errors exit
// with status 2 in optparse's words (the daemons' parsers print an untitled usage line).
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {BIN} from '../helpers/cluster.js';

const base = mkdtempSync(join(tmpdir(), 'ganeti-ts-optparse-'));
// A virtual cluster's node root ends in the node's name.
const root = join(base, 'node1');
mkdirSync(root);
const cli = (...args: string[]): {code: number | null; stdout: string; stderr: string} => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: {...process.env, GANETI_ROOTDIR: root, GANETI_HOSTNAME: 'node1'},
    encoding: 'utf8',
    input: '',
  });
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
};

describe('optparse rules for masterd, noded, cluster init and master-failover, job top', () => {
  after(() => rmSync(base, {recursive: true, force: true}));

  it('a negative number or an unknown option is a usage error, exit 2, nothing done', () => {
    for (const [args, prog, usage, option] of [
      [['job', 'top', '-5'], 'gnt-job', 'gnt-job top [--socket PATH] [--interval MS]', '-5'],
      [
        ['cluster', 'init', '-5'],
        'gnt-cluster',
        'gnt-cluster init [--master-node NODE] [--primary-ip IP] [--port N] [--master-netdev DEV] NAME',
        '-5',
      ],
      [['cluster', 'master-failover', '--bogus'], 'gnt-cluster', 'gnt-cluster master-failover [--no-voting [--yes-do-it]]', '--bogus'],
    ] as const) {
      const r = cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `Usage\n=====\n  ${usage}\n\n${prog}: error: no such option: ${option}\n`);
    }
    for (const [args, prog, usage, option] of [
      [['masterd', '-x'], 'ganeti-masterd', '[-f] [-d] [--no-voting [--yes-do-it]]', '-x'],
      [['noded', '-5'], 'ganeti-noded', '[-f] [-d] [-b ADDRESS] [-p PORT]', '-5'],
    ] as const) {
      const r = cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `Usage: ${prog} ${usage}\n\n${prog}: error: no such option: ${option}\n`);
    }
  });

  it('long options abbreviate to a unique prefix; an ambiguous one is a usage error', () => {
    // --int is --interval: the command gets as far as its terminal check.
    const top = cli('job', 'top', '--int', '100');
    assert.equal(top.code, 1);
    assert.match(top.stderr, /^gnt-job top needs a terminal/);
    const ambiguous = cli('cluster', 'init', '--mast', 'x', 'cluster.example.com');
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /gnt-cluster: error: ambiguous option: --mast \(--master-netdev, --master-node\?\)\n$/);
    // --master-no is --master-node: refused for naming another node, not as an option.
    const init = cli('cluster', 'init', '--master-no', 'node9', 'cluster.example.com');
    assert.equal(init.code, 1);
    assert.match(init.stderr, /The master node must be the node that runs "cluster init": this is node1, not node9/);
  });
});
