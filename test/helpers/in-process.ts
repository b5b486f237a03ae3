// The master's parts in the test process: the real queue, scheduler and LUXI methods on a
// temporary root, without a socket (for tests that need to reach inside, or to be fast).
import {pino, type Logger} from 'pino';
import {Master, type MasterOptions} from '../../src/daemon/master.js';
import {dispatch} from '../../src/daemon/luxi-methods.js';
import type {TestNode} from './cluster.js';

export interface InProcessMaster {
  master: Master;
  /** Runs one LUXI method as the socket server would, without the framing. */
  call(method: string, args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

export async function openMaster(node: TestNode, opts: Partial<MasterOptions> & {log?: Logger} = {}): Promise<InProcessMaster> {
  const master = await Master.create({
    paths: node.paths,
    log: opts.log ?? pino({level: 'silent'}),
    version: 'test',
    queueSizeLimit: 5000,
    lockAgingMs: 60_000,
    maxMessageBytes: 64 * 1024 * 1024,
    idleTimeoutMs: 60_000,
    nochangeOnTimeout: false,
    ...opts,
  });
  await master.openQueue();
  master.startScheduling();
  return {
    master,
    call: async (method, args) => dispatch(master.services, method, args, {log: master.log}),
    async close() {
      await master.drain();
      await master.close();
    },
  };
}
