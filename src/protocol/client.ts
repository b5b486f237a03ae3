// The LUXI client shared by gnt-job, the TUI, tests and benchmarks.
import {connect, type Socket} from 'node:net';
import {readFileSync} from 'node:fs';
import {resolvePaths, type GanetiPaths} from '../paths.js';
import {decodeError, LuxiClientError} from './errors.js';
import {EtxSplitter, frame} from './framing.js';
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
}

export class LuxiClient {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private splitter = new EtxSplitter();
  private pending: Pending | null = null;
  private chain: Promise<unknown> = Promise.resolve();
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

  /** Calls one method; calls on one client are answered in order, one at a time. */
  call(method: string, args: unknown[]): Promise<unknown> {
    const run = this.chain.then(
      () => this.roundTrip(method, args),
      () => this.roundTrip(method, args),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Drops the connection; a call in flight fails at once (it is not re-sent). */
  close(): void {
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
  private async roundTrip(method: string, args: unknown[]): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.roundTripOnce(method, args);
      } catch (err) {
        if (!(err instanceof LuxiClientError) || err instanceof ClosedByClient || err.kind !== 'connection' || attempt >= 2 || !this.wasConnected) {
          throw err;
        }
      }
    }
  }

  private wasConnected = false;

  private async roundTripOnce(method: string, args: unknown[]): Promise<unknown> {
    this.wasConnected = false;
    const sock = await this.ensureConnected();
    this.wasConnected = true;
    const response = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.close();
        reject(new LuxiClientError(`Timeout while waiting for the answer to ${method}`, 'timeout'));
      }, this.timeoutMs);
      this.pending = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      sock.write(frame(formatRequest(method, args)));
    });
    const {success, result} = parseResponse(response as string);
    if (success) return result;
    const ganeti = decodeError(result);
    if (ganeti !== null) throw ganeti;
    throw new LuxiClientError(String(result), 'request');
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
            'connection',
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
      throw new LuxiClientError(
        `This is not the master node, please connect to node '${master}' and rerun the command`,
        'not-master',
      );
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

  // Typed wrappers, one per LUXI method.
  submitJob(ops: unknown[]): Promise<number> {
    return this.call('SubmitJob', [ops]) as Promise<number>;
  }
  submitJobToDrainedQueue(ops: unknown[]): Promise<number> {
    return this.call('SubmitJobToDrainedQueue', [ops]) as Promise<number>;
  }
  submitManyJobs(jobs: unknown[][]): Promise<Array<[boolean, number | string]>> {
    return this.call('SubmitManyJobs', [jobs]) as Promise<Array<[boolean, number | string]>>;
  }
  waitForJobChange(
    jobId: number | string,
    fields: string[],
    prevJobInfo: unknown[] | null,
    prevLogSerial: number | null,
    timeout: number,
  ): Promise<[unknown[], LogEntry[]] | 'nochange'> {
    return this.call('WaitForJobChange', [jobId, fields, prevJobInfo, prevLogSerial, timeout]) as Promise<
      [unknown[], LogEntry[]] | 'nochange'
    >;
  }
  queryJobs(ids: Array<number | string> | null, fields: string[]): Promise<unknown[][]> {
    return this.call('QueryJobs', [ids, fields]) as Promise<unknown[][]>;
  }
  query(what: string, fields: string[], filter: unknown): Promise<QueryResponse> {
    return this.call('Query', [what, fields, filter]) as Promise<QueryResponse>;
  }
  queryFields(what: string, fields: string[] | null): Promise<{fields: FieldDefinition[]}> {
    return this.call('QueryFields', [what, fields]) as Promise<{fields: FieldDefinition[]}>;
  }
  cancelJob(id: number | string, kill = false): Promise<[boolean, string]> {
    return this.call('CancelJob', [id, kill]) as Promise<[boolean, string]>;
  }
  changeJobPriority(id: number | string, priority: number): Promise<[boolean, string]> {
    return this.call('ChangeJobPriority', [id, priority]) as Promise<[boolean, string]>;
  }
  archiveJob(id: number | string): Promise<boolean> {
    return this.call('ArchiveJob', [id]) as Promise<boolean>;
  }
  autoArchiveJobs(age: number, timeout: number): Promise<[number, number]> {
    return this.call('AutoArchiveJobs', [age, timeout]) as Promise<[number, number]>;
  }
  setDrainFlag(flag: boolean): Promise<boolean> {
    return this.call('SetDrainFlag', [flag]) as Promise<boolean>;
  }
  setWatcherPause(until: number | null): Promise<number | null> {
    return this.call('SetWatcherPause', [until]) as Promise<number | null>;
  }
  queryClusterInfo(): Promise<Record<string, unknown>> {
    return this.call('QueryClusterInfo', []) as Promise<Record<string, unknown>>;
  }
  queryConfigValues(names: string[]): Promise<unknown[]> {
    return this.call('QueryConfigValues', [names]) as Promise<unknown[]>;
  }
  queryTags(kind: string, name: string): Promise<string[]> {
    return this.call('QueryTags', [kind, name]) as Promise<string[]>;
  }
}

export type LogEntry = [serial: number, timestamp: [number, number], type: string, message: unknown];

export interface FieldDefinition {
  name: string;
  title: string;
  kind: string;
  doc: string;
}

export interface QueryResponse {
  fields: FieldDefinition[];
  data: Array<Array<[number, unknown]>>;
}
