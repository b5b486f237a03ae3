// The master's parts in the test process: the real queue, scheduler and LUXI methods on a
// temporary root, without a socket (for tests that need to reach inside, or to be fast).
import {pino, type Logger} from 'pino';
import {readConfig} from '../../src/config/config.js';
import {resolveHousekeeping, type HousekeepingSettings} from '../../src/daemon/housekeeping.js';
import {DEFAULT_QUEUE_SIZE_LIMIT} from '../../src/daemon/job-queue.js';
import {createDaemonLogger} from '../../src/process/logger.js';
import {dispatch} from '../../src/daemon/luxi-methods.js';
import {Master, type MasterOptions} from '../../src/daemon/master.js';
import {LuxiClient} from '../../src/protocol/client.js';
import {DEFAULT_MAX_MESSAGE_BYTES} from '../../src/protocol/framing.js';
import {NodeRpcClient} from '../../src/rpc/client.js';
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
    // Resolves a turn later, as an answer read from the socket does: what the daemon does in the
    // task that writes an answer (a new job is scheduled there) is done before the caller goes on.
    call: async (method, args) => {
      const answer = await dispatch(master.services, method, args, {log: master.log});
      await new Promise((resolve) => setImmediate(resolve));
      return answer;
    },
    async close() {
      await master.drain();
      await master.close();
    },
  };
}

export interface InProcessDaemon {
  master: Master;
  client(opts?: {timeoutMs?: number}): LuxiClient;
  /** Drains and closes as masterd does on its first SIGTERM; resolves with 0 as its exit code. */
  stop(): Promise<number>;
}

/**
 * The master daemon in the test process, listening on the node's real sockets: what `masterd -f`
 * runs after its start-up checks (no voting, pid file or signal handlers), so that a suite about
 * the queue, the scheduler or the LUXI server pays no process start. The log goes to the
 * daemon's log file as masterd's does. `args` takes the masterd options these suites use.
 */
export async function startInProcessDaemon(node: TestNode, args: string[] = []): Promise<InProcessDaemon> {
  const opts = {
    queueSizeLimit: DEFAULT_QUEUE_SIZE_LIMIT,
    lockAgingMs: 1_800_000,
    maxRunningJobs: undefined as number | undefined,
    housekeeping: {} as Partial<HousekeepingSettings>,
  };
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i + 1];
    if (value === undefined) throw new Error(`startInProcessDaemon: ${args[i]} needs a value`);
    if (args[i] === '--job-queue-size-limit') opts.queueSizeLimit = Number(value);
    else if (args[i] === '--lock-attempts-timeout') opts.lockAgingMs = Number(value) * 1000;
    else if (args[i] === '--max-running-jobs') opts.maxRunningJobs = Number(value);
    else if (args[i] === '--auto-archive-age')
      opts.housekeeping.autoArchiveAgeS = Number(value); // seconds only
    else throw new Error(`startInProcessDaemon: unknown option ${args[i]}`);
  }
  const cfg = await readConfig(node.paths.configFile);
  const housekeeping = resolveHousekeeping(opts.housekeeping, cfg);
  const {log} = createDaemonLogger(node.paths.masterdLog, {debug: false, toStderr: false, name: 'masterd'});
  let master: Master | undefined;
  const nodeClient = NodeRpcClient.forNode(node.paths, () => master?.config() ?? cfg);
  master = await Master.create(
    {
      paths: node.paths,
      log,
      version: 'test',
      queueSizeLimit: opts.queueSizeLimit,
      lockAgingMs: opts.lockAgingMs,
      ...(opts.maxRunningJobs !== undefined ? {maxRunningJobs: opts.maxRunningJobs} : {}),
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
      idleTimeoutMs: 180_000,
      nochangeOnTimeout: false,
      housekeeping: housekeeping.settings,
      nodeClient,
    },
    cfg,
  );
  const running = master;
  await running.openQueue();
  await running.listen();
  running.startScheduling();
  const clients: LuxiClient[] = [];
  return {
    master: running,
    client(copts = {}) {
      const c = new LuxiClient({paths: node.paths, ...(copts.timeoutMs !== undefined ? {timeoutMs: copts.timeoutMs} : {})});
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await running.drain();
      await running.close();
      nodeClient.close();
      log.flush();
      return 0;
    },
  };
}
