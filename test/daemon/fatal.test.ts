// A failed fsync of a job file after submission: the master reports it as fatal (masterd then
// exits rather than acknowledge a state that could be lost).
import assert from 'node:assert/strict';
import {basename} from 'node:path';
import {it} from 'node:test';
import {FsyncError} from '../../src/durable/durable-writer.js';
import {delayOp, makeNode} from '../helpers/cluster.js';
import {openMaster} from '../helpers/in-process.js';

it('a failed fsync of a job file settles master.fatal', async () => {
  const node = await makeNode();
  let failing = false;
  const m = await openMaster(node, {
    writeFault: (path) => {
      if (failing && basename(path).startsWith('job-')) throw new FsyncError(`fsync of ${path} failed`);
    },
  });
  try {
    const id = await m.call('SubmitJob', [[delayOp(0.2)]]);
    failing = true;
    const err = await m.master.fatal;
    assert.ok(err instanceof FsyncError);
    assert.match(err.message, new RegExp(`fsync of .*job-${String(id)} failed`));
  } finally {
    failing = false;
    await m.close();
    node.cleanup();
  }
});
