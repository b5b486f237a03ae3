import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {
  formatCtime,
  formatTime,
  formatTimestamp,
  mergeTime,
  pyFixed,
  pyFloatRepr,
  pyInt,
  pyLen,
  pyNumberRepr,
  pyRepr,
  pyStr,
  pyStringRepr,
  safeEncode,
} from '../../src/format/python.js';
import {parseJson} from '../../src/json/lossless.js';

process.env.TZ = 'UTC';

// Every expected value in this file was produced by the stock client's Python 3.11
// (/usr/bin/python3 with PYTHONPATH=/usr/share/ganeti/3.0, TZ=UTC) from the same JSON input.

describe('pyRepr / pyStr', () => {
  const values = parseJson(String.raw`[null, true, false, 0, -7, 1700000000123456789, 0.5, 1e-05, 2.5e-7, 0.1,
    123.456, "plain", "it's", "say \"hi\"", "both ' and \"", "back\\slash", "tab\tnl\ncr\r",
    "\u0000\u001f\u007f\u0080\u00a0é\u200b\u2028€😀\ud800\ue000\u0378\ud83e\ude75",
    [], {}, [1, "a", null, [true, {"k": "v"}]], {"b": 1, "a": [2.5, "x"], "é": {}}]`) as unknown[];

  it('matches Python repr()', () => {
    assert.deepEqual(values.map(pyRepr), [
      'None',
      'True',
      'False',
      '0',
      '-7',
      '1700000000123456789',
      '0.5',
      '1e-05',
      '2.5e-07',
      '0.1',
      '123.456',
      "'plain'",
      '"it\'s"',
      '\'say "hi"\'',
      "'both \\' and \"'",
      "'back\\\\slash'",
      "'tab\\tnl\\ncr\\r'",
      "'\\x00\\x1f\\x7f\\x80\\xa0é\\u200b\\u2028€😀\\ud800\\ue000\\u0378\\U0001fa75'",
      '[]',
      '{}',
      "[1, 'a', None, [True, {'k': 'v'}]]",
      "{'b': 1, 'a': [2.5, 'x'], 'é': {}}",
    ]);
  });

  it('matches Python str(): strings unchanged, the rest as repr()', () => {
    for (const v of values) assert.equal(pyStr(v), typeof v === 'string' ? v : pyRepr(v));
    assert.equal(pyStr([1, 'a', null, [true, {k: 'v'}]]), "[1, 'a', None, [True, {'k': 'v'}]]");
  });

  it('escapes code points that Python 3.11 (Unicode 14) does not know', () => {
    // U+1FA75 was assigned in Unicode 15: Node's ICU prints it, Python escapes it.
    assert.equal(pyStringRepr('\u{1fa75}'), "'\\U0001fa75'");
    assert.equal(pyStringRepr('\u{1fa70}'), "'\u{1fa70}'");
  });

  it('prints integral numbers as ints and the rest as Python floats', () => {
    assert.equal(pyNumberRepr(1), '1');
    assert.equal(pyNumberRepr(-0), '0');
    assert.equal(pyNumberRepr(1e16), '10000000000000000');
    assert.equal(pyNumberRepr(1e20), '100000000000000000000');
    assert.equal(pyNumberRepr(1e21), '1e+21');
    assert.equal(pyNumberRepr(0.5), '0.5');
    assert.equal(pyRepr(1700000000123456789n), '1700000000123456789');
  });
});

describe('pyFloatRepr', () => {
  it('matches Python repr(float)', () => {
    const floats = [0.5, 1.5, 2.5, -0.5, 0.25, 1.25, 0.125, 1e-5, 0.0001, 123456.789, 1.5e-7, -2.675, 1048575.5, 0.0013, 0.999701];
    assert.deepEqual(floats.map(pyFloatRepr), [
      '0.5',
      '1.5',
      '2.5',
      '-0.5',
      '0.25',
      '1.25',
      '0.125',
      '1e-05',
      '0.0001',
      '123456.789',
      '1.5e-07',
      '-2.675',
      '1048575.5',
      '0.0013',
      '0.999701',
    ]);
  });

  it('covers the notation switches and special values', () => {
    assert.equal(pyFloatRepr(1), '1.0');
    assert.equal(pyFloatRepr(1e15), '1000000000000000.0');
    assert.equal(pyFloatRepr(1e16), '1e+16');
    assert.equal(pyFloatRepr(1.2345678901234568e17), '1.2345678901234568e+17');
    assert.equal(pyFloatRepr(0.1 + 0.2), '0.30000000000000004');
    assert.equal(pyFloatRepr(-0), '-0.0');
    assert.equal(pyFloatRepr(5e-324), '5e-324');
    assert.equal(pyFloatRepr(Infinity), 'inf');
    assert.equal(pyFloatRepr(NaN), 'nan');
  });
});

describe('pyFixed', () => {
  it('matches Python "%.0f", "%.1f", "%.6f" (exact halves to even)', () => {
    const floats = [0.5, 1.5, 2.5, -0.5, 0.25, 1.25, 0.125, 1e-5, 0.0001, 123456.789, 1.5e-7, -2.675, 1048575.5, 0.0013, 0.999701];
    assert.deepEqual(
      floats.map((x) => [pyFixed(x, 0), pyFixed(x, 1), pyFixed(x, 6)]),
      [
        ['0', '0.5', '0.500000'],
        ['2', '1.5', '1.500000'],
        ['2', '2.5', '2.500000'],
        ['-0', '-0.5', '-0.500000'],
        ['0', '0.2', '0.250000'],
        ['1', '1.2', '1.250000'],
        ['0', '0.1', '0.125000'],
        ['0', '0.0', '0.000010'],
        ['0', '0.0', '0.000100'],
        ['123457', '123456.8', '123456.789000'],
        ['0', '0.0', '0.000000'],
        ['-3', '-2.7', '-2.675000'],
        ['1048576', '1048575.5', '1048575.500000'],
        ['0', '0.0', '0.001300'],
        ['1', '1.0', '0.999701'],
      ],
    );
  });

  it('never switches to exponent notation', () => {
    assert.equal(pyFixed(1e22, 1), '10000000000000000000000.0');
    assert.equal(pyFixed(-0, 6), '-0.000000');
  });
});

describe('safeEncode', () => {
  it('matches utils.SafeEncode', () => {
    const strings = ['plain', 'tab\tnl\ncr\r', 'é€😀', '\u0000\u001f\u007f', 'back\\slash \'q\' "d"', '\ud800x'];
    assert.deepEqual(strings.map(safeEncode), [
      'plain',
      "tab\\tnl\\ncr\\'r",
      '\\xe9\\u20ac\\U0001f600',
      '\\x00\\x1f\\x7f',
      'back\\slash \'q\' "d"',
      '\\ud800x',
    ]);
  });
});

describe('time formats', () => {
  const stamps: [number, number][] = [
    [1700000000, 123456],
    [1700000000, 999999],
    [0, 0],
    [1709251199, 500000],
    [951782400, 1],
  ];

  it('formats time.ctime(utils.MergeTime(ts))', () => {
    assert.deepEqual(
      stamps.map((ts) => formatCtime(mergeTime(ts))),
      [
        'Tue Nov 14 22:13:20 2023',
        'Tue Nov 14 22:13:20 2023',
        'Thu Jan  1 00:00:00 1970',
        'Thu Feb 29 23:59:59 2024',
        'Tue Feb 29 00:00:00 2000',
      ],
    );
  });

  it('formats cli.FormatTimestamp', () => {
    const odd = [null, 'x', [1], [1, 2, 3], [null, 5], [1700000000, null], [1700000000, 5.9], [1700000000, -5], [true, false]];
    assert.deepEqual([...stamps, ...odd].map(formatTimestamp), [
      '2023-11-14 22:13:20.123456',
      '2023-11-14 22:13:20.999999',
      '1970-01-01 00:00:00.000000',
      '2024-02-29 23:59:59.500000',
      '2000-02-29 00:00:00.000001',
      '?',
      '?',
      '?',
      '?',
      'N/A',
      '2023-11-14 22:13:20',
      '2023-11-14 22:13:20.000005',
      '2023-11-14 22:13:20.-00005',
      '1970-01-01 00:00:01.000000',
    ]);
  });

  it('formats utils.FormatTime', () => {
    assert.deepEqual(
      [null, 'x', 0, 1700000000, 1700000000.999, -1, true].map((v) => formatTime(v)),
      ['N/A', 'N/A', '1970-01-01 00:00:00', '2023-11-14 22:13:20', '2023-11-14 22:13:20', '1969-12-31 23:59:59', '1970-01-01 00:00:01'],
    );
  });

  it('uses the local time zone', () => {
    try {
      process.env.TZ = 'Asia/Kolkata';
      assert.equal(formatCtime(1700000000), 'Wed Nov 15 03:43:20 2023');
      assert.equal(formatTimestamp([1700000000, 7]), '2023-11-15 03:43:20.000007');
    } finally {
      process.env.TZ = 'UTC';
    }
  });
});

describe('pyInt / pyLen', () => {
  it('parses like Python int()', () => {
    assert.equal(pyInt('007'), 7n);
    assert.equal(pyInt(' \t-12\n'), -12n);
    assert.equal(pyInt('1_000'), 1000n);
    assert.equal(pyInt('\u0663\u0664'), 34n);
    assert.equal(pyInt('99999999999999999999'), 99999999999999999999n);
    for (const bad of ['', ' ', '1.0', '1e3', '0x10', '1__0', '_1', '1_', '\u00171', '\ufeff1']) assert.equal(pyInt(bad), null, bad);
  });

  it('counts code points', () => {
    assert.equal(pyLen('abc'), 3);
    assert.equal(pyLen('a😀b'), 3);
    assert.equal(pyLen('\ud800x'), 2);
  });
});
