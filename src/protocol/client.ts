// The LUXI client shared by gnt-job, the TUI, tests and benchmarks.
import {connect, type Socket} from 'node:net';
import {readFileSync} from 'node:fs';
import {resolvePaths, type GanetiPaths} from '../paths.js';
import {decodeError, LuxiClientError} from './errors.js';
import {EtxSplitter, frame} from './framing.js';
import type {LuxiArgs, LuxiMethod, LuxiResult} from './luxi-contract.js';
import {formatRequest, parseResponse} from './messages.js';

export interface LuxiClientOptions {
  /** Socket to use; default: the query socket of the (virtual) node, as the 3.0 client does. */
  socketPath?: string;
  paths?: GanetiPaths;
  /** Per-call limit for the answer to start arriving (3.0 client: 180 s). */
  timeoutMs?: number;
  /** How long to keep retrying a refused connection when this node is the master (3.0: 30 s). */
  connectRetryMs?: number;
}

/** How long a connection refused with EAGAIN (listen backlog full) is retried (LUXI_DEF_CTMO). */
const EAGAIN_RETRY_MS = 30_000;

/** close() was called while the call was in flight. */
class ClosedByClient extends LuxiClientError {}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  method: string;
}

export class LuxiClient {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private splitter = new EtxSplitter();
  private pending: Pending | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** Calls made and not yet settled. */
  private queued = 0;
  /** When the call in flight times out (performance.now()); one timer serves every call. */
  private deadline = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly socketPath: string;
  private readonly paths: GanetiPaths;
  private readonly timeoutMs: number;
  private readonly connectRetryMs: number;

  constructor(opts: LuxiClientOptions = {}) {
    this.paths = opts.paths ?? resolvePaths();
    this.socketPath = opts.socketPath ?? this.paths.querySocket;
    this.timeoutMs = opts.timeoutMs ?? 180_000;
    this.connectRetryMs = opts.connectRetryMs ?? 0;
  }

  /** Calls one method of the contract; calls on one client are answered in order, one at a time. */
  call<M extends LuxiMethod>(method: M, ...args: LuxiArgs<M>): Promise<LuxiResult<M>> {
    return this.request(method, args) as Promise<LuxiResult<M>>;
  }

  /** Sends any method and arguments, also ones no method accepts (tests of bad requests). */
  request(method: string, args: readonly unknown[]): Promise<unknown> {
    // No call queued: this one goes at once instead of a turn of the promise chain later.
    const run =
      this.queued === 0
        ? this.roundTrip(method, args)
        : this.chain.then(
            () => this.roundTrip(method, args),
            () => this.roundTrip(method, args),
          );
    this.queued++;
    const done = (): void => {
      this.queued--;
    };
    this.chain = run.then(done, done);
    return run;
  }

  /** Drops the connection; a call in flight fails at once (it is not re-sent). */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    const p = this.pending;
    this.pending = null;
    p?.reject(new ClosedByClient('The connection to the master daemon was closed by the client', 'connection'));
  }

  /**
   * Like the stock client, a request whose connection closed before any answer is sent
   * again on a new connection (the server closes after answering an undecodable request).
   */
  private async roundTrip(method: string, args: readonly unknown[]): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.roundTripOnce(method, args);
      } catch (err) {
        if (
          !(err instanceof LuxiClientError) ||
          err instanceof ClosedByClient ||
          err.kind !== 'connection' ||
          attempt >= 2 ||
          !this.wasConnected
        ) {
          throw err;
        }
      }
    }
  }

  private wasConnected = false;

  private async roundTripOnce(method: string, args: readonly unknown[]): Promise<unknown> {
    this.wasConnected = false;
    const sock = this.socket !== null && !this.socket.destroyed ? this.socket : await this.ensureConnected();
    this.wasConnected = true;
    const response = await new Promise<unknown>((resolve, reject) => {
      this.pending = {resolve, reject, method};
      this.armTimer();
      sock.write(frame(formatRequest(method, args)));
    });
    const {success, result} = parseResponse(response as string);
    if (success) return result;
    const ganeti = decodeError(result);
    if (ganeti !== null) throw ganeti;
    throw new LuxiClientError(String(result), 'request');
  }

  /**
   * The call in flight fails after timeoutMs. One timer, not one per call (arming and clearing
   * a timer per call was ~15% of a sequential caller's CPU): when it fires early (it was set
   * for an earlier call), it is set again for what is left. Unreferenced: the socket keeps the
   * process alive while an answer is awaited.
   */
  private armTimer(): void {
    this.deadline = performance.now() + this.timeoutMs;
    if (this.timer !== null) return;
    const check = (): void => {
      this.timer = null;
      const p = this.pending;
      if (p === null) return;
      const left = this.deadline - performance.now();
      if (left > 0) {
        this.timer = setTimeout(check, left).unref();
        return;
      }
      this.pending = null;
      this.close();
      p.reject(new LuxiClientError(`Timeout while waiting for the answer to ${p.method}`, 'timeout'));
    };
    this.timer = setTimeout(check, this.timeoutMs).unref();
  }

  private ensureConnected(): Promise<Socket> {
    if (this.socket !== null && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.connectWithRetry().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connectWithRetry(): Promise<Socket> {
    const started = Date.now();
    const deadline = started + this.connectRetryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.connectOnce();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // The daemon is there but its listen backlog is full (a burst of connections): as
        // the stock client, keep trying until the connect timeout (30 s), briefly apart.
        if (code === 'EAGAIN' && Date.now() - started < Math.max(this.connectRetryMs, EAGAIN_RETRY_MS)) {
          await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));
          continue;
        }
        if (code === 'EACCES' || code === 'EPERM') {
          throw new LuxiClientError(
            "It seems you don't have permissions to connect to the master daemon.\nPlease retry as a different user.",
            'permission',
          );
        }
        if (code !== 'ENOENT' && code !== 'ECONNREFUSED' && code !== 'EAGAIN') {
          throw new LuxiClientError(`Cannot connect to ${this.socketPath}: ${(err as Error).message}`, 'connection');
        }
        this.checkMasterNode();
        if (Date.now() >= deadline) {
          throw new LuxiClientError(
            'Cannot communicate with the master daemon.\nIs it running and listening for connections?',
            'unreachable',
          );
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** As the stock client: a refused connection is explained through ssconf_master_node. */
  private checkMasterNode(): void {
    let master: string;
    try {
      master = readFileSync(this.paths.ssconf('master_node'), 'utf8').trim().toLowerCase();
    } catch {
      throw new LuxiClientError('Cluster not initialized or this machine is not part of a cluster', 'no-master');
    }
    if (master !== this.paths.hostname) {
      throw new LuxiClientError(`This is not the master node, please connect to node '${master}' and rerun the command`, 'not-master');
    }
  }

  private connectOnce(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.socketPath);
      const onError = (err: Error): void => {
        sock.destroy();
        reject(err);
      };
      sock.once('error', onError);
      sock.once('connect', () => {
        sock.off('error', onError);
        this.splitter = new EtxSplitter();
        sock.on('data', (chunk: Buffer) => this.onData(chunk));
        const closed = (): void => this.onClosed(sock);
        sock.on('error', closed);
        sock.on('end', closed);
        sock.on('close', closed);
        this.socket = sock;
        resolve(sock);
      });
    });
  }

  private onData(chunk: Buffer): void {
    for (const msg of this.splitter.push(chunk)) {
      const p = this.pending;
      this.pending = null;
      p?.resolve(msg.toString('utf8'));
    }
  }

  private onClosed(sock: Socket): void {
    sock.destroy();
    if (this.socket !== sock) return;
    this.socket = null;
    const p = this.pending;
    this.pending = null;
    p?.reject(new LuxiClientError('Connection to the master daemon was closed', 'connection'));
  }

  // Named shorthands for the methods most code calls; their types come from the contract.
  submitJob(...a: LuxiArgs<'SubmitJob'>): Promise<number> {
    return this.call('SubmitJob', ...a);
  }
  submitJobToDrainedQueue(...a: LuxiArgs<'SubmitJobToDrainedQueue'>): Promise<number> {
    return this.call('SubmitJobToDrainedQueue', ...a);
  }
  submitManyJobs(...a: LuxiArgs<'SubmitManyJobs'>): Promise<LuxiResult<'SubmitManyJobs'>> {
    return this.call('SubmitManyJobs', ...a);
  }
  waitForJobChange(...a: LuxiArgs<'WaitForJobChange'>): Promise<LuxiResult<'WaitForJobChange'>> {
    return this.call('WaitForJobChange', ...a);
  }
  queryJobs(...a: LuxiArgs<'QueryJobs'>): Promise<LuxiResult<'QueryJobs'>> {
    return this.call('QueryJobs', ...a);
  }
  query(...a: LuxiArgs<'Query'>): Promise<LuxiResult<'Query'>> {
    return this.call('Query', ...a);
  }
  queryFields(...a: LuxiArgs<'QueryFields'>): Promise<LuxiResult<'QueryFields'>> {
    return this.call('QueryFields', ...a);
  }
  /** kill is always sent, false by default, as the 3.0 client does. */
  cancelJob(job: LuxiArgs<'CancelJob'>[0], kill = false): Promise<LuxiResult<'CancelJob'>> {
    return this.call('CancelJob', job, kill);
  }
  changeJobPriority(...a: LuxiArgs<'ChangeJobPriority'>): Promise<LuxiResult<'ChangeJobPriority'>> {
    return this.call('ChangeJobPriority', ...a);
  }
  archiveJob(...a: LuxiArgs<'ArchiveJob'>): Promise<boolean> {
    return this.call('ArchiveJob', ...a);
  }
  autoArchiveJobs(...a: LuxiArgs<'AutoArchiveJobs'>): Promise<LuxiResult<'AutoArchiveJobs'>> {
    return this.call('AutoArchiveJobs', ...a);
  }
  setDrainFlag(...a: LuxiArgs<'SetDrainFlag'>): Promise<boolean> {
    return this.call('SetDrainFlag', ...a);
  }
  setWatcherPause(...a: LuxiArgs<'SetWatcherPause'>): Promise<number | null> {
    return this.call('SetWatcherPause', ...a);
  }
  queryClusterInfo(): Promise<LuxiResult<'QueryClusterInfo'>> {
    return this.call('QueryClusterInfo');
  }
  queryConfigValues(...a: LuxiArgs<'QueryConfigValues'>): Promise<unknown[]> {
    return this.call('QueryConfigValues', ...a);
  }
  queryTags(...a: LuxiArgs<'QueryTags'>): Promise<string[]> {
    return this.call('QueryTags', ...a);
  }
}
