import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {LuxiClient} from '../../src/protocol/client.js';
import {parseJson, stringifyJson} from '../../src/json/lossless.js';
import {decodeError, encodeError, GanetiError, LuxiClientError, LuxiParseError, opPrereqError} from '../../src/protocol/errors.js';
import {formatError} from '../../src/cli/error-text.js';
import {EtxSplitter, frame, MessageTooLargeError} from '../../src/protocol/framing.js';
import {formatRequest, formatResponse, parseRequest, parseResponse} from '../../src/protocol/messages.js';

describe('ETX framing', () => {
  it('splits messages across and within chunks', () => {
    const s = new EtxSplitter();
    assert.deepEqual(s.push(Buffer.from('{"a":')), []);
    assert.deepEqual(s.push(Buffer.from('1}\x03{"b":2}\x03{"c"')).map(String), ['{"a":1}', '{"b":2}']);
    assert.deepEqual(s.push(Buffer.from(':3}\x03')).map(String), ['{"c":3}']);
    assert.equal(s.buffered, 0);
  });

  it('enforces the size limit on a message in progress', () => {
    const s = new EtxSplitter(10);
    assert.throws(() => s.push(Buffer.alloc(11, 0x20)), MessageTooLargeError);
    const t = new EtxSplitter(10);
    t.push(Buffer.alloc(6, 0x20));
    assert.throws(() => t.push(Buffer.concat([Buffer.alloc(6, 0x20), Buffer.from([3])])), MessageTooLargeError);
  });

  it('frames with a single trailing ETX byte', () => {
    assert.deepEqual([...frame('{}')], [0x7b, 0x7d, 0x03]);
  });
});

describe('lossless JSON', () => {
  it('keeps integers beyond 2^53 exact and round-trips them', () => {
    const text =
      '{"reason": [["gnt:client", "x", 1795541175805849856]], "small": 12, "f": 1.5, "neg": -9007199254740993, "s": "12345678901234567890"}';
    const v = parseJson(text) as Record<string, unknown>;
    assert.equal((v.reason as unknown[][])[0]![2], 1795541175805849856n);
    assert.equal(v.neg, -9007199254740993n);
    assert.equal(v.small, 12);
    assert.equal(v.s, '12345678901234567890');
    assert.equal(
      stringifyJson(v),
      '{"reason":[["gnt:client","x",1795541175805849856]],"small":12,"f":1.5,"neg":-9007199254740993,"s":"12345678901234567890"}',
    );
  });

  it('is JSON.parse for ordinary text and rejects what JSON.parse rejects', () => {
    assert.deepEqual(parseJson('[1, "a\\"b", {"x": null}]'), [1, 'a"b', {x: null}]);
    assert.throws(() => parseJson('{"a": 1'), SyntaxError);
    assert.throws(() => parseJson('12345678901234567890x'), SyntaxError);
  });
});

describe('LUXI envelopes', () => {
  it('parses requests with or without version and rejects malformed ones', () => {
    assert.deepEqual(parseRequest('{"method": "Query", "args": ["job", [], null], "version": 3000000}\n'), {
      method: 'Query',
      args: ['job', [], null],
      version: 3000000,
    });
    assert.equal(parseRequest('{"method": "X", "args": []}').version, null);
    for (const bad of ['{', '[]', '{}', '{"method": "X"}', '{"args": []}', '{"version": 1}', '{"method": 1, "args": []}']) {
      assert.throws(() => parseRequest(bad), LuxiParseError, bad);
    }
  });

  it('formats responses without a version key', () => {
    assert.equal(formatResponse(true, 17), '{"success":true,"result":17}');
    assert.deepEqual(parseResponse(formatResponse(false, ['JobQueueFull', []])), {success: false, result: ['JobQueueFull', []]});
    assert.throws(() => parseResponse('{"success": true}'), LuxiParseError);
    assert.equal(formatRequest('Query', [1], null), '{"method":"Query","args":[1]}');
  });

  it('encodes errors the way the stock client decodes them', () => {
    assert.deepEqual(opPrereqError('m', 'wrong_input').encode(), ['OpPrereqError', ['m', 'wrong_input']]);
    assert.deepEqual(encodeError(new Error('boom')), ['OpExecError', ['boom']]);
    assert.equal(decodeError(['NoSuchClass', ['x']]), null);
    const e = decodeError(['JobLost', ['gone']]);
    assert.ok(e instanceof GanetiError && e.cls === 'JobLost');
    assert.equal(
      formatError('OpPrereqError', ['Duration must be greater than zero']),
      'Failure: prerequisites not met for this operation:\nDuration must be greater than zero',
    );
    assert.equal(formatError('GenericError', ['Queue drained']), 'Unhandled Ganeti error: Queue drained');
  });
});

describe('LuxiClient answer timeout', () => {
  it('fails a call whose answer does not come in time, each call timed from its own start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-client-'));
    const path = join(dir, 'sock');
    // Answers the first request at once, the second 350 ms late, the third never.
    let n = 0;
    const server = createServer((sock) => {
      sock.on('data', () => {
        const k = ++n;
        const answer = (): void => void sock.write(frame(formatResponse(true, k)));
        if (k === 2) setTimeout(answer, 350);
        else if (k !== 3) answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const c = new LuxiClient({socketPath: path, timeoutMs: 600});
    try {
      assert.equal(await c.request('QueryTags', []), 1);
      await new Promise((r) => setTimeout(r, 350));
      // Answered 700 ms after the first call began, 350 ms after its own (one timer serves
      // every call: it must not fail this one at the first call's deadline).
      assert.equal(await c.request('QueryTags', []), 2);
      await assert.rejects(c.request('QueryTags', []), (err: unknown) => err instanceof LuxiClientError && err.kind === 'timeout');
      // The connection was dropped: the next call gets a new one.
      assert.equal(await c.request('QueryTags', []), 4);
    } finally {
      c.close();
      server.close();
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
