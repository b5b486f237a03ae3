// `ganeti job top` on a pseudo-terminal (tmux) against the real daemon.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {BIN, REPO, delayOp, makeNode, runCli, startDaemon, waitFor, type Daemon, type TestNode} from '../helpers/cluster.js';

/** The tmux server's socket, in the test's temporary directory. */
let tmuxSocket = '';
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-S', tmuxSocket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
const screen = (): string => tmux('capture-pane', '-p', '-t', 'top');
const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

async function waitScreen(pattern: RegExp, what: string, timeoutMs = 5000): Promise<string> {
  let last = '';
  try {
    await waitFor(() => pattern.test((last = screen())), timeoutMs, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}; screen:\n${last}`);
  }
  return last;
}

async function press(...keys: string[]): Promise<void> {
  for (const key of keys) {
    tmux('send-keys', '-t', 'top', key);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe('gnt-job top on a terminal', () => {
  let node: TestNode;
  let daemon: Daemon;
  let exitFile: string;

  before(async () => {
    node = await makeNode();
    daemon = await startDaemon(node, ['--max-running-jobs', '1']);
    exitFile = join(node.base, 'top.exit');
    tmuxSocket = join(node.base, 'tmux.sock');
    const env = ['CI=false', `GANETI_ROOTDIR=${node.root}`, `GANETI_HOSTNAME=${node.paths.hostname}`].map(quote).join(' ');
    const command = `env ${env} ${quote(process.execPath)} ${quote(BIN)} job top --socket ${quote(node.paths.masterSocket)}; echo $? > ${quote(exitFile)}`;
    tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'top', command);
  });

  after(async () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone with its last session
    }
    await daemon.stop();
    node.cleanup();
  });

  it('shows the cluster, follows the daemon going away and coming back', async () => {
    await waitScreen(/cluster\.example\.com master node1 {2}daemon: connected {2}queue: open/, 'header', 8000);
    assert.match(screen(), /\(no jobs\)/);
    await daemon.stop();
    await waitScreen(/daemon: UNREACHABLE, retrying \(Cannot communicate with the master daemon/, 'unreachable');
    daemon = await startDaemon(node, ['--max-running-jobs', '1']);
    await waitScreen(/daemon: connected/, 'reconnected');
  });

  it('shows jobs changing state, cancels one and shows the details of another', async () => {
    const c = daemon.client();
    const [a, b, d] = [await c.submitJob([delayOp(1.5)]), await c.submitJob([delayOp(1)]), await c.submitJob([delayOp(1)])];
    const row = (id: number, status: string): RegExp => new RegExp(`^ ${id} ${status} `, 'm');
    await waitScreen(row(a, 'running'), 'first job running');
    let s = await waitScreen(row(d, 'queued'), 'third job queued');
    assert.match(s, row(b, 'queued'));
    assert.match(s, /3 jobs: queued 2 waiting 0 canceling 0 running 1/);

    // The newest job is selected.
    await press('c');
    await waitScreen(new RegExp(`Cancel job ${d} \\(queued, TEST_DELAY\\(1\\.0\\)\\)\\? y/N`), 'confirmation');
    await press('y');
    s = await waitScreen(row(d, 'canceled'), 'canceled');
    assert.match(s, new RegExp(`Cancel job ${d}: Dequeued job ${d}`));

    await press('j', 'Enter');
    await waitScreen(new RegExp(`│ Job ${b} queued`), 'details of the second job');

    // How long a change on the daemon takes to reach the screen.
    const w = daemon.client();
    let prev: unknown[] | null = null;
    while (prev?.[0] !== 'success') {
      const res = await w.waitForJobChange(a, ['status'], prev, null, 10);
      if (res !== 'nochange') prev = res[0];
    }
    const t = performance.now();
    await waitScreen(row(a, 'success'), 'first job done', 2000);
    console.log(`# job end to screen: ${(performance.now() - t).toFixed(0)} ms (default --interval, 10 frames/s)`);

    s = await waitScreen(new RegExp(`│ Job ${b} running`), 'second job running in the details');
    assert.match(s, /#1 running {3}TEST_DELAY\(1\.0\)/);
    s = await waitScreen(new RegExp(`│ Job ${b} success`), 'second job done in the details');
    assert.match(s, /#1 success {3}TEST_DELAY\(1\.0\)/);
    await waitScreen(/3 jobs: queued 0 waiting 0 canceling 0 running 0 success 2 error 0 canceled 1/, 'final counts', 1000);
  });

  it('quits on q with exit code 0', async () => {
    await press('q');
    // The shell creates the file before it writes the status into it.
    await waitFor(() => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '', 3000, 'top to exit');
    assert.equal(readFileSync(exitFile, 'utf8').trim(), '0');
  });

  it('loads ink and react only when it runs: every gnt-job command loads the module', () => {
    const script =
      "import {createRequire} from 'node:module';" +
      "await import('./dist/commands/job/top.js');" +
      "const loaded = Object.keys(createRequire(import.meta.url).cache);" +
      "console.log(loaded.filter((f) => /node_modules\\/(react|ink|yoga)/.test(f)).length, loaded.length);";
    const [ui, all] = execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: REPO, encoding: 'utf8'})
      .trim()
      .split(' ')
      .map(Number);
    assert.ok(all! > 0, 'the check sees CommonJS modules');
    assert.equal(ui, 0);
  });

  it('refuses to run without a terminal', async () => {
    const res = await runCli(node, ['job', 'top']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /gnt-job top needs a terminal/);
    assert.match(res.stderr, /gnt-job list/);
    assert.equal(res.stdout, '');
  });
});
