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
  signal: AbortSignal;
}

/** A connected client; `answered` resolves on its first byte or when it closes. */
export interface NotifyConnection {
  answered: Promise<void>;
  socket: Socket;
}

/**
 * The connection's answer is watched from the moment it is accepted: a client that connects
 * and closes at once (stock `gnt-debug test-jobqueue` does) is seen even if it is gone
 * before the opcode gets round to waiting for it.
 */
function watch(socket: Socket): NotifyConnection {
  const answered = new Promise<void>((resolve) => {
    socket.once('data', () => resolve());
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
  return {answered, socket};
}

/** Resolves with the connected client, or null if nobody connected in time. */
export async function listenOnce(opts: NotifyOptions): Promise<NotifyConnection | null> {
  const dir = await mkdtemp(join(tmpdir(), 'ganeti-ts-notify-'));
  const path = join(dir, 'sock');
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return await new Promise<NotifyConnection | null>((resolve, reject) => {
      const done = (v: NotifyConnection | null, err?: Error): void => {
        timer.clear();
        opts.signal.removeEventListener('abort', onAbort);
        if (err !== undefined) reject(err);
        else resolve(v);
      };
      const onAbort = (): void => done(null, opts.signal.reason as Error);
      const timer = setLongTimeout(() => done(null), opts.connectTimeoutMs);
      opts.signal.addEventListener('abort', onAbort, {once: true});
      server.once('connection', (conn) => done(watch(conn)));
      opts.announce(path);
    });
  } finally {
    server.close();
    await rm(dir, {recursive: true, force: true});
  }
}

/** Waits for the client's byte or its close; false on timeout. */
export function awaitByte(conn: NotifyConnection, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const done = (v: boolean, err?: Error): void => {
      timer.clear();
      signal.removeEventListener('abort', onAbort);
      conn.socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(v);
    };
    const onAbort = (): void => done(false, signal.reason as Error);
    const timer = setLongTimeout(() => done(false), timeoutMs);
    signal.addEventListener('abort', onAbort, {once: true});
    void conn.answered.then(() => done(true));
  });
}
