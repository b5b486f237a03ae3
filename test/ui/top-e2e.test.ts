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
const screen = (session = 'top'): string => tmux('capture-pane', '-p', '-t', session);
const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

async function waitScreen(pattern: RegExp, what: string, timeoutMs = 10_000, session = 'top'): Promise<string> {
  let last = '';
  try {
    await waitFor(
      () => {
        last = screen(session);
        return pattern.test(last);
      },
      timeoutMs,
      what,
    );
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

  /** `top` in a shell that says BEFORE-TOP first: seeing it again means the alternate screen was left. */
  const topCommand = (exit: string, stdin = '', extraEnv: string[] = []): string => {
    // CI=false for ink (else it draws only the last frame); the colour library sees any CI
    // variable as "no colours", so FORCE_COLOR=1 brings them back.
    const env = ['FORCE_COLOR=1', ...extraEnv, 'CI=false', `GANETI_ROOTDIR=${node.root}`, `GANETI_HOSTNAME=${node.paths.hostname}`]
      .map(quote)
      .join(' ');
    return `echo BEFORE-TOP; env ${env} ${quote(process.execPath)} ${quote(BIN)} job top --socket ${quote(node.paths.masterSocket)}${stdin}; echo $? > ${quote(exit)}; exec sleep 600`;
  };
  const exitStatus = async (file: string): Promise<string> => {
    // The shell creates the file before it writes the status into it.
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').trim() !== '', 5000, 'top to exit');
    return readFileSync(file, 'utf8').trim();
  };

  before(async () => {
    node = await makeNode();
    daemon = await startDaemon(node, ['--max-running-jobs', '1']);
    exitFile = join(node.base, 'top.exit');
    tmuxSocket = join(node.base, 'tmux.sock');
    tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'top', topCommand(exitFile));
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
    await waitScreen(/cluster\.example\.com master node1 {2}daemon: connected {2}queue: open/, 'header', 20_000);
    assert.match(screen(), /\(no jobs\)/);
    assert.match(tmux('capture-pane', '-p', '-e', '-t', 'top'), /\x1b\[[0-9;]*m/, 'colours without NO_COLOR');
    await daemon.stop();
    await waitScreen(/daemon: UNREACHABLE, retrying \(Cannot communicate with the master daemon/, 'unreachable');
    daemon = await startDaemon(node, ['--max-running-jobs', '1']);
    await waitScreen(/daemon: connected/, 'reconnected', 10_000);
  });

  it('shows jobs changing state, cancels one and shows the details of another', async () => {
    const c = daemon.client();
    const [a, b, d] = [await c.submitJob([delayOp(3)]), await c.submitJob([delayOp(1)]), await c.submitJob([delayOp(1)])];
    const row = (id: number, status: string): RegExp => new RegExp(`^[> ][* ] *${id} ${status} `, 'm');
    await waitScreen(row(a, 'running'), 'first job running');
    let s = await waitScreen(row(d, 'queued'), 'third job queued');
    assert.match(s, row(b, 'queued'));
    assert.match(s, /3 jobs: queued 2 waiting 0 canceling 0 running 1/);

    // The newest job is selected.
    await press('c');
    await waitScreen(new RegExp(`Cancel job ${d} \\(queued, TEST_DELAY\\(1\\.0\\)\\)\\? y/N`), 'confirmation');
    await press('y');
    await waitScreen(row(d, 'canceled'), 'canceled');
    await waitScreen(new RegExp(`Cancel job ${d}: Dequeued job ${d}`), 'the answer to the cancel');

    await press('j', 'Enter');
    // On a loaded machine the job may have gone on already.
    await waitScreen(new RegExp(`^Job ${b} (queued|running|success)`, 'm'), 'job view of the second job');

    // How long a change on the daemon takes to reach the screen.
    const w = daemon.client();
    let prev: unknown[] | null = null;
    while (prev?.[0] !== 'success') {
      const res = await w.waitForJobChange(a, ['status'], prev, null, 10);
      if (res !== 'nochange') prev = res[0];
    }
    const t = performance.now();
    // The job view covers the list; the header's counts show the change.
    await waitScreen(/ success [12] error 0 canceled 1/, 'first job done');
    console.log(`# job end to screen: ${(performance.now() - t).toFixed(0)} ms (default --interval, 10 frames/s)`);

    s = await waitScreen(new RegExp(`^Job ${b} success`, 'm'), 'second job done in the job view');
    assert.match(s, /Opcode 1\/1 {2}success {2}TEST_DELAY\(1\.0\)/);
    assert.match(s, /duration = 1/);
    await waitScreen(/3 jobs: queued 0 waiting 0 canceling 0 running 0 success 2 error 0 canceled 1/, 'final counts');
    await press('Escape');
    s = await waitScreen(new RegExp(`^> +${b} success`, 'm'), 'back in the list, the job still selected');
  });

  it('shows a failed job whole at 80×24 and shrinks to 40×10 without debris; Ctrl-Z, fg and Ctrl-L', async () => {
    const failed = await daemon.client().submitJob([{OP_ID: 'OP_TEST_JQUEUE', fail: true}]);
    tmux('resize-window', '-t', 'top', '-x', '80', '-y', '24');
    // Escape and g read together are one key, Alt-g, on a busy machine: the list must be back
    // (with the new job in it) before g goes to the top.
    await press('Escape');
    await waitScreen(new RegExp(`^[> ] +${failed} error`, 'm'), 'failed job listed');
    await press('g');
    await waitScreen(new RegExp(`^> +${failed} error`, 'm'), 'failed job listed and selected');
    await press('Enter');
    let s = await waitScreen(/error: Failure: command execution error:\n +Opcode failure was requested/, 'the whole error');
    assert.match(s.trimEnd().split('\n').at(-1)!, /\? help {2}q quit$/, 'key bar at 80×24');
    tmux('resize-window', '-t', 'top', '-x', '40', '-y', '10');
    s = await waitScreen(new RegExp(`^Job ${failed} error`, 'm'), 'job view at 40×10');
    const lines = s.split('\n');
    assert.match(lines[8]!, /\? help {2}q quit$/, s);
    assert.equal(lines[9]!.trim(), '', `nothing under the frame:\n${s}`);
    await press('Escape');
    tmux('resize-window', '-t', 'top', '-x', '120', '-y', '40');
    await waitScreen(/cluster\.example\.com master node1/, 'list at 120×40');

    await press('C-z');
    await waitScreen(/BEFORE-TOP/, 'the shell screen while suspended');
    const panePid = tmux('display-message', '-p', '-t', 'top', '#{pane_pid}').trim();
    const topPid = execFileSync('ps', ['-o', 'pid=', '--ppid', panePid], {encoding: 'utf8'}).trim();
    process.kill(Number(topPid), 'SIGCONT');
    await waitScreen(/cluster\.example\.com master node1 {2}daemon: connected/, 'back after SIGCONT');
    assert.doesNotMatch(screen(), /BEFORE-TOP/);
    await press('C-l');
    await waitScreen(/cluster\.example\.com master node1 {2}daemon: connected/, 'redrawn after Ctrl-L');
  });

  it('quits on Ctrl-C with exit status 130 and gives the screen back', async () => {
    await press('C-c');
    assert.equal(await exitStatus(exitFile), '130');
    await waitScreen(/BEFORE-TOP/, 'the shell screen again');
  });

  it('without a terminal on stdin and with NO_COLOR: no keys, no colour, and Ctrl-C (SIGINT) restores the screen and exits 130', async () => {
    const exit2 = join(node.base, 'top2.exit');
    tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', 'nokeys', topCommand(exit2, ' < /dev/null', ['NO_COLOR=1']));
    await waitScreen(/keys are off: standard input is not a terminal/, 'keys off', 20_000, 'nokeys');
    await waitScreen(/daemon: connected/, 'connected', 10_000, 'nokeys');
    // -e keeps the colours and attributes: there must be none.
    const styled = tmux('capture-pane', '-p', '-e', '-t', 'nokeys');
    assert.doesNotMatch(styled, /\x1b\[[0-9;]*m/, JSON.stringify(styled.slice(0, 300)));
    tmux('send-keys', '-t', 'nokeys', 'C-c');
    assert.equal(await exitStatus(exit2), '130');
    await waitScreen(/BEFORE-TOP/, 'the shell screen again', 5000, 'nokeys');
    assert.doesNotMatch(screen('nokeys'), /keys are off/);
  });

  it('loads ink and react only when it runs: every gnt-job command loads the module', () => {
    const script =
      "import {createRequire} from 'node:module';" +
      "await import('./dist/commands/job/top.js');" +
      'const loaded = Object.keys(createRequire(import.meta.url).cache);' +
      'console.log(loaded.filter((f) => /node_modules\\/(react|ink|yoga)/.test(f)).length, loaded.length);';
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
