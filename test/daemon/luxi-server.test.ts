// The LUXI server's limits, in-process: backpressure, the cap on held request bytes, the
// per-message deadline and large requests handled in slices.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it, mock} from 'node:test';
import {pino} from 'pino';
import {LuxiServer, type LuxiServerOptions} from '../../src/daemon/luxi-server.js';
import {collectGarbage} from '../../src/process/memory-trim.js';
import {GanetiError, LuxiParseError} from '../../src/protocol/errors.js';
import {waitFor} from '../helpers/cluster.js';

const log = pino({level: 'silent'});

/** Echo: answers Echo with its argument, Count with the length of its first argument. */
/** What the tests of fairness see: the order in which requests reach the dispatcher. */
const trace: {events: string[]; onPiped: (() => void) | null} = {events: [], onPiped: null};

function dispatch(method: string, args: unknown[]): unknown {
  if (method === 'Piped') {
    trace.events.push('piped');
    trace.onPiped?.();
    return args[0];
  }
  if (method === 'Echo') {
    trace.events.push(`echo ${JSON.stringify(args[0])}`);
    return args[0];
  }
  if (method === 'Count') return (args[0] as unknown[]).length;
  if (method === 'Rows') return Array.from({length: args[0] as number}, (_, i) => [0, `row ${i} `.padEnd(60, 'x')]);
  if (method === 'Many') throw new GanetiError('JobQueueFull', []);
  if (method === 'Unknown') throw new LuxiParseError(`Unknown thing ${String(args[0])}`);
  if (method === 'Refused') throw new GanetiError('OpPrereqError', [`No such thing ${String(args[0])}`, 'unknown_entity']);
  throw new Error(`unexpected ${method}`);
}

async function serve(opts: Partial<LuxiServerOptions> = {}): Promise<{server: LuxiServer; path: string; dir: string}> {
  const dir = mkdtempSync(join(tmpdir(), 'luxi-server-test-'));
  const path = join(dir, 'sock');
  const server = new LuxiServer(dispatch, log, {
    maxMessageBytes: 64 * 1024 * 1024,
    idleTimeoutMs: 60_000,
    oversized: (method) => {
      if (method === 'Many') throw new GanetiError('JobQueueFull', []);
    },
    ...opts,
  });
  await server.listen(path);
  return {server, path, dir};
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

const request = (method: string, args: unknown[]): string => `${JSON.stringify({method, args})}\x03`;

/** Sends one request on a new connection and resolves with the parsed answer. */
async function call(path: string, method: string, args: unknown[]): Promise<{success: boolean; result: unknown}> {
  const s = await open(path);
  let buf = '';
  return new Promise((resolve, reject) => {
    s.on('data', (d) => {
      buf += d.toString('utf8');
      const end = buf.indexOf('\x03');
      if (end !== -1) {
        s.destroy();
        resolve(JSON.parse(buf.slice(0, end)) as {success: boolean; result: unknown});
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error('closed without an answer')));
    s.write(request(method, args));
  });
}

const closed = (s: Socket): Promise<void> => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

describe('LUXI server limits', () => {
  let ctx: {server: LuxiServer; path: string; dir: string};
  before(async () => {
    ctx = await serve({maxBufferedBytes: 4 * 1024 * 1024, maxMessageBytes: 2 * 1024 * 1024});
  });
  after(async () => {
    await ctx.server.close();
    rmSync(ctx.dir, {recursive: true, force: true});
  });

  it('stops reading from a client that does not read its answers', async () => {
    const s = await open(ctx.path);
    s.on('error', () => undefined);
    const one = request('Echo', ['x'.repeat(4000)]);
    // 40 MB of pipelined requests, 40 MB of answers that are never read
    const chunk = one.repeat(256);
    for (let i = 0; i < 40; i++) s.write(chunk);
    await waitFor(() => ctx.server.held.answerBytes > 0, 10_000, 'answers to pile up');
    await new Promise((r) => setTimeout(r, 500));
    const {answerBytes, requestBytes} = ctx.server.held;
    assert.ok(answerBytes < 4 * 1024 * 1024, `${answerBytes} answer bytes held`);
    assert.ok(requestBytes < 1024 * 1024, `${requestBytes} request bytes held`);
    assert.ok(s.writableLength > 0, 'the client could not hand over all its requests');
    assert.deepEqual(await call(ctx.path, 'Echo', [1]), {success: true, result: 1}, 'others are still served');
    s.destroy();
  });

  it('keeps at most one answer for a client that does not read them, and handles its next request only when it does', async () => {
    const s = await open(ctx.path);
    s.pause();
    const one = request('Echo', ['y'.repeat(1000)]);
    const answerBytes = `${JSON.stringify({success: true, result: 'y'.repeat(1000)})}\x03`.length;
    s.write(one.repeat(2000));
    await waitFor(() => ctx.server.held.answerBytes > 0, 10_000, 'answers to wait for the client');
    await new Promise((r) => setTimeout(r, 300));
    const held = ctx.server.held.answerBytes;
    assert.ok(held <= answerBytes, `${held} answer bytes held, one answer is ${answerBytes}`);
    // The client reads: the rest are answered.
    let answers = 0;
    s.on('data', (d: Buffer) => {
      for (const b of d) if (b === 3) answers++;
    });
    s.resume();
    await waitFor(() => answers === 2000, 20_000, 'every answer');
    s.destroy();
  });

  it('stops reading unfinished requests near the cap on held bytes, serves others, and gives every byte back when they go', async () => {
    const cap = 4 * 1024 * 1024;
    const released: number[] = [];
    const own = await serve({
      maxBufferedBytes: cap,
      maxMessageBytes: 2 * 1024 * 1024,
      waitingRoomCheckMs: 200,
      released: (bytes) => released.push(bytes),
    });
    const socks: Socket[] = [];
    try {
      const held = await holdAndGo(own, socks, cap);
      // What they read is garbage now and reported as such (MemoryTrim); the small clients are not.
      await waitFor(() => released.length === 4, 10_000, 'the four connections reported');
      const total = released.reduce((a, b) => a + b, 0);
      assert.ok(total >= held, `${total} bytes reported released, ${held} were held`);
      assert.ok(
        released.every((b) => b >= 64 * 1024),
        `${released.join(', ')}`,
      );
    } finally {
      for (const s of socks) s.destroy();
      await own.server.close();
      rmSync(own.dir, {recursive: true, force: true});
    }
  });
});

describe('LUXI server: memory of connections that went', () => {
  it('keeps nothing of the unfinished requests of clients that went', async () => {
    const own = await serve({maxMessageBytes: 8 * 1024 * 1024});
    try {
      collectGarbage();
      const baseline = process.memoryUsage().arrayBuffers;
      const socks: Socket[] = [];
      for (let i = 0; i < 8; i++) {
        const s = await open(own.path);
        s.on('error', () => undefined);
        s.write(Buffer.alloc(2 * 1024 * 1024, 0x20));
        socks.push(s);
      }
      await waitFor(() => own.server.held.requestBytes === 16 * 1024 * 1024, 10_000, 'the server to read 16 MiB');
      for (const s of socks) s.destroy();
      await waitFor(() => own.server.connectionCount === 0 && own.server.held.requestBytes === 0, 10_000, 'the connections to go');
      socks.length = 0;
      collectGarbage();
      // V8 frees the dead buffers' memory just after the collection.
      await new Promise((r) => setTimeout(r, 300));
      const left = process.memoryUsage().arrayBuffers - baseline;
      assert.ok(left < 2 * 1024 * 1024, `${left} bytes of buffers still referenced after 16 MiB were read and their clients went`);
    } finally {
      await own.server.close();
      rmSync(own.dir, {recursive: true, force: true});
    }
  });
});

/** Four clients send more unfinished bytes than the cap allows, are not read past it, and go. */
async function holdAndGo(own: {server: LuxiServer; path: string}, socks: Socket[], cap: number): Promise<number> {
  // Four unfinished requests of 1.9 MiB each: 7.6 MiB, nearly twice the cap.
  const part = Buffer.alloc(1900 * 1024, 0x20);
  for (let i = 0; i < 4; i++) {
    const s = await open(own.path);
    s.on('error', () => undefined);
    s.write(part);
    socks.push(s);
  }
  await waitFor(() => own.server.held.requestBytes > cap / 2, 5000, 'the server to read');
  assert.deepEqual(await call(own.path, 'Echo', ['still served']), {success: true, result: 'still served'});
  assert.deepEqual(await call(own.path, 'Echo', ['and again']), {success: true, result: 'and again'});
  const held = own.server.held.requestBytes;
  assert.ok(held > cap / 2 && held <= cap, `${held} request bytes held`);
  assert.ok(
    socks.every((s) => !s.destroyed),
    'no connection was closed to make room',
  );
  // They go: the server sees it though it was not reading them, and gives their bytes back.
  for (const s of socks) s.destroy();
  await waitFor(() => own.server.held.requestBytes === 0, 10_000, 'held bytes to be released');
  return held;
}

describe('LUXI server: fairness between connections', () => {
  let ctx: {server: LuxiServer; path: string; dir: string};
  before(async () => {
    ctx = await serve();
  });
  after(async () => {
    await ctx.server.close();
    rmSync(ctx.dir, {recursive: true, force: true});
  });

  it('answers pipelined requests of all sizes in order, whatever chunks they were read in', async () => {
    const s = await open(ctx.path);
    const sizes = Array.from({length: 300}, (_, i) => (i % 50 === 7 ? 100_000 + i : i % 13));
    let buf = '';
    s.on('data', (d: Buffer) => (buf += d.toString('utf8')));
    s.write(sizes.map((n, i) => request('Echo', [`${i}:${'z'.repeat(n)}`])).join(''));
    await waitFor(() => buf.split('\x03').length === sizes.length + 1, 20_000, 'every answer');
    assert.deepEqual(
      buf
        .split('\x03')
        .slice(0, -1)
        .map((a) => (JSON.parse(a) as {result: string}).result),
      sizes.map((n, i) => `${i}:${'z'.repeat(n)}`),
    );
    s.destroy();
  });

  it('answers a new client while another pipelines a thousand requests on its connection', async () => {
    const newcomer = await open(ctx.path);
    const piper = await open(ctx.path);
    let answers = 0;
    piper.on('data', (d: Buffer) => {
      for (const b of d) if (b === 3) answers++;
    });
    let newcomerAnswer = '';
    newcomer.on('data', (d: Buffer) => (newcomerAnswer += d.toString('utf8')));
    trace.events = [];
    // The newcomer's request reaches the server's socket once the pipelined ones are being handled.
    trace.onPiped = () => {
      trace.onPiped = null;
      newcomer.write(request('Echo', ['newcomer']));
    };
    const count = 1000;
    piper.write(request('Piped', [1]).repeat(count));
    await waitFor(() => answers === count && newcomerAnswer.endsWith('\x03'), 10_000, 'every answer');
    assert.equal(newcomerAnswer, `${JSON.stringify({success: true, result: 'newcomer'})}\x03`);
    const at = trace.events.indexOf('echo "newcomer"');
    const pipedBefore = trace.events.slice(0, at).filter((e) => e === 'piped').length;
    console.log(`# the newcomer's request was handled after ${pipedBefore} of the ${count} pipelined ones`);
    assert.ok(pipedBefore < count, 'the newcomer was served while the pipelined requests were still being handled');
    piper.destroy();
    newcomer.destroy();
  });

  it('accepts a burst of new connections before it goes on with the pipelined requests of another', async () => {
    const piper = await open(ctx.path);
    let answers = 0;
    piper.on('data', (d: Buffer) => {
      for (const b of d) if (b === 3) answers++;
    });
    trace.events = [];
    const count = 2000;
    const newcomers: Array<Promise<unknown>> = [];
    // 100 clients connect at once while the pipelined requests are handled: they wait in the
    // listen backlog, and the server accepts one per turn of the event loop. The pipelining
    // connection has one request handled per turn (before: ~100 of them in the meantime).
    trace.onPiped = () => {
      trace.onPiped = null;
      for (let i = 0; i < 100; i++) newcomers.push(call(ctx.path, 'Echo', [`n${i}`]));
    };
    piper.write(request('Piped', [1]).repeat(count));
    await waitFor(() => newcomers.length === 100, 10_000, 'the newcomers to connect');
    await Promise.all(newcomers);
    await waitFor(() => answers === count, 20_000, 'every pipelined answer');
    const last = trace.events.findLastIndex((e) => e.startsWith('echo "n'));
    const pipedBefore = trace.events.slice(0, last).filter((e) => e === 'piped').length;
    console.log(`# the last of 100 new clients was answered after ${pipedBefore} of the ${count} pipelined requests`);
    assert.ok(pipedBefore < 50, `${pipedBefore} pipelined requests were handled before the last new client was answered`);
    piper.destroy();
  });
});

describe('LUXI server: work per turn of the event loop', () => {
  it('reads large unfinished requests a few chunks per turn, however many clients send them', async () => {
    const own = await serve();
    const socks: Socket[] = [];
    try {
      // 24 clients each sending 2 MiB of an unfinished request (48 MiB, under the cap).
      const part = Buffer.alloc(2 * 1024 * 1024, 0x20);
      for (let i = 0; i < 24; i++) {
        const s = await open(own.path);
        s.on('error', () => undefined);
        socks.push(s);
      }
      // Each client's first chunk is read when it comes (the server does not know yet that the
      // request is large); what follows waits its turn.
      const head = 100 * 1024;
      for (const s of socks) s.write(part.subarray(0, head));
      await waitFor(() => own.server.held.requestBytes >= 24 * 64 * 1024, 10_000, 'the first chunks to be read');
      let turns = 0;
      let most = 0;
      let last = own.server.held.requestBytes;
      let sampling = true;
      const sample = (): void => {
        const now = own.server.held.requestBytes;
        most = Math.max(most, now - last);
        last = now;
        turns++;
        if (sampling) setImmediate(sample);
      };
      setImmediate(sample);
      for (const s of socks) s.write(part.subarray(head));
      await waitFor(() => own.server.held.requestBytes === 24 * part.length, 60_000, 'every byte to be read');
      sampling = false;
      console.log(`# read in ${turns} turns, at most ${most} bytes in one`);
      assert.ok(most <= 1024 * 1024, `${most} bytes read in one turn of the event loop`);
      assert.deepEqual(await call(own.path, 'Echo', ['served']), {success: true, result: 'served'});
    } finally {
      for (const s of socks) s.destroy();
      await own.server.close();
      rmSync(own.dir, {recursive: true, force: true});
    }
  });
});

describe('LUXI server: request deadline', () => {
  let ctx: {server: LuxiServer; path: string; dir: string};
  before(async () => {
    ctx = await serve({messageDeadlineMs: 500});
  });
  after(async () => {
    await ctx.server.close();
    rmSync(ctx.dir, {recursive: true, force: true});
  });

  it('closes the connection of a writer too slow to finish its request, though it never stops writing', async () => {
    const s = await open(ctx.path);
    s.on('error', () => undefined);
    const text = request('Echo', ['slow'.repeat(100)]);
    let i = 0;
    const timer = setInterval(() => {
      if (!s.destroyed && i < text.length - 1) s.write(text[i++]!);
    }, 10);
    await closed(s);
    clearInterval(timer);
    assert.ok(i < text.length - 1, 'closed before the request was complete');
  });

  it('closes it when the deadline expires, not a millisecond before (fake clock)', async () => {
    mock.timers.enable({apis: ['setTimeout', 'setInterval']});
    try {
      const s = await open(ctx.path);
      s.on('error', () => undefined);
      let isClosed = false;
      s.on('close', () => (isClosed = true));
      // Only timers are frozen: socket I/O still needs turns of the event loop.
      const until = async (cond: () => boolean, what: string): Promise<void> => {
        for (let k = 0; k < 5000 && !cond(); k++) await new Promise((r) => setImmediate(r));
        assert.ok(cond(), what);
      };
      const text = request('Echo', ['slow']);
      s.write(text.slice(0, 5));
      await until(() => ctx.server.held.requestBytes === 5, 'the server read the first bytes');
      mock.timers.tick(499);
      s.write(text.slice(5, 10));
      await until(() => ctx.server.held.requestBytes === 10, 'the server read more bytes');
      assert.equal(isClosed, false, 'open until the deadline, though the client keeps writing');
      mock.timers.tick(1);
      await until(() => isClosed, 'closed at the deadline');
    } finally {
      mock.timers.reset();
    }
  });

  it('answers requests sent in pieces within the deadline, one after another', async () => {
    const s = await open(ctx.path);
    let buf = '';
    s.on('data', (d) => (buf += d.toString('utf8')));
    for (let k = 0; k < 3; k++) {
      const text = request('Echo', [`pieces${k}`]);
      for (let i = 0; i < text.length; i += 8) {
        s.write(text.slice(i, i + 8));
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    await waitFor(() => buf.split('\x03').length === 4, 5000, 'three answers');
    assert.equal(
      buf,
      '{"success":true,"result":"pieces0"}\x03{"success":true,"result":"pieces1"}\x03{"success":true,"result":"pieces2"}\x03',
    );
    assert.ok(!s.destroyed);
    s.destroy();
  });
});

describe('LUXI server: large requests', () => {
  let ctx: {server: LuxiServer; path: string; dir: string};
  before(async () => {
    ctx = await serve();
  });
  after(async () => {
    await ctx.server.close();
    rmSync(ctx.dir, {recursive: true, force: true});
  });

  it('reports a large request as released once it is handled', async () => {
    const released: number[] = [];
    const d = await serve({released: (bytes) => released.push(bytes)});
    try {
      const big = await call(d.path, 'Echo', ['y'.repeat(400_000)]);
      assert.equal((big.result as string).length, 400_000);
      assert.deepEqual(await call(d.path, 'Echo', ['small']), {success: true, result: 'small'});
      await waitFor(() => released.length === 2, 5000, 'the request and its connection reported');
      assert.ok(
        released.every((b) => b >= 400_000),
        `${released.join(', ')}`,
      );
    } finally {
      await d.server.close();
      rmSync(d.dir, {recursive: true, force: true});
    }
  });

  it('reports an answer of a megabyte or more as released once written, not a small one', async () => {
    const released: number[] = [];
    const d = await serve({released: (bytes) => released.push(bytes)});
    try {
      // Both answers are lists long enough to be written in pieces (small requests, so nothing
      // else is reported); only the second is a megabyte.
      const small = await call(d.path, 'Rows', [1000]);
      assert.equal((small.result as unknown[]).length, 1000);
      const big = await call(d.path, 'Rows', [20_000]);
      assert.deepEqual((big.result as unknown[][])[19_999], [0, 'row 19999 '.padEnd(60, 'x')]);
      await waitFor(() => released.length === 1, 5000, 'the large answer reported');
      assert.ok(released[0]! >= 20_000 * 60, `${released.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(released.length, 1, `${released.join(', ')}`);
    } finally {
      await d.server.close();
      rmSync(d.dir, {recursive: true, force: true});
    }
  });

  it('serves small requests while it parses and answers a large one', async () => {
    const n = 500_000;
    const big = call(ctx.path, 'Echo', [Array.from({length: n}, (_, i) => i)]);
    let bigDone = false;
    void big.then(() => (bigDone = true));
    let answeredMeanwhile = 0;
    while (!bigDone) {
      assert.deepEqual(await call(ctx.path, 'Echo', ['small']), {success: true, result: 'small'});
      if (!bigDone) answeredMeanwhile++;
    }
    const res = await big;
    assert.equal((res.result as number[]).length, n);
    assert.equal((res.result as number[])[n - 1], n - 1);
    assert.ok(answeredMeanwhile > 0, 'small requests were answered while the large one was handled');
  });

  it('answers a request over its memory budget with the limit it hit, or refuses it', async () => {
    const empties = `[${'[],'.repeat(2_000_000)}[]]`;
    const many = await call(ctx.path, 'Many', []).catch(() => null);
    assert.deepEqual(many, {success: false, result: ['JobQueueFull', []]});
    const s = await open(ctx.path);
    let buf = '';
    s.on('data', (d) => (buf += d.toString('utf8')));
    s.write(`{"method": "Many", "args": [${empties}]}\x03`);
    await waitFor(() => buf.includes('\x03'), 60_000, 'an answer');
    assert.equal(buf, '{"success":false,"result":["JobQueueFull",[]]}\x03');
    s.destroy();
    const s2 = await open(ctx.path);
    let buf2 = '';
    s2.on('data', (d) => (buf2 += d.toString('utf8')));
    s2.write(`{"method": "Count", "args": [${empties}]}\x03`);
    await closed(s2);
    assert.match(
      buf2,
      /^\{"success":false,"result":"Failed to parse request: Request too large: its values need more than \d+ bytes of memory"\}\x03$/,
    );
  });

  it('reads a large request as it came, in pieces: never copied into one buffer nor decoded whole', async () => {
    // Characters of 2 and 4 bytes cut between socket reads, escapes, and a request after it in the same write.
    const long = `${'é😀x'.repeat(700_000)}\n\u00e9`;
    const wire = `${request('Echo', [long])}${request('Echo', ['next'])}`;
    const concat = mock.method(Buffer, 'concat');
    const decode = mock.method(Buffer.prototype, 'toString');
    try {
      const s = await open(ctx.path);
      const got: Buffer[] = [];
      let ends = 0;
      s.on('data', (d: Buffer) => {
        got.push(d);
        ends += d.filter((b) => b === 3).length;
      });
      s.write(wire);
      await waitFor(() => ends === 2, 60_000, 'two answers');
      s.destroy();
      const largest = Math.max(
        0,
        ...concat.mock.calls.map((c) => (c.result as Buffer).length),
        ...decode.mock.calls.map((c: {result?: unknown}) => (c.result as string).length),
      );
      concat.mock.restore();
      decode.mock.restore();
      assert.ok(
        largest < 2 * 1024 * 1024,
        `a piece of work was given ${largest} bytes or characters of a ${wire.length}-character request`,
      );
      const answers = Buffer.concat(got).toString('utf8').split('\x03');
      assert.deepEqual(JSON.parse(answers[0]!), {success: true, result: long});
      assert.deepEqual(JSON.parse(answers[1]!), {success: true, result: 'next'});
    } finally {
      concat.mock.restore();
      decode.mock.restore();
    }
  });

  it('answers an error quoting a long request value clipped', async () => {
    const long = 'y'.repeat(3 * 1024 * 1024);
    const refused = await call(ctx.path, 'Refused', [long]);
    assert.deepEqual(refused, {
      success: false,
      result: [
        'OpPrereqError',
        [`No such thing ${'y'.repeat(65_536 - 14)}... (${long.length + 14 - 65_536} more characters)`, 'unknown_entity'],
      ],
    });
    const s = await open(ctx.path);
    let buf = '';
    s.on('data', (d) => (buf += d.toString('utf8')));
    s.write(request('Unknown', [long]));
    await closed(s);
    assert.equal(buf.length < 70_000, true, `${buf.length} characters answered`);
    assert.match(buf, /^\{"success":false,"result":"Failed to parse request: Unknown thing y+\.\.\. \(\d+ more characters\)"\}\x03$/);
  });

  it('drops the repeats of a large first argument for the methods that allow it', async () => {
    const d = await serve({maxMessageBytes: 8 * 1024 * 1024, distinctFirstArg: (m) => m === 'Count'});
    try {
      const ids = Array.from({length: 600_000}, (_, i) => i % 3);
      assert.deepEqual(await call(d.path, 'Count', [ids]), {success: true, result: 3});
      assert.deepEqual(await call(d.path, 'Echo', [ids.slice(0, 200_000)]).then((r) => (r.result as unknown[]).length), 200_000);
    } finally {
      await d.server.close();
      rmSync(d.dir, {recursive: true, force: true});
    }
  });
});
