// The test opcodes' hand-shake with a client: a fresh Unix socket is announced in the job
// log and the opcode waits for the client to connect and then to send a byte (or close).
import {mkdtemp, rm} from 'node:fs/promises';
import {createServer, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setLongTimeout} from '../../long-timeout.js';

export interface NotifyOptions {
  /** Called with the socket path once it listens (the opcode logs it for the client). */
  announce(path: string): void;
  connectTimeoutMs: number;
  confirmTimeoutMs: number;
  signal: AbortSignal;
}

export class NotifyTimeout extends Error {}

/** Resolves with the connected socket, or null if nobody connected in time. */
export async function listenOnce(opts: Omit<NotifyOptions, 'confirmTimeoutMs'>): Promise<Socket | null> {
  const dir = await mkdtemp(join(tmpdir(), 'ganeti-ts-notify-'));
  const path = join(dir, 'sock');
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    opts.announce(path);
    return await new Promise<Socket | null>((resolve, reject) => {
      const done = (v: Socket | null, err?: Error): void => {
        timer.clear();
        opts.signal.removeEventListener('abort', onAbort);
        if (err !== undefined) reject(err);
        else resolve(v);
      };
      const onAbort = (): void => done(null, opts.signal.reason as Error);
      const timer = setLongTimeout(() => done(null), opts.connectTimeoutMs);
      opts.signal.addEventListener('abort', onAbort, {once: true});
      server.once('connection', (conn) => done(conn));
    });
  } finally {
    server.close();
    await rm(dir, {recursive: true, force: true});
  }
}

/** Waits for one byte or the peer closing; false on timeout. */
export function awaitByte(conn: Socket, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const done = (v: boolean, err?: Error): void => {
      timer.clear();
      signal.removeEventListener('abort', onAbort);
      conn.destroy();
      if (err !== undefined) reject(err);
      else resolve(v);
    };
    const onAbort = (): void => done(false, signal.reason as Error);
    const timer = setLongTimeout(() => done(false), timeoutMs);
    signal.addEventListener('abort', onAbort, {once: true});
    conn.once('data', () => done(true));
    conn.once('end', () => done(true));
    conn.once('error', () => done(true));
  });
}
