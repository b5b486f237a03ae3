// The small state files (config.data, ssconf, serial, ...) on a full disk: the write fails and
// the previous content stays, never a truncated file reported as written.
import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {writeFileDurable, writeFilesDurable} from '../../src/durable/files.js';
import {isRoot, mountTmpfs} from '../reliability/helpers.js';

describe('durable small-file writes', () => {
  it('replace a file with the given mode and leave no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-files-'));
    try {
      const p = join(dir, 'config.data');
      await writeFileDurable(p, 'one', 0o600);
      await writeFilesDurable([
        {path: p, content: 'two', mode: 0o640},
        {path: join(dir, 'ssconf_master_node'), content: 'node1\n', mode: 0o644},
      ]);
      assert.equal(readFileSync(p, 'utf8'), 'two');
      assert.equal(statSync(p).mode & 0o777, 0o640);
      assert.deepEqual(readdirSync(dir).sort(), ['config.data', 'ssconf_master_node']);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('on a full disk reject and keep the previous content', {skip: !isRoot && 'needs root to mount a tmpfs'}, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-files-full-'));
    const unmount = mountTmpfs(dir, '64k');
    try {
      const p = join(dir, 'config.data');
      await writeFileDurable(p, 'previous', 0o600);
      const big = 'x'.repeat(200_000);
      await assert.rejects(writeFileDurable(p, big, 0o600), /ENOSPC/);
      assert.equal(readFileSync(p, 'utf8'), 'previous');
      assert.deepEqual(readdirSync(dir), ['config.data']);
    } finally {
      unmount();
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
