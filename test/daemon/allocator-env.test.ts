// The daemons' allocator setting (docs/luxi.md, "Sockets and messages"): glibc reads it at
// process start only, so the detached daemon must be started with it in its environment.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {makeNode, REPO, runCli, waitFor} from '../helpers/cluster.js';

describe('allocator setting of a detached daemon', () => {
  it('the detached daemon of the `ganeti-masterd` alias maps read buffers on their own (MALLOC_MMAP_THRESHOLD_)', async () => {
    const node = await makeNode();
    delete node.env.MALLOC_MMAP_THRESHOLD_;
    try {
      const r = await runCli(node, [], {bin: join(REPO, 'bin', 'ganeti-masterd.js')});
      assert.equal(r.code, 0, r.stderr);
      await waitFor(() => existsSync(node.paths.masterdPidFile));
      const pid = Number(readFileSync(node.paths.masterdPidFile, 'utf8').trim());
      try {
        const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        assert.ok(env.includes('MALLOC_MMAP_THRESHOLD_=32768'), 'the daemon was started with the setting');
      } finally {
        process.kill(pid, 'SIGTERM');
        await waitFor(() => !existsSync(`/proc/${pid}`), 15_000, 'masterd to exit');
      }
    } finally {
      node.cleanup();
    }
  });
});
