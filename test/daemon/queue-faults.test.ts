// The queue over a disk that fails, in-process: the durable writer's fault hook makes job-file
// writes fail as a full disk does (ENOSPC). What test/reliability/faults.test.ts shows with a
// real 64 KiB tmpfs and a daemon process, quickly: refused submissions leave no job behind,
// acknowledged jobs are never lost, and the queue recovers once the disk does.
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {GanetiError} from '../../src/protocol/errors.js';
import {delayOp, makeNode, waitFor} from '../helpers/cluster.js';
import {openMaster} from '../helpers/in-process.js';

const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'});

describe('the queue on a failing disk', () => {
  it('refuses submissions with the cause while job files cannot be written, loses no acknowledged job, and recovers', async () => {
    const node = await makeNode();
    let full = false;
    const m = await openMaster(node, {
      writeFault: (path) => {
        if (full && /\/job-\d+$/.test(path)) throw enospc();
      },
    });
    try {
      const submit = async (): Promise<number> => (await m.call('SubmitJob', [[delayOp(0)]])) as number;
      const acked = [await submit(), await submit()];
      full = true;
      const refused: unknown[] = [];
      for (let i = 0; i < 3; i++)
        await submit().then(
          (id) => acked.push(id),
          (err: unknown) => refused.push(err),
        );
      await m.call('SubmitManyJobs', [[[delayOp(0)], [delayOp(0)]]]).then(
        (res) => {
          for (const [ok, id] of res as Array<[boolean, number]>) if (ok) acked.push(id);
        },
        (err: unknown) => refused.push(err),
      );
      assert.equal(refused.length, 4, 'every submission is refused while no job file can be written');
      for (const err of refused) {
        assert.ok(err instanceof GanetiError, `a Ganeti error, got ${String(err)}`);
        assert.match(err.message, /ENOSPC/, 'the error says why');
      }
      const files = (): string[] => readdirSync(node.paths.queueDir).filter((f) => /^job-\d+$/.test(f));
      assert.deepEqual(files().sort(), acked.map((id) => `job-${id}`).sort(), 'no job file of a refused submission');
      assert.ok(((await m.call('QueryJobs', [null, ['id']])) as unknown[]).length >= acked.length, 'queries are answered');

      full = false;
      acked.push(await submit());
      assert.ok(acked.at(-1)! > acked[1]!, 'ids go on increasing');
      // Every acknowledged job ends, and its final state reaches the disk (failed writes are retried).
      const onDisk = (id: number): string =>
        (JSON.parse(readFileSync(join(node.paths.queueDir, `job-${id}`), 'utf8')) as {ops: Array<{status: string}>}).ops[0]!.status;
      await waitFor(
        () => acked.every((id) => existsSync(join(node.paths.queueDir, `job-${id}`)) && onDisk(id) === 'success'),
        30_000,
        'every acknowledged job on disk as success',
      );
      for (const id of acked) assert.deepEqual(await m.call('QueryJobs', [[id], ['status']]), [['success']]);
    } finally {
      await m.close();
      node.cleanup();
    }
  });
});
