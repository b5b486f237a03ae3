import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {pino} from 'pino';
import {initCluster} from '../../src/cluster/cluster-init.js';
import {readConfig} from '../../src/config/config.js';
import {ConfigWriter} from '../../src/daemon/config-writer.js';
import {resolvePaths} from '../../src/paths.js';

describe('configuration writer', () => {
  it('changes made together are all applied in order; one that throws leaves nothing behind', async () => {
    const base = mkdtempSync(join(tmpdir(), 'ganeti-ts-cw-'));
    try {
      const paths = resolvePaths({GANETI_ROOTDIR: join(base, 'node1'), GANETI_HOSTNAME: 'node1'});
      const cfg = await initCluster(paths, {clusterName: 'c.example.com', primaryIp: '127.0.0.1', certificate: false});
      const w = new ConfigWriter(paths, cfg, pino({level: 'silent'}), null);
      const tag =
        (t: string) =>
        (c: typeof cfg): void => {
          c.cluster.tags = [...((c.cluster.tags as string[] | undefined) ?? []), t];
        };
      const results = await Promise.allSettled([
        w.update(tag('a')),
        w.update(tag('b')),
        w.update((c) => {
          tag('broken')(c);
          throw new Error('refused');
        }),
        w.update(tag('c')),
        w.update(tag('d')),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      assert.equal((results[2] as PromiseRejectedResult).reason.message, 'refused');
      assert.deepEqual(w.current.cluster.tags, ['a', 'b', 'c', 'd']);
      assert.equal(w.current.serial_no, cfg.serial_no + 4);
      const onDisk = await readConfig(paths.configFile);
      assert.deepEqual(onDisk.cluster.tags, ['a', 'b', 'c', 'd']);
      assert.equal(onDisk.serial_no, w.current.serial_no);
      // Each caller sees a configuration that contains its own change.
      const last = await w.update(tag('e'));
      assert.deepEqual(last.cluster.tags, ['a', 'b', 'c', 'd', 'e']);
      assert.equal(readFileSync(paths.ssconf('cluster_name'), 'utf8'), 'c.example.com\n');
    } finally {
      rmSync(base, {recursive: true, force: true});
    }
  });
});
