import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {BIN, BIN_NODE_ARGS, makeNode, runCli, waitFor, type TestNode} from '../helpers/cluster.js';

/** Runs masterd --no-voting under a pseudo-terminal (script(1)) and answers its prompt. */
function underPty(node: TestNode, answer: string): {done: Promise<number | null>; output(): string; kill(): void} {
  const cmd = `${process.execPath} ${BIN_NODE_ARGS.join(' ')} ${BIN} masterd -f --no-voting --shutdown-linger 0`;
  const proc = spawn('script', ['-qec', cmd, '/dev/null'], {env: {...node.env, CI: 'false'}, stdio: ['pipe', 'pipe', 'pipe']});
  let out = '';
  let answered = false;
  const onData = (d: Buffer): void => {
    out += d.toString();
    if (!answered && out.includes('Type YES')) {
      answered = true;
      proc.stdin.write(`${answer}\r`);
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  return {
    done: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
    output: () => out,
    kill: () => proc.kill('SIGTERM'),
  };
}

describe('masterd --no-voting', () => {
  it('starts after an interactive YES, and refuses anything else', async () => {
    const node = await makeNode();
    try {
      const yes = underPty(node, 'YES');
      await waitFor(() => existsSync(node.paths.querySocket), 15_000, 'masterd to serve after YES');
      assert.match(yes.output(), /two masters|overwrite each other/);
      // Stop that daemon itself and wait until it has gone (socket and pid file removed):
      // killing script(1) alone leaves it shutting down while the next run is checked.
      process.kill(Number(readFileSync(node.paths.masterdPidFile, 'utf8').trim()), 'SIGTERM');
      await waitFor(
        () => !existsSync(node.paths.masterdPidFile) && !existsSync(node.paths.querySocket),
        15_000,
        'the first masterd to exit',
      );
      yes.kill();
      await yes.done;

      const no = underPty(node, 'yes');
      assert.equal(await no.done, 1);
      assert.match(no.output(), /Aborting\./);
      assert.ok(!existsSync(node.paths.querySocket));
    } finally {
      node.cleanup();
    }
  });

  it('refuses without a terminal unless --yes-do-it is given', async () => {
    const node = await makeNode();
    try {
      const res = await runCli(node, ['masterd', '-f', '--no-voting'], {input: 'YES\n'});
      assert.equal(res.code, 1);
      assert.match(res.stderr, /not a terminal.*--yes-do-it/s);
      const detached = await runCli(node, ['masterd', '--no-voting', '--yes-do-it']);
      assert.equal(detached.code, 0, detached.stderr);
      await waitFor(() => existsSync(node.paths.masterdPidFile));
      const again = await runCli(node, ['masterd', '--no-voting', '--yes-do-it']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /Error when starting daemon process: .*held by a running daemon/);
      process.kill(Number(readFileSync(node.paths.masterdPidFile, 'utf8').trim()), 'SIGTERM');
      await waitFor(() => !existsSync(node.paths.masterdPidFile));
    } finally {
      node.cleanup();
    }
  });

  it('refuses to start on a node that is not the master', async () => {
    const node = await makeNode();
    try {
      const res = await runCli(node, ['masterd', '-f'], {
        env: {GANETI_HOSTNAME: 'node9', GANETI_ROOTDIR: node.root.replace(/node1$/, 'node9')},
      });
      assert.equal(res.code, 12, 'no configuration on that root');
      const cfg = JSON.parse(readFileSync(node.paths.configFile, 'utf8')) as {nodes: Record<string, {name: string}>};
      for (const n of Object.values(cfg.nodes)) n.name = 'node2';
      writeFileSync(node.paths.configFile, JSON.stringify(cfg));
      const other = await runCli(node, ['masterd', '-f']);
      assert.equal(other.code, 11);
      assert.match(other.stderr, /not the master node of cluster cluster\.example\.com: the master is node2/);
    } finally {
      node.cleanup();
    }
  });
});
