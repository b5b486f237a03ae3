// Master-side client of the node daemons' RPC (masterd.md §8): POST /<procedure> with a
// JSON array body, answer [ok, payload]. HTTPS with the cluster certificate when the
// cluster has one, plain HTTP otherwise.
import {readFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {parseJson, stringifyJson} from '../json/lossless.js';
import {nodeByName, type ConfigData, type NodeConfig} from '../config/config.js';
import type {GanetiPaths} from '../paths.js';

export const DEFAULT_NODED_PORT = 1811;
export const RPC_CONNECT_TIMEOUT_MS = 5000;

export class RpcError extends Error {}

export interface RpcTarget {
  name: string;
  address: string;
  port: number;
}

export function rpcTarget(node: NodeConfig): RpcTarget {
  const port = typeof node.rpc_port === 'number' ? node.rpc_port : DEFAULT_NODED_PORT;
  return {name: node.name, address: node.primary_ip, port};
}

function loadCert(paths: GanetiPaths): string | null {
  try {
    return readFileSync(paths.serverCert, 'utf8');
  } catch {
    return null;
  }
}

/** One RPC call; resolves with the payload of [true, payload], rejects with the node's error. */
export function callNode(target: RpcTarget, procedure: string, args: unknown[], timeoutMs: number, pem: string | null): Promise<unknown> {
  const body = Buffer.from(stringifyJson(args), 'utf8');
  const options = {
    host: target.address,
    port: target.port,
    method: 'POST',
    path: `/${procedure}`,
    headers: {'Content-Type': 'application/json', 'Content-Length': body.length},
    timeout: timeoutMs,
    ...(pem !== null ? {ca: pem, cert: pem, key: pem, checkServerIdentity: () => undefined} : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (pem !== null ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          reject(new RpcError(`HTTP ${res.statusCode ?? '?'}: ${text.trim()}`));
          return;
        }
        let reply: unknown;
        try {
          reply = parseJson(text);
        } catch {
          reject(new RpcError(`invalid reply: ${text.slice(0, 200)}`));
          return;
        }
        if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== 'boolean') {
          reject(new RpcError(`invalid reply: ${text.slice(0, 200)}`));
        } else if (reply[0]) {
          resolve(reply[1]);
        } else {
          reject(new RpcError(String(reply[1])));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new RpcError(`timeout after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof RpcError ? err : new RpcError(err.message)));
    req.end(body);
  });
}

export function nodeRpcClient(cfg: ConfigData, paths: GanetiPaths) {
  const pem = loadCert(paths);
  const target = (name: string): RpcTarget => {
    const node = nodeByName(cfg, name);
    if (node === undefined) throw new RpcError(`unknown node ${name}`);
    return rpcTarget(node);
  };
  return {
    call: (node: string, procedure: string, args: unknown[], timeoutMs: number) => callNode(target(node), procedure, args, timeoutMs, pem),
    /** The node's idea of the master (3.x master_node_name, else 2.10 master_info[2]). */
    async masterNodeName(node: string): Promise<string> {
      try {
        const name = await callNode(target(node), 'master_node_name', [], 60_000, pem);
        if (typeof name === 'string') return name;
      } catch (err) {
        if (!(err instanceof RpcError) || !err.message.startsWith('HTTP 404')) throw err;
      }
      const info = await callNode(target(node), 'master_info', [], 60_000, pem);
      if (Array.isArray(info) && info.length >= 3 && typeof info[2] === 'string') return info[2];
      throw new RpcError('invalid master_info answer');
    },
  };
}
