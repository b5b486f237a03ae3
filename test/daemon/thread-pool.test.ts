import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {delimiter, dirname, join} from 'node:path';
import {describe, it} from 'node:test';
import {DAEMON_NODE_ARGS} from '../../src/process/detach.js';
import {delayOp, makeNode, REPO, runCli, shebangNodeArgs, startMasterd, waitFor, waitJob} from '../helpers/cluster.js';
import {mapLimit} from '../gnt-job/fixture.js';

// libuv's pool starts its threads all at once on first use, with the size it reads from the
// environment then: 4 by default (11 threads in all), 32 as the daemons need (39 or more).
const POOL_THREADS = 32 + 3;
const threads = (pid: number): number => readdirSync(`/proc/${pid}/task`).length;
/** The Node options a process runs with: the words of its command line before the script. */
const nodeOptions = (pid: number): string[] => {
  const words = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return words.slice(
    1,
    words.findIndex((w) => w.startsWith(join(REPO, 'bin'))),
  );
};

describe('I/O thread pool of a daemon started as shipped', () => {
  it('`ganeti masterd -f` without UV_THREADPOOL_SIZE in the environment runs 32 I/O threads', async () => {
    const node = await makeNode();
    delete node.env.UV_THREADPOOL_SIZE;
    try {
      const d = await startMasterd(node);
      try {
        const c = d.client();
        assert.equal(await waitJob(c, await c.submitJob([delayOp(0)])), 'success');
        assert.ok(threads(d.pid()) >= POOL_THREADS, `${threads(d.pid())} threads`);
      } finally {
        await d.stop();
      }
    } finally {
      node.cleanup();
    }
  });

  it('every binary in bin/ starts (CommonJS, see bin/package.json)', async () => {
    const node = await makeNode('node1', false);
    try {
      const names = readdirSync(join(REPO, 'bin')).filter((f) => f !== 'package.json');
      const results = await mapLimit(names, 4, (name) => runCli(node, ['--help'], {bin: join(REPO, 'bin', name)}));
      for (const [i, r] of results.entries()) {
        assert.equal(r.code, 0, `${names[i]}: ${r.stderr}`);
        assert.match(r.stdout, /usage/i, names[i]);
      }
    } finally {
      node.cleanup();
    }
  });

  // V8 sizes its young generation at process start only (docs/architecture.md, "Memory").
  it("the daemons and `ganeti` start node with the daemons' options from their #! line", async () => {
    for (const name of ['ganeti.js', 'ganeti', 'ganeti-masterd.js', 'ganeti-masterd', 'ganeti-noded.js', 'ganeti-noded']) {
      assert.deepEqual(shebangNodeArgs(join(REPO, 'bin', name)), DAEMON_NODE_ARGS, name);
    }
    const node = await makeNode();
    try {
      // Run as a program, as systemd's ExecStart does: env(1) reads the #! line and finds node on PATH.
      const env = {...node.env, PATH: `${dirname(process.execPath)}${delimiter}${node.env.PATH ?? ''}`};
      const proc = spawn(join(REPO, 'bin', 'ganeti-masterd'), ['-f', '--shutdown-linger', '0'], {env, stdio: 'ignore'});
      const exited = new Promise((resolve) => proc.on('exit', resolve));
      try {
        await waitFor(() => existsSync(node.paths.masterdPidFile));
        assert.deepEqual(nodeOptions(proc.pid!), DAEMON_NODE_ARGS);
      } finally {
        proc.kill('SIGTERM');
        await exited;
      }
    } finally {
      node.cleanup();
    }
  });

  // glibc reads MALLOC_MMAP_THRESHOLD_ at process start only (docs/luxi.md, "Sockets and messages").
  it('the detached daemon of the `ganeti-masterd` alias runs 32 I/O threads and maps read buffers on their own', async () => {
    const node = await makeNode();
    delete node.env.UV_THREADPOOL_SIZE;
    delete node.env.MALLOC_MMAP_THRESHOLD_;
    try {
      const r = await runCli(node, [], {bin: join(REPO, 'bin', 'ganeti-masterd.js')});
      assert.equal(r.code, 0, r.stderr);
      await waitFor(() => existsSync(node.paths.masterdPidFile));
      const pid = Number(readFileSync(node.paths.masterdPidFile, 'utf8').trim());
      try {
        assert.ok(threads(pid) >= POOL_THREADS, `${threads(pid)} threads`);
        const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        assert.ok(env.includes('MALLOC_MMAP_THRESHOLD_=32768'), 'the daemon was started with the allocator setting');
        assert.deepEqual(nodeOptions(pid), DAEMON_NODE_ARGS);
      } finally {
        process.kill(pid, 'SIGTERM');
        await waitFor(() => !existsSync(`/proc/${pid}`), 15_000, 'masterd to exit');
      }
    } finally {
      node.cleanup();
    }
  });
});
