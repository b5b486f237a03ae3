// The LUXI socket server: ETX framing, one request at a time per connection, many
// connections at once, and an answer for every request (the 3.0 client re-sends a request
// whose connection closed without an answer).
import {promises as fsp} from 'node:fs';
import {createServer, type Server, type Socket} from 'node:net';
import {dirname, join} from 'node:path';
import type {Logger} from 'pino';
import {encodeError, GanetiError, LuxiParseError} from '../protocol/errors.js';
import {ETX as ETX_BYTE, EtxSplitter, frame, type Message, MessageTooLargeError, messageBytes} from '../protocol/framing.js';
import {formatResponse, parseRequest, requestFromValue, type LuxiRequest} from '../protocol/messages.js';
import {BoundedParseError, parseJsonBounded, utf8Pieces} from '../json/bounded-parse.js';
import {clip, forgetParts} from '../json/long-strings.js';
import {needsSlicing, stringifySliced} from '../json/sliced-stringify.js';
import {TimeSlicer} from '../time-slice.js';

/** Runs one request; `log` is the connection's logger. */
export type Dispatch = (method: string, args: unknown[], log: Logger) => Promise<unknown> | unknown;

/**
 * Asked about a request too large to build within its memory budget: throws the Ganeti error
 * that answers it (a limit the request is over, e.g. JobQueueFull), or returns to have it refused.
 */
export type Oversized = (method: string | null, firstArgLength: number | null) => void;

export interface LuxiServerOptions {
  maxMessageBytes: number;
  /** A connection with no request in progress and nothing unread is closed after this long. */
  idleTimeoutMs: number;
  /** A request must arrive whole within this long of its first byte. */
  messageDeadlineMs?: number;
  /** Request bytes held for all connections together (unfinished and waiting messages). */
  maxBufferedBytes?: number;
  /** How often the connections not read for want of room are read once (to see whether their clients went). */
  waitingRoomCheckMs?: number;
  oversized?: Oversized;
  /** Methods whose first argument is a list that means the same with repeats dropped (QueryJobs). */
  distinctFirstArg?: (method: string) => boolean;
  /** How many items of a method's first argument could ever be accepted (SubmitManyJobs: the queue's size). */
  firstArgLimit?: (method: string) => number | null;
  /**
   * Told of memory that just became garbage: the bytes a connection read, when it closes having
   * read at least REPORTED_READ_BYTES (hostile or bulk clients, not the everyday small ones), a
   * large request once handled, and an answer of at least REPORTED_ANSWER_BYTES once written (a
   * Query of every job): MemoryTrim collects once they stop.
   */
  released?: (bytes: number) => void;
}

export const DEFAULT_MESSAGE_DEADLINE_MS = 60_000;
export const DEFAULT_MAX_BUFFERED_BYTES = 128 * 1024 * 1024;
/** Messages longer than this are parsed in slices, one such request at a time. */
const LARGE_MESSAGE_BYTES = 256 * 1024;
/** A large request's values may take this many times its size in memory (estimated). */
const BUDGET_PER_BYTE = 6;
/** Memory a large request may take while it is handled, per byte of it (raw, text, values). */
const LARGE_REQUEST_WEIGHT = BUDGET_PER_BYTE + 2;
/** Memory all large requests in progress may take together; one of 64 MiB fills it. */
const MAX_LARGE_BYTES = LARGE_REQUEST_WEIGHT * 64 * 1024 * 1024;
/** An unfinished request this long is read on its turns (TurnGate), and not at all over the cap on held bytes. */
const LARGE_UNFINISHED_BYTES = 64 * 1024;
/** Bytes of a large answer waiting for the client beyond which no more of it is written. */
const ANSWER_HIGH_WATER = 64 * 1024;
/** A connection that read this much is reported to `released` when it closes. */
const REPORTED_READ_BYTES = 64 * 1024;
/**
 * An answer this long is reported to `released` once written. Without it, the garbage of a
 * 100,000-job Query waited for V8's own full collection, which a monitor's polls put off into
 * the minutes that followed (200-300 ms of CPU then).
 */
const REPORTED_ANSWER_BYTES = 1024 * 1024;

interface Conn extends Reader {
  sock: Socket;
  splitter: EtxSplitter;
  /** complete requests not yet handled */
  pending: Pending;
  /** bytes counted in LuxiServer.bufferedBytes for this connection */
  counted: number;
  /** bytes read from the client over the connection's life */
  readBytes: number;
  busy: boolean;
  closing: boolean;
  deadline: NodeJS.Timeout | null;
  /** bytes it may read on before it waits for its next turn (a large unfinished request: TurnGate) */
  allowance: number;
}

/**
 * The requests of a connection read but not yet handled. What follows the first complete
 * message of a chunk is split a message at a time as they are handled: a client that
 * pipelines a thousand requests in one 64 KiB read gets them taken apart as it is answered (it
 * may stop reading its answers after a few), not a thousand views made at once.
 */
class Pending {
  private ready: Message[] = [];
  /** read, not yet split */
  private rest: Buffer[] = [];
  /** bytes of both */
  bytes = 0;

  constructor(private readonly splitter: EtxSplitter) {}

  get empty(): boolean {
    return this.ready.length === 0 && this.rest.length === 0;
  }

  /** Takes a chunk read; false when it completed no message. Throws MessageTooLargeError. */
  push(chunk: Buffer): boolean {
    if (this.rest.length > 0) {
      this.rest.push(chunk);
      this.bytes += chunk.length;
      return true;
    }
    return this.split(chunk);
  }

  /** The next complete message, if any. Throws MessageTooLargeError. */
  next(): Message | undefined {
    while (this.ready.length === 0 && this.rest.length > 0) {
      const chunk = this.rest.shift()!;
      this.bytes -= chunk.length;
      this.split(chunk);
    }
    const msg = this.ready.shift();
    if (msg !== undefined) this.bytes -= msg.bytes;
    return msg;
  }

  clear(): void {
    this.ready = [];
    this.rest = [];
    this.bytes = 0;
  }

  /** Hands `chunk` to the splitter up to its first ETX; keeps what follows for later. */
  private split(chunk: Buffer): boolean {
    const end = chunk.indexOf(ETX_BYTE);
    if (end === -1) {
      this.splitter.pushChunks(chunk);
      return false;
    }
    for (const m of this.splitter.pushChunks(end === chunk.length - 1 ? chunk : chunk.subarray(0, end + 1))) {
      this.ready.push(m);
      this.bytes += m.bytes;
    }
    if (end < chunk.length - 1) {
      this.rest.unshift(chunk.subarray(end + 1));
      this.bytes += chunk.length - end - 1;
    }
    return true;
  }
}

/** A connection with a large unfinished request, read on its turns (TurnGate). */
interface Reader {
  /** Reads on, `bytes` at most. */
  readOn(bytes: number): void;
  /** Its turn is over: it stops reading if it has not used up its bytes, and asks for another. */
  stop(): void;
}

/** Pipelined requests handled per turn of the event loop, all connections together. */
const PIPELINED_PER_TURN = 16;
/** Connections with a large unfinished request read per turn, and the bytes they may read together. */
const LARGE_READS_PER_TURN = 4;
const LARGE_READ_BYTES_PER_TURN = 256 * 1024;
/**
 * A turn that accepted a connection does none of that work, but for every 16th such turn in a
 * row: more connections are likely waiting in the listen backlog, accepted one per turn, and a
 * new client waits there for every connection made before it (1,000 hostile ones).
 */
const ACCEPTING_TURNS_IN_A_ROW = 16;

/**
 * Turns of the event loop for the work a client can make without end: each turn lets
 * PIPELINED_PER_TURN waiting connections handle one pipelined request and LARGE_READS_PER_TURN
 * connections with a large unfinished request read on (LARGE_READ_BYTES_PER_TURN together),
 * first come first served; none in a turn that accepted a connection (ACCEPTING_TURNS_IN_A_ROW).
 * libuv (Node 20) accepts one connection per turn of the event loop, so short turns are what
 * lets a new client in past a backlog of hostile ones (docs/luxi.md).
 */
class TurnGate {
  private waiting: Array<() => void> = [];
  /** in the order they asked; a Set: a connection asks once */
  private readonly readers = new Set<Reader>();
  /** the readers of the last turn */
  private reading: Reader[] = [];
  private scheduled = false;
  private accepting = false;
  private acceptingTurns = 0;

  /** A connection was accepted in this turn. */
  accepted(): void {
    this.accepting = true;
  }

  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /** `reader` reads on a later turn. */
  read(reader: Reader): void {
    this.readers.add(reader);
    this.schedule();
  }

  cancelRead(reader: Reader): void {
    this.readers.delete(reader);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // What a reader did not read in its turn is not kept for later: the bytes read in one
      // turn stay within the turn's budget.
      for (const r of this.reading.splice(0)) r.stop();
      this.acceptingTurns = this.accepting ? this.acceptingTurns + 1 : 0;
      this.accepting = false;
      if (this.acceptingTurns % ACCEPTING_TURNS_IN_A_ROW !== 0) {
        this.schedule();
        return;
      }
      for (const wake of this.waiting.splice(0, PIPELINED_PER_TURN)) wake();
      for (const r of this.readers) {
        if (this.reading.length === LARGE_READS_PER_TURN) break;
        this.readers.delete(r);
        this.reading.push(r);
      }
      const share = LARGE_READ_BYTES_PER_TURN / Math.max(1, this.reading.length);
      for (const r of this.reading) r.readOn(share);
      if (this.waiting.length > 0 || this.readers.size > 0 || this.reading.length > 0) this.schedule();
    });
  }
}

export class LuxiServer {
  private readonly servers: Server[] = [];
  private readonly paths: string[] = [];
  private readonly conns = new Map<Socket, Conn>();
  /** The connections holding request bytes, by their last data, oldest first. */
  private readonly holders = new Set<Conn>();
  private nextConn = 1;
  private readonly turns = new TurnGate();
  private bufferedBytes = 0;
  private largeBytes = 0;
  private largeWaiters: Array<() => void> = [];
  private readonly messageDeadlineMs: number;
  private readonly maxBufferedBytes: number;
  /** Past this, connections with a large unfinished request are not read (they wait for room). */
  private readonly pauseAtBytes: number;
  private roomTimer: NodeJS.Timeout | null = null;
  /** Connections not read for now because their unfinished requests hit the cap, in that order. */
  private readonly waitingRoom = new Set<Conn>();

  constructor(
    private readonly dispatch: Dispatch,
    private readonly log: Logger,
    private readonly opts: LuxiServerOptions,
  ) {
    this.messageDeadlineMs = opts.messageDeadlineMs ?? DEFAULT_MESSAGE_DEADLINE_MS;
    this.maxBufferedBytes = Math.max(opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, opts.maxMessageBytes);
    this.pauseAtBytes = (this.maxBufferedBytes / 4) * 3;
  }

  /** Listens on a temporary name, sets mode 0660, then renames over the final path. */
  async listen(path: string): Promise<void> {
    await fsp.mkdir(dirname(path), {recursive: true, mode: 0o770});
    // mkdir's mode is cut by the umask and leaves an existing directory alone: the spec wants 0770.
    await fsp
      .chmod(dirname(path), 0o770)
      .catch((err: unknown) => this.log.warn({err, dir: dirname(path)}, 'cannot set the socket directory to mode 0770'));
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
    if (this.roomTimer !== null) clearInterval(this.roomTimer);
    this.roomTimer = null;
    for (const c of this.conns.keys()) c.destroy();
    await Promise.all(this.paths.map((p) => fsp.rm(p, {force: true})));
  }

  /** Whether a large request is being parsed or handled. */
  get largeInProgress(): boolean {
    return this.largeBytes > 0;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Request bytes held for all connections, and answer bytes not yet taken by the clients. */
  get held(): {requestBytes: number; answerBytes: number} {
    let answerBytes = 0;
    for (const sock of this.conns.keys()) answerBytes += sock.writableLength;
    return {requestBytes: this.bufferedBytes, answerBytes};
  }

  private onConnection(sock: Socket): void {
    this.turns.accepted();
    const id = this.nextConn++;
    const log = this.log.child({conn: id});
    const splitter = new EtxSplitter(this.opts.maxMessageBytes);
    const conn: Conn = {
      sock,
      splitter,
      pending: new Pending(splitter),
      counted: 0,
      readBytes: 0,
      busy: false,
      closing: false,
      deadline: null,
      allowance: 0,
      readOn: (bytes) => {
        if (conn.closing || sock.destroyed || conn.busy || this.waitingRoom.has(conn)) return;
        conn.allowance = bytes;
        this.resume(conn);
      },
      stop: () => {
        if (conn.allowance <= 0 || conn.closing || sock.destroyed) return;
        conn.allowance = 0;
        sock.pause();
        this.turns.read(conn);
      },
    };
    this.conns.set(sock, conn);
    sock.setTimeout(this.opts.idleTimeoutMs, () => {
      if (!conn.busy && conn.splitter.buffered === 0 && conn.pending.empty) sock.destroy();
    });
    sock.on('close', () => {
      this.conns.delete(sock);
      this.leaveWaitingRoom(conn);
      this.turns.cancelRead(conn);
      this.clearDeadline(conn);
      const leftUnfinished = conn.splitter.buffered > 0;
      conn.pending.clear();
      this.recount(conn);
      // A client went away in the middle of a request: others waiting for room may have gone
      // with it (one process's connections), and are only seen to when they are read.
      if (leftUnfinished && this.waitingRoom.size > 0) this.makeRoom();
      if (conn.readBytes >= REPORTED_READ_BYTES) this.opts.released?.(conn.readBytes);
    });
    sock.on('error', (err) => log.debug({err}, 'connection error'));

    const refuse = (detail: string): void => {
      conn.closing = true;
      conn.pending.clear();
      this.recount(conn);
      this.clearDeadline(conn);
      if (!sock.destroyed) sock.write(frame(formatResponse(false, `Failed to parse request: ${detail}`)));
      sock.end();
      // Read on (and drop) what the client still sends, so that it sees the close.
      this.leaveWaitingRoom(conn);
      sock.resume();
    };
    const drain = async (): Promise<void> => {
      if (conn.busy) return;
      conn.busy = true;
      let first = true;
      while (!conn.pending.empty && !conn.closing && !sock.destroyed) {
        // A client that pipelines requests waits its turn for each after the first (TurnGate):
        // requests handled without an I/O wait run back to back as microtasks, and 333 such
        // clients kept the daemon from accepting or reading anyone else for seconds.
        if (!first) {
          await this.turns.wait();
          if (conn.closing || sock.destroyed || conn.pending.empty) break;
        }
        first = false;
        let msg: Message | undefined;
        try {
          msg = conn.pending.next();
        } catch (err) {
          if (!(err instanceof MessageTooLargeError)) throw err;
          log.warn({bytes: conn.splitter.buffered}, 'request too large');
          refuse(`Request too large (${err.message})`);
          break;
        }
        this.recount(conn);
        if (msg === undefined) break;
        const answer = await this.handle(msg, log, sock);
        if (answer.close) refuse(answer.body ?? '');
        // Backpressure: the next request waits until the client has taken this answer (the
        // socket's buffer in the kernel holds the answers of a client that pipelines); one
        // that does not read its answers has at most one waiting in the daemon.
        else if (answer.body !== null && !sock.destroyed) await written(sock, frame(answer.body));
      }
      conn.busy = false;
      if (!conn.closing && !sock.destroyed) this.resume(conn);
    };
    sock.on('data', (chunk: Buffer) => {
      conn.readBytes += chunk.length;
      if (conn.closing) return;
      // Moved to the end: the most recent data.
      this.holders.delete(conn);
      let complete: boolean;
      try {
        complete = conn.pending.push(chunk);
      } catch (err) {
        if (err instanceof MessageTooLargeError) {
          log.warn({bytes: conn.splitter.buffered}, 'request too large');
          refuse(`Request too large (${err.message})`);
          return;
        }
        throw err;
      }
      this.recount(conn);
      if (conn.splitter.buffered > 0 && !complete) {
        if (conn.deadline === null) this.startDeadline(conn, log);
      } else {
        this.clearDeadline(conn);
        if (conn.splitter.buffered > 0) this.startDeadline(conn, log);
      }
      // One request at a time per connection: the rest waits in the socket, not in memory.
      if (!conn.pending.empty) {
        sock.pause();
        conn.allowance = 0;
        this.leaveWaitingRoom(conn);
        this.clearDeadline(conn);
        void drain();
      } else if (
        conn.splitter.buffered >= LARGE_UNFINISHED_BYTES &&
        ((conn.allowance -= chunk.length) <= 0 || this.bufferedBytes > this.pauseAtBytes)
      ) {
        // A large unfinished request is read on its turn with those of the others (TurnGate),
        // not as fast as its client sends: 333 clients sending 60 MiB each made each turn read
        // ~60 MB, and libuv accepts one connection per turn. Over the cap, it waits, unread,
        // for room (its deadline runs on), instead of being read on while others are closed to
        // make room (docs/luxi.md).
        conn.allowance = 0;
        sock.pause();
        if (this.bufferedBytes > this.pauseAtBytes) this.enterWaitingRoom(conn);
        else this.turns.read(conn);
      } else {
        this.leaveWaitingRoom(conn);
      }
      if (this.bufferedBytes > this.maxBufferedBytes) this.shed(conn, log);
    });
  }

  private resume(conn: Conn): void {
    if (this.waitingRoom.has(conn)) return;
    conn.sock.resume();
    if (conn.splitter.buffered > 0 && conn.deadline === null) this.startDeadline(conn, this.log);
  }

  private startDeadline(conn: Conn, log: Logger): void {
    conn.deadline = setTimeout(() => {
      log.warn({bytes: conn.splitter.buffered, ms: this.messageDeadlineMs}, 'request not complete in time; closing the connection');
      conn.sock.destroy();
    }, this.messageDeadlineMs);
  }

  private clearDeadline(conn: Conn): void {
    if (conn.deadline !== null) clearTimeout(conn.deadline);
    conn.deadline = null;
  }

  private recount(conn: Conn): void {
    const now = conn.sock.destroyed ? 0 : conn.splitter.buffered + conn.pending.bytes;
    const freed = now < conn.counted;
    this.bufferedBytes += now - conn.counted;
    conn.counted = now;
    if (now === 0) this.holders.delete(conn);
    else this.holders.add(conn);
    if (freed && this.waitingRoom.size > 0 && this.bufferedBytes <= this.pauseAtBytes - this.maxBufferedBytes / 8) this.makeRoom();
  }

  /**
   * Room again (an eighth of the cap below where reading stopped), or a second passed: the
   * connections waiting for room are read again, each on its turn (TurnGate); each one that is
   * still over waits anew after one read. A connection that is not read does not see its client
   * go (the end of the stream comes after the bytes still in the socket), so they are read once
   * a second: a client that went away is seen within a second or two, and one still writing
   * adds a read a second until the cap is reached and the connections idle longest are closed
   * (`shed`).
   */
  private makeRoom(): void {
    for (const c of [...this.waitingRoom]) {
      this.leaveWaitingRoom(c);
      this.turns.read(c);
    }
  }

  private enterWaitingRoom(conn: Conn): void {
    if (this.waitingRoom.has(conn)) return;
    this.waitingRoom.add(conn);
    if (this.roomTimer === null) {
      this.roomTimer = setInterval(() => this.makeRoom(), this.opts.waitingRoomCheckMs ?? 1000);
      this.roomTimer.unref();
    }
  }

  private leaveWaitingRoom(conn: Conn): void {
    if (!this.waitingRoom.delete(conn)) return;
    if (this.waitingRoom.size === 0 && this.roomTimer !== null) {
      clearInterval(this.roomTimer);
      this.roomTimer = null;
    }
  }

  /**
   * Over the limit of held request bytes: closes the connections that hold bytes and sent
   * nothing for longest, until the rest fits; `current` (which just sent data) goes last.
   */
  private shed(current: Conn, log: Logger): void {
    // `holders` is in the order of the connections' last data: the oldest come first, and
    // the walk stops as soon as the rest fits (not a sort of every connection per data event).
    const victims: Conn[] = [];
    let over = this.bufferedBytes - this.maxBufferedBytes;
    for (const c of this.holders) {
      if (over <= 0) break;
      if (c === current) continue;
      victims.push(c);
      over -= c.counted;
    }
    if (over > 0) victims.push(current);
    for (const c of victims) {
      if (this.bufferedBytes <= this.maxBufferedBytes) return;
      log.warn(
        {held: this.bufferedBytes, limit: this.maxBufferedBytes, dropped: c.counted},
        'too many request bytes held; closing the longest idle connection',
      );
      c.closing = true;
      c.pending.clear();
      c.sock.destroy();
      this.recount(c);
    }
  }

  /** Waits until `bytes` more fit in the memory allowed to large requests in progress. */
  private async reserveLarge(bytes: number): Promise<() => void> {
    const want = Math.min(bytes, MAX_LARGE_BYTES);
    while (this.largeBytes + want > MAX_LARGE_BYTES) {
      await new Promise<void>((resolve) => this.largeWaiters.push(resolve));
    }
    this.largeBytes += want;
    return () => {
      this.largeBytes -= want;
      for (const wake of this.largeWaiters.splice(0)) wake();
    };
  }

  /**
   * Parses a large request in slices, as read (its chunks decoded a piece at a time, never put
   * together); over its memory budget, answers with the limit it hit.
   */
  private async parseLarge(msg: Message, parted: string[]): Promise<LuxiRequest> {
    const slicer = new TimeSlicer();
    const budgetBytes = BUDGET_PER_BYTE * msg.bytes;
    let res;
    try {
      res = await parseJsonBounded(utf8Pieces(msg.chunks), {
        budgetBytes,
        pause: () => slicer.check(),
        distinctFirstArg: (method) => this.opts.distinctFirstArg?.(method) === true,
        firstArgLimit: (method) => this.opts.firstArgLimit?.(method) ?? null,
      });
    } catch (err) {
      if (err instanceof BoundedParseError) throw new LuxiParseError(`Invalid LUXI request: ${err.message}`);
      throw err;
    }
    if (!res.ok) {
      this.log.warn({method: res.method, bytes: msg.bytes, estimated: res.estimatedBytes}, 'request over its memory budget or its limit');
      this.opts.oversized?.(res.method, res.firstArgLength);
      throw new LuxiParseError(`Request too large: its values need more than ${budgetBytes} bytes of memory`);
    }
    parted.push(...res.parted);
    return requestFromValue(res.value);
  }

  /** Handles one request; a large answer is written here, piece by piece (body null). */
  private async handle(msg: Message, log: Logger, sock: Socket): Promise<{body: string | null; close: boolean}> {
    let method = '?';
    const large = msg.bytes > LARGE_MESSAGE_BYTES;
    const release = large ? await this.reserveLarge(LARGE_REQUEST_WEIGHT * msg.bytes) : null;
    // Long strings of the request kept in parts until it is answered (json/long-strings.ts).
    const parted: string[] = [];
    try {
      const req = large ? await this.parseLarge(msg, parted) : parseRequest(messageBytes(msg).toString('utf8'));
      // One huge token (a 60 MiB string) is parsed without a pause: let others in before the
      // request is run.
      if (large) await new Promise((r) => setImmediate(r));
      method = req.method;
      log.debug({method}, 'request');
      const result = await this.dispatch(req.method, req.args, log);
      if (!needsSlicing(result)) return {body: formatResponse(true, result), close: false};
      const bytes = await writeSliced(sock, result);
      if (bytes >= REPORTED_ANSWER_BYTES) this.opts.released?.(bytes);
      return {body: null, close: false};
    } catch (err) {
      // A message quoting the request (an unknown opcode's 60 MiB name) is answered clipped:
      // written whole it was one step of over a second (docs/luxi.md).
      if (err instanceof LuxiParseError) {
        log.debug({method, err: clip(err.message, 1000)}, 'undecodable request');
        return {body: clip(err.message, MAX_MESSAGE_CHARS), close: true};
      }
      if (err instanceof GanetiError) return {body: formatResponse(false, clipStrings(encodeError(err))), close: false};
      log.error({method, err}, 'internal error while handling a request');
      return {body: formatResponse(false, ['GenericError', [`Internal error: ${(err as Error).message}`]]), close: false};
    } finally {
      forgetParts(parted);
      release?.();
      if (large) this.opts.released?.(msg.bytes);
    }
  }
}

/** Writes `data`; resolves once the kernel has taken all of it (or the socket is gone). */
function written(sock: Socket, data: Buffer): Promise<void> | void {
  let taken = false;
  let done: (() => void) | null = null;
  sock.write(data, () => {
    taken = true;
    done?.();
  });
  if (taken || sock.writableLength === 0) return;
  return new Promise((resolve) => {
    const finish = (): void => {
      sock.off('close', finish);
      resolve();
    };
    done = finish;
    sock.on('close', finish);
  });
}

/** Characters of an error message answered (Ganeti's are short; one may quote a request). */
const MAX_MESSAGE_CHARS = 64 * 1024;

/** An encoded error with its long strings clipped (its arguments: messages, codes, names). */
function clipStrings(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return clip(v, MAX_MESSAGE_CHARS);
  if (Array.isArray(v) && depth < 4) return v.map((x) => clipStrings(x, depth + 1));
  return v;
}

/** Resolves once the socket's write buffer has drained (or the socket is gone). */
function writable(sock: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      sock.off('drain', done);
      sock.off('close', done);
      resolve();
    };
    sock.on('drain', done);
    sock.on('close', done);
  });
}

/**
 * Writes `{"success":true,"result":...}` and ETX in pieces, waiting while the client reads;
 * returns the characters of the result written.
 */
async function writeSliced(sock: Socket, result: unknown): Promise<number> {
  const slicer = new TimeSlicer();
  const pieces = stringifySliced(result, () => slicer.check());
  let chars = 0;
  sock.write('{"success":true,"result":');
  for await (const piece of pieces) {
    if (sock.destroyed) return chars;
    chars += piece.length;
    if (!sock.write(piece) && sock.writableLength > ANSWER_HIGH_WATER) await writable(sock);
  }
  if (!sock.destroyed) sock.write(Buffer.from([0x7d, ETX_BYTE]));
  return chars;
}
