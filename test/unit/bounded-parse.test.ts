import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {BoundedParseError, parseJsonBounded, stringPieces, utf8Pieces} from '../../src/json/bounded-parse.js';
import {clip, forgetParts, head, jsonHead, partedCount, partsOf} from '../../src/json/long-strings.js';
import {MAX_JSON_DEPTH, parseJson, stringifyJson} from '../../src/json/lossless.js';
import {escapedPartedPieces, stringifySliced} from '../../src/json/sliced-stringify.js';

const unlimited = {budgetBytes: Number.MAX_SAFE_INTEGER, pause: () => undefined};

async function parse(text: string): Promise<unknown> {
  const res = await parseJsonBounded(text, unlimited);
  assert.ok(res.ok);
  return res.value;
}

describe('parseJsonBounded', () => {
  it('builds what parseJson builds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json(), async (text) => {
        assert.deepEqual(await parse(text), parseJson(text));
      }),
      {numRuns: 300},
    );
    for (const text of [
      '{"a": [1, -0, 1.5e3, 12345678901234567890, -98765432109876543210, "x\\u0041\\n"], "b": {}, "c": []}',
      ' [ true , false , null ] ',
      '"\\ud83d\\ude00"',
      '{"a": 1, "a": 2}',
    ]) {
      assert.deepEqual(await parse(text), parseJson(text));
    }
    const proto = (await parse('{"__proto__": {"polluted": 1}}')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.deepEqual(Object.keys(proto), ['__proto__']);
  });

  it('refuses what JSON.parse refuses', async () => {
    const bad = [
      '',
      '[',
      '[1,]',
      '{"a":1,}',
      '{"a" 1}',
      '{1: 2}',
      '01',
      '1.',
      '.5',
      '"\\x"',
      '"a\nb"',
      '[1] 2',
      'tru',
      'nul',
      '"abc',
      '{"a":}',
      '[,1]',
      '--1',
    ];
    for (const text of bad) {
      assert.throws(() => JSON.parse(text), SyntaxError, text);
      await assert.rejects(parseJsonBounded(text, unlimited), BoundedParseError, text);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.string({unit: fc.constantFrom('[', ']', '{', '}', '"', ',', ':', '1', 'a', ' ', '\\', 'e', '-', '.')}),
        async (text) => {
          let expected: unknown;
          try {
            expected = parseJson(text);
          } catch {
            await assert.rejects(parseJsonBounded(text, unlimited), BoundedParseError);
            return;
          }
          assert.deepEqual(await parse(text), expected);
        },
      ),
      {numRuns: 2000},
    );
  });

  it("stops building past the budget, reads on, and tells the method and the first argument's length", async () => {
    const text = `{"method": "SubmitManyJobs", "args": [[${'[],'.repeat(99_999)}[]]], "version": 3000000}`;
    const res = await parseJsonBounded(text, {budgetBytes: 1_000_000, pause: () => undefined});
    assert.deepEqual(res, {ok: false, method: 'SubmitManyJobs', firstArgLength: 100_000, estimatedBytes: res.ok ? 0 : res.estimatedBytes});
    assert.ok(!res.ok && res.estimatedBytes > 1_000_000);
    const within = await parseJsonBounded(text, {budgetBytes: 100_000_000, pause: () => undefined});
    assert.ok(within.ok);
    // a document that is not JSON fails even past the budget
    await assert.rejects(parseJsonBounded(`${text.slice(0, -1)},}`, {budgetBytes: 1000, pause: () => undefined}), BoundedParseError);
  });

  it("keeps each scalar of a method's first argument once when asked, in the order first seen", async () => {
    const distinctFirstArg = (m: string): boolean => m === 'QueryJobs';
    const opts = {budgetBytes: 10_000, pause: () => undefined, distinctFirstArg};
    // 300,000 repeats would be over a 10,000-byte budget if they were kept.
    const text = `{"method": "QueryJobs", "args": [[${'7,"7",3,'.repeat(100_000)}[1],[1],-1,-1,${2 ** 40},${2 ** 40}], ["id"]]}`;
    assert.deepEqual(await parseJsonBounded(text, opts), {
      ok: true,
      value: {method: 'QueryJobs', args: [[7, '7', 3, [1], [1], -1, 2 ** 40], ['id']]},
      parted: [],
    });
    // Another method, or the method named after the arguments: every item is kept.
    const other = await parseJsonBounded('{"method": "Echo", "args": [[1,1,1]]}', opts);
    assert.deepEqual(other, {ok: true, value: {method: 'Echo', args: [[1, 1, 1]]}, parted: []});
    const late = await parseJsonBounded('{"args": [[1,1,1]], "method": "QueryJobs"}', opts);
    assert.deepEqual(late, {ok: true, value: {args: [[1, 1, 1]], method: 'QueryJobs'}, parted: []});
    const over = await parseJsonBounded(`{"method": "Other", "args": [[${'7,'.repeat(100_000)}7]]}`, {...opts, budgetBytes: 100_000});
    assert.deepEqual(over, {ok: false, method: 'Other', firstArgLength: 100_001, estimatedBytes: over.ok ? 0 : over.estimatedBytes});
  });

  it('refuses deeper nesting than any request needs', async () => {
    const deep = (d: number): string => `${'['.repeat(d)}${']'.repeat(d)}`;
    assert.ok((await parseJsonBounded(deep(MAX_JSON_DEPTH), unlimited)).ok);
    await assert.rejects(parseJsonBounded(deep(MAX_JSON_DEPTH + 1), unlimited), /JSON nested deeper than 1000 levels/);
  });

  it('pauses while it works', async () => {
    let pauses = 0;
    const res = await parseJsonBounded(`[${'1,'.repeat(100_000)}1]`, {
      budgetBytes: Number.MAX_SAFE_INTEGER,
      pause: () => {
        pauses++;
        return new Promise((r) => setImmediate(r));
      },
    });
    assert.ok(res.ok);
    assert.ok(pauses >= 40, `${pauses} pauses`);
  });

  it("stops building a method's first argument past what could be accepted, and counts on", async () => {
    const text = `{"method":"SubmitManyJobs","args":[[${'[{"OP_ID":"OP_TEST_DELAY"}],'.repeat(9999)}[]]]}`;
    const limited = {...unlimited, firstArgLimit: (method: string) => (method === 'SubmitManyJobs' ? 5000 : null)};
    const res = await parseJsonBounded(text, limited);
    assert.deepEqual(res, {
      ok: false,
      method: 'SubmitManyJobs',
      firstArgLength: 10000,
      estimatedBytes: (res as {estimatedBytes: number}).estimatedBytes,
    });
    const fits = await parseJsonBounded(`{"method":"SubmitManyJobs","args":[[${'[],'.repeat(4999)}[]]]}`, limited);
    assert.ok(fits.ok);
    assert.equal(((fits.value as {args: unknown[][]}).args[0] as unknown[]).length, 5000);
    assert.ok((await parseJsonBounded(text.replace('SubmitManyJobs', 'QueryJobs'), limited)).ok);
  });

  it('pauses inside one long string, and reads it whole', async () => {
    const long = `${'x'.repeat(8 * 1024 * 1024)}\\n${'y'.repeat(3 * 1024 * 1024)}`;
    // A string of escapes only: one ends near every piece's end.
    const escapes = `"${'\\u00e9\\n'.repeat(1024 * 1024)}"`;
    for (const text of [`{"method":"SubmitJob","args":["${long}"]}`, `"${'z'.repeat(6 * 1024 * 1024)}"`, escapes]) {
      let pauses = 0;
      const res = await parseJsonBounded(text, {
        budgetBytes: Number.MAX_SAFE_INTEGER,
        pause: () => {
          pauses++;
          return new Promise((r) => setImmediate(r));
        },
      });
      assert.ok(res.ok);
      assert.deepEqual(res.value, JSON.parse(text));
      assert.ok(pauses >= 4, `${pauses} pauses`);
    }
    await assert.rejects(parseJsonBounded(`["${'x'.repeat(3 * 1024 * 1024)}`, unlimited), BoundedParseError);
    await assert.rejects(parseJsonBounded(`["${'x'.repeat(3 * 1024 * 1024)}\\`, unlimited), BoundedParseError);
    await assert.rejects(parseJsonBounded(`["${'x'.repeat(3 * 1024 * 1024)}\n"]`, unlimited), BoundedParseError);
  });
});

/** `bytes` cut at the given points (each taken modulo the length), in order. */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => (bytes.length === 0 ? 0 : p % bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of at) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

describe('parseJsonBounded on text read in pieces', () => {
  const awkward = fc.string({
    unit: fc.constantFrom(
      '[',
      ']',
      '{',
      '}',
      '"',
      ',',
      ':',
      '1',
      '0',
      '.',
      'e',
      '-',
      't',
      'rue',
      'n',
      'ull',
      ' ',
      '\\',
      'u',
      '00e9',
      'é',
      '😀',
      '\ud83d',
      '\\ud83d\\ude00',
      'a',
    ),
  });

  it('decodes UTF-8 cut anywhere as Buffer.toString decodes it whole', () => {
    const bytes = fc.oneof(
      fc.uint8Array({maxLength: 64}).map((a) => Buffer.from(a)),
      fc.string({unit: 'binary', maxLength: 32}).map((t) => Buffer.from(t, 'utf8')),
    );
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), {maxLength: 12}), fc.integer({min: 1, max: 9}), (buf, points, pieceBytes) => {
        const pieces = utf8Pieces(cut(buf, points), pieceBytes);
        let text = '';
        for (let p = pieces.next(); p !== null; p = pieces.next()) text += p;
        assert.equal(text, buf.toString('utf8'));
      }),
      {numRuns: 3000},
    );
  });

  it('builds what parseJson builds, and refuses what it refuses, wherever the pieces end', async () => {
    const texts = fc.oneof(
      fc.json(),
      awkward,
      fc.json().map((t) => ` ${t.replace(/"/g, '"\\u00e9é😀\\n')} `),
    );
    await fc.assert(
      fc.asyncProperty(texts, fc.array(fc.nat(), {maxLength: 12}), fc.integer({min: 1, max: 9}), async (text, points, pieceBytes) => {
        const bytes = Buffer.from(text, 'utf8');
        const input = utf8Pieces(cut(bytes, points), pieceBytes);
        let expected: unknown;
        try {
          // (a lone surrogate has no UTF-8: it is sent as U+FFFD)
          expected = parseJson(bytes.toString('utf8'));
        } catch {
          await assert.rejects(parseJsonBounded(input, unlimited), BoundedParseError, text);
          return;
        }
        const res = await parseJsonBounded(input, unlimited);
        assert.ok(res.ok, text);
        assert.deepEqual(res.value, expected, text);
      }),
      {numRuns: 3000},
    );
    const long = `{"method":"SubmitJob","args":["${'é'.repeat(50)}\\u00e9${'😀'.repeat(50)}\\ud83d\\ude00",12345678901234567890,-1.5e-3,true,null,false]}`;
    for (let size = 1; size <= 16; size++) {
      const res = await parseJsonBounded(stringPieces(long, size), unlimited);
      assert.ok(res.ok);
      assert.deepEqual(res.value, parseJson(long));
    }
  });

  it('reads a long object key with pauses, and refuses one longer than 64 Ki characters', async () => {
    let pauses = 0;
    const pause = (): Promise<void> => {
      pauses++;
      return new Promise((r) => setImmediate(r));
    };
    await assert.rejects(
      parseJsonBounded(`{"a":1,"${'k'.repeat(3 * 1024 * 1024)}":[2]}`, {budgetBytes: Number.MAX_SAFE_INTEGER, pause}),
      /Object key longer than 65536 characters/,
    );
    assert.ok(pauses >= 4, `${pauses} pauses`);
    const key = 'k'.repeat(65_536);
    assert.deepEqual(await parse(`{"${key}":1}`), {[key]: 1});
  });

  it('refuses a number longer than 64 Ki characters', async () => {
    await assert.rejects(parseJsonBounded(`[${'1'.repeat(70_000)}]`, unlimited), /Number longer than 65536 characters/);
    assert.ok((await parseJsonBounded(`[${'1'.repeat(60_000)}]`, unlimited)).ok);
  });
});

describe('long strings parsed in pieces', () => {
  it('are remembered with their parts and written from them as JSON.stringify writes them whole', async () => {
    // A surrogate pair written as escapes cut between two pieces, and one as a character.
    const pieceEnd = 1024 * 1024;
    const lead = 'x'.repeat(pieceEnd - 12);
    const long = `${lead}\\ud83d\\ude00${'é'.repeat(3 * 1024 * 1024)}😀\\n${'y'.repeat(2 * 1024 * 1024)}`;
    const text = `{"method":"SubmitJob","args":[[{"comment":"${long}"}]],"short":"${'z'.repeat(100)}"}`;
    const before = partedCount();
    const res = await parseJsonBounded(text, unlimited);
    assert.ok(res.ok);
    const value = res.value as {args: [[{comment: string}]]};
    const comment = value.args[0][0].comment;
    assert.deepEqual(res.parted, [comment]);
    const parts = partsOf(comment);
    assert.ok(parts !== undefined && parts.length > 1, 'the long string is remembered in parts');
    assert.equal(head(comment, 2_000_000), comment.slice(0, 2_000_000));
    assert.equal(jsonHead(value, 300), stringifyJson(value).slice(0, 300));
    let pieces = '';
    for await (const piece of stringifySliced(value, async () => undefined)) pieces += piece;
    assert.equal(pieces, JSON.stringify(JSON.parse(text)));
    assert.equal(comment, (JSON.parse(text) as typeof value).args[0][0].comment);
    forgetParts(res.parted);
    assert.equal(partedCount(), before);
    // Refused or over budget: nothing stays remembered.
    await assert.rejects(parseJsonBounded(`["${long}", ]`, unlimited), BoundedParseError);
    assert.equal((await parseJsonBounded(`["${long}"]`, {budgetBytes: 1000, pause: () => undefined})).ok, false);
    assert.equal(partedCount(), before);
  });

  it('escapes parts as the whole string, surrogate pairs cut between parts included', () => {
    const unit = fc.constantFrom('a', 'é', '\ud83d', '\ude00', '😀', '"', '\\', '\n', '\u0001', '\u2028');
    fc.assert(
      fc.property(fc.array(fc.string({unit, maxLength: 8}), {maxLength: 6}), fc.integer({min: 1, max: 5}), (parts, size) => {
        assert.equal(`"${[...escapedPartedPieces(parts, size)].join('')}"`, JSON.stringify(parts.join('')));
      }),
      {numRuns: 3000},
    );
  });
});

describe('quoting request values', () => {
  it('jsonHead(v, n) is the first n characters of stringifyJson(v)', () => {
    const values = fc.oneof(
      fc.jsonValue(),
      fc.array(fc.string({maxLength: 300}), {maxLength: 300}),
      fc.bigInt().map((b) => [b, {b}]),
    );
    fc.assert(
      fc.property(values, fc.integer({min: 0, max: 400}), (v, n) => {
        assert.equal(jsonHead(v, n), stringifyJson(v).slice(0, n));
      }),
      {numRuns: 3000},
    );
    // A key cut short must not become an array index (an object puts those first).
    assert.equal(jsonHead({'': null, '100 ': null}, 3), '{""');
  });

  it('clip keeps a short string and says how much of a long one was left out', () => {
    assert.equal(clip('abc', 3), 'abc');
    assert.equal(clip('abcdef', 3), 'abc... (3 more characters)');
  });
});
