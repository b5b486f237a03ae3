// The node daemon's HTTPS server (docs/luxi.md, "Node daemon RPC"): POST /<procedure> with a JSON array
// body, answered `[true, payload]` or `[false, message]`. A request the daemon cannot take
// gets an HTTP error and the daemon keeps serving. Clients must present a certificate signed
// by the cluster certificate (the cluster certificate itself).
import type http from 'node:http';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import type {Logger} from 'pino';
import {parseJson, stringifyJson} from '../json/lossless.js';
import type {ClusterTls} from '../rpc/certificate.js';
import type {Procedure} from './procedures.js';
import {HttpError, RpcFailure} from './rpc-failure.js';

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface NodeServerOptions {
  procedures: ReadonlyMap<string, Procedure>;
  tls: ClusterTls;
  log: Logger;
}

export class NodeServer {
  private readonly server: https.Server;

  constructor(private readonly opts: NodeServerOptions) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.handle(req, res);
    this.server = https.createServer(
      {key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.cert, requestCert: true, rejectUnauthorized: true},
      handler,
    );
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    this.server.requestTimeout = 0;
    this.server.on('tlsClientError', (err) => opts.log.debug({err: err.message}, 'TLS handshake failed'));
    this.server.on('clientError', (err, socket) => {
      opts.log.debug({err: err.message}, 'bad HTTP request');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const procedure = (req.url ?? '/').replace(/^\//, '').replace(/\?.*$/, '');
    let status = 200;
    let reply: string;
    try {
      if (req.method !== 'POST') throw new HttpError(400, 'Only the POST method is supported');
      const proc = this.opts.procedures.get(procedure);
      if (proc === undefined) throw new HttpError(404, `Unknown procedure '${procedure}'`);
      const args = decodeBody(await readBody(req));
      // A caller that gives up (its deadline passed, it died) ends what it started.
      const gone = new AbortController();
      res.once('close', () => gone.abort(new Error('the caller closed the connection')));
      reply = stringifyJson(await run(proc, args, this.opts.log, procedure, gone.signal));
    } catch (err) {
      const failure = err instanceof HttpError ? err : new HttpError(500, `Internal error: ${(err as Error).message}`);
      status = failure.status;
      reply = failure.message + '\n';
      req.resume();
    }
    res.writeHead(status, {
      'Content-Type': status === 200 ? 'application/json' : 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(reply),
    });
    res.end(reply);
    this.opts.log.debug({procedure, status, ms: Date.now() - started}, 'rpc');
  }
}

async function run(proc: Procedure, args: unknown[], log: Logger, procedure: string, signal: AbortSignal): Promise<[boolean, unknown]> {
  try {
    return [true, (await proc(args, signal)) ?? null];
  } catch (err) {
    if (err instanceof RpcFailure) return [false, err.message];
    log.error({err, procedure}, 'error in RPC call');
    return [false, `Error while executing backend function: ${(err as Error).message}`];
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', (err) => reject(new HttpError(400, err.message)));
  });
}

function decodeBody(text: string): unknown[] {
  let body: unknown;
  try {
    body = parseJson(text === '' ? '[]' : text);
  } catch (err) {
    throw new HttpError(400, `Invalid JSON in request body: ${(err as Error).message}`);
  }
  if (!Array.isArray(body)) throw new HttpError(400, 'The request body must be a JSON array of arguments');
  return body;
}
