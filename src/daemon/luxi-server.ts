// The LUXI socket server: ETX framing, one request at a time per connection, many
// connections at once, and an answer for every request (the 3.0 client re-sends a request
// whose connection closed without an answer).
import {promises as fsp} from 'node:fs';
import {createServer, type Server, type Socket} from 'node:net';
import {dirname, join} from 'node:path';
import type {Logger} from 'pino';
import {encodeError, GanetiError, LuxiParseError} from '../protocol/errors.js';
import {EtxSplitter, frame, MessageTooLargeError} from '../protocol/framing.js';
import {formatResponse, parseRequest} from '../protocol/messages.js';

/** Runs one request; `log` is the connection's logger. */
export type Dispatch = (method: string, args: unknown[], log: Logger) => Promise<unknown> | unknown;

export interface LuxiServerOptions {
  maxMessageBytes: number;
  idleTimeoutMs: number;
}

export class LuxiServer {
  private readonly servers: Server[] = [];
  private readonly paths: string[] = [];
  private readonly conns = new Set<Socket>();
  private nextConn = 1;

  constructor(
    private readonly dispatch: Dispatch,
    private readonly log: Logger,
    private readonly opts: LuxiServerOptions,
  ) {}

  /** Listens on a temporary name, sets mode 0660, then renames over the final path. */
  async listen(path: string): Promise<void> {
    await fsp.mkdir(dirname(path), {recursive: true, mode: 0o770});
    // mkdir's mode is cut by the umask and leaves an existing directory alone: the spec wants 0770.
    await fsp.chmod(dirname(path), 0o770).catch((err: unknown) => this.log.warn({err, dir: dirname(path)}, 'cannot set the socket directory to mode 0770'));
    const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
    const server = createServer((sock) => this.onConnection(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({path: tmp, backlog: 1024}, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({err, path}, 'LUXI server error'));
    await fsp.chmod(tmp, 0o660);
    await fsp.rename(tmp, path);
    this.servers.push(server);
    this.paths.push(path);
  }

  /** Stops accepting connections and drops the open ones; removes the socket files. */
  async close(): Promise<void> {
    for (const s of this.servers) s.close();
    for (const c of this.conns) c.destroy();
    await Promise.all(this.paths.map((p) => fsp.rm(p, {force: true})));
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  private onConnection(sock: Socket): void {
    const id = this.nextConn++;
    const log = this.log.child({conn: id});
    const splitter = new EtxSplitter(this.opts.maxMessageBytes);
    const queue: Buffer[] = [];
    let busy = false;
    let closing = false;
    this.conns.add(sock);
    sock.setTimeout(this.opts.idleTimeoutMs, () => {
      if (!busy) sock.destroy();
    });
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', (err) => log.debug({err}, 'connection error'));

    const reply = (text: string): void => {
      if (!sock.destroyed) sock.write(frame(text));
    };
    const refuse = (detail: string): void => {
      closing = true;
      queue.length = 0;
      reply(formatResponse(false, `Failed to parse request: ${detail}`));
      sock.end();
    };
    const drain = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && !closing) {
        const msg = queue.shift()!;
        const text = await this.handle(msg, log);
        if (text.close) refuse(text.body);
        else reply(text.body);
      }
      busy = false;
    };
    sock.on('data', (chunk: Buffer) => {
      if (closing) return;
      try {
        queue.push(...splitter.push(chunk));
      } catch (err) {
        if (err instanceof MessageTooLargeError) {
          log.warn({bytes: splitter.buffered}, 'request too large');
          refuse(`Request too large (${err.message})`);
          return;
        }
        throw err;
      }
      void drain();
    });
  }

  private async handle(msg: Buffer, log: Logger): Promise<{body: string; close: boolean}> {
    let method = '?';
    try {
      const req = parseRequest(msg.toString('utf8'));
      method = req.method;
      log.debug({method}, 'request');
      const result = await this.dispatch(req.method, req.args, log);
      return {body: formatResponse(true, result), close: false};
    } catch (err) {
      if (err instanceof LuxiParseError) {
        log.debug({method, err: err.message}, 'undecodable request');
        return {body: err.message, close: true};
      }
      if (err instanceof GanetiError) return {body: formatResponse(false, encodeError(err)), close: false};
      log.error({method, err}, 'internal error while handling a request');
      return {body: formatResponse(false, ['GenericError', [`Internal error: ${(err as Error).message}`]]), close: false};
    }
  }
}
