// Master-side client of the node daemons' RPC (docs/luxi.md "Node daemon RPC"): POST
// /<procedure> with a JSON array body, answer [ok, payload]; typed by src/rpc/noded-contract.ts. HTTPS with the cluster certificate (also presented
// as the client certificate); node daemons serve nothing else, so without a certificate every
// call fails at once, saying so (no plain-HTTP fallback). Connections are
// kept alive, so a voting round or a replication batch costs no new handshakes.
import http from 'node:http';
import https from 'node:https';
import {nodeByName, type ConfigData, type NodeConfig} from '../config/config.js';
import {parseJson, stringifyJson} from '../json/lossless.js';
import type {GanetiPaths} from '../paths.js';
import {loadClusterTls, type ClusterTls} from './certificate.js';
import type {NodedArgs, NodedProcedure, NodedResult} from './noded-contract.js';
import {setLongTimeout} from '../long-timeout.js';

/** One node's answer to a call made to several nodes: the payload, or (not ok) why it failed. */
export type NodeRpcResult<R = unknown> = {node: string; ok: true; payload: R} | {node: string; ok: false; payload: string};

export const DEFAULT_NODED_PORT = 1811;
export const PROTOCOL_VERSION = 3000000;
export const RPC_CONNECT_TIMEOUT_MS = 5000;
/** Read timeout of Ganeti's "urgent" RPC class. */
export const RPC_TIMEOUT_URGENT_MS = 60_000;
export const OFFLINE_MESSAGE = 'Node is marked offline';

export class RpcError extends Error {
  constructor(
    message: string,
    /** The HTTP status of a non-200 answer (404: the node daemon lacks the procedure). */
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

export interface RpcTarget {
  name: string;
  address: string;
  port: number;
}

export function rpcTarget(node: NodeConfig): RpcTarget {
  const port = typeof node.rpc_port === 'number' ? node.rpc_port : DEFAULT_NODED_PORT;
  return {name: node.name, address: node.primary_ip, port};
}

/** HTTP(S) transport to node daemons, with one keep-alive connection pool. */
export class RpcTransport {
  private readonly agent: http.Agent;
  /** Where the certificate was looked for (named when there is none). */
  private readonly certFile: string | null;

  constructor(
    readonly tls: ClusterTls | null,
    opts: {maxSocketsPerNode?: number; certFile?: string} = {},
  ) {
    this.certFile = opts.certFile ?? null;
    const common = {keepAlive: true, maxSockets: opts.maxSocketsPerNode ?? 16, timeout: 30_000};
    this.agent =
      tls === null
        ? new http.Agent(common)
        : // No TLS session resumption: Ganeti's own node daemon (pyOpenSSL, client certificates
          // required, no session id context) fails every resumed handshake with "session id
          // context uninitialized"; kept-alive connections need no resumption anyway.
          new https.Agent({
            ...common,
            ca: tls.cert,
            cert: tls.cert,
            key: tls.key,
            checkServerIdentity: () => undefined,
            maxCachedSessions: 0,
          });
  }

  static forNode(paths: GanetiPaths): RpcTransport {
    return new RpcTransport(loadClusterTls(paths.serverCert), {certFile: paths.serverCert});
  }

  /** One call; resolves with the payload of [true, payload], rejects with the node's error. */
  async call<P extends NodedProcedure>(target: RpcTarget, procedure: P, args: NodedArgs<P>, timeoutMs: number): Promise<NodedResult<P>> {
    if (this.tls === null) {
      throw new RpcError(
        `no cluster certificate${this.certFile === null ? '' : ` (${this.certFile})`}: node daemons answer only over HTTPS with it`,
      );
    }
    const body = Buffer.from(stringifyJson(args), 'utf8');
    try {
      return (await this.send(target, procedure, body, timeoutMs)) as NodedResult<P>;
    } catch (err) {
      // A kept-alive connection the node closed meanwhile: send again on a fresh one.
      if (err instanceof StaleConnection) return (await this.send(target, procedure, body, timeoutMs)) as NodedResult<P>;
      throw err;
    }
  }

  private send(target: RpcTarget, procedure: string, body: Buffer, timeoutMs: number): Promise<unknown> {
    const options: http.RequestOptions = {
      host: target.address,
      port: target.port,
      method: 'POST',
      path: `/${procedure}`,
      agent: this.agent,
      headers: {'Content-Type': 'application/json', 'Content-Length': body.length},
    };
    return new Promise((resolve, reject) => {
      let connectTimer: NodeJS.Timeout | undefined;
      const req = (this.tls !== null ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          deadline.clear();
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            reject(new RpcError(`HTTP ${res.statusCode ?? '?'}: ${text.trim() || res.statusMessage || 'error'}`, res.statusCode ?? null));
            return;
          }
          try {
            resolve(decodeReply(text));
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', (err) => {
          deadline.clear();
          reject(new RpcError(err.message));
        });
      });
      const deadline = setLongTimeout(() => req.destroy(new RpcError(`timeout after ${timeoutMs} ms`)), timeoutMs);
      req.on('socket', (sock) => {
        if (!sock.connecting) return;
        connectTimer = setTimeout(
          () => req.destroy(new RpcError(`connection timeout after ${RPC_CONNECT_TIMEOUT_MS} ms`)),
          Math.min(RPC_CONNECT_TIMEOUT_MS, timeoutMs),
        );
        sock.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        deadline.clear();
        clearTimeout(connectTimer);
        if (req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) reject(new StaleConnection());
        else reject(err instanceof RpcError ? err : new RpcError(err.message));
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

class StaleConnection extends Error {}

function decodeReply(text: string): unknown {
  let reply: unknown;
  try {
    reply = parseJson(text);
  } catch {
    throw new RpcError(`invalid reply: ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== 'boolean') {
    throw new RpcError(`invalid reply: ${text.slice(0, 200)}`);
  }
  if (!reply[0]) throw new RpcError(String(reply[1]));
  return reply[1];
}

/** Node daemon calls by node name, addressed through the (current) cluster configuration. */
export class NodeRpcClient {
  constructor(
    readonly transport: RpcTransport,
    private readonly config: () => ConfigData,
  ) {}

  static forNode(paths: GanetiPaths, config: () => ConfigData): NodeRpcClient {
    return new NodeRpcClient(RpcTransport.forNode(paths), config);
  }

  private node(name: string): NodeConfig {
    const node = nodeByName(this.config(), name);
    if (node === undefined) throw new RpcError(`Node ${name} is not in the configuration`);
    return node;
  }

  /** One call, whether or not the node is marked offline (voting asks offline nodes too). */
  call<P extends NodedProcedure>(name: string, procedure: P, args: NodedArgs<P>, timeoutMs: number): Promise<NodedResult<P>> {
    try {
      return this.transport.call(rpcTarget(this.node(name)), procedure, args, timeoutMs);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Calls every named node in parallel; never rejects. Offline nodes are not contacted ("Node is marked offline"). */
  async callNodes<P extends NodedProcedure>(
    names: string[],
    procedure: P,
    args: NodedArgs<P>,
    timeoutMs: number,
  ): Promise<Array<NodeRpcResult<NodedResult<P>>>> {
    return Promise.all(
      names.map(async (name): Promise<NodeRpcResult<NodedResult<P>>> => {
        try {
          const node = this.node(name);
          if (node.offline) return {node: node.name, ok: false, payload: OFFLINE_MESSAGE};
          return {node: node.name, ok: true, payload: await this.transport.call(rpcTarget(node), procedure, args, timeoutMs)};
        } catch (err) {
          return {node: name, ok: false, payload: (err as Error).message};
        }
      }),
    );
  }

  /** The node's idea of the master (3.x master_node_name, else 2.10 master_info[2]). */
  async masterNodeName(name: string, timeoutMs = RPC_TIMEOUT_URGENT_MS): Promise<string> {
    try {
      const master = await this.call(name, 'master_node_name', [], timeoutMs);
      if (typeof master === 'string') return master;
    } catch (err) {
      if (!(err instanceof RpcError) || err.httpStatus !== 404) throw err;
    }
    const info = await this.call(name, 'master_info', [], timeoutMs);
    if (Array.isArray(info) && info.length >= 3 && typeof info[2] === 'string') return info[2];
    throw new RpcError('invalid master_info answer');
  }

  close(): void {
    this.transport.close();
  }
}
