import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {GanetiError} from '../../src/protocol/errors.js';
import {compileFilter, compileRegex, type FilterField} from '../../src/query/filter.js';
import {
  checkPattern,
  dnsNameGlobPattern,
  formatFilterText,
  isFilterText,
  makeIdFilter,
  parseFilterText,
} from '../../src/query/filter-text.js';

function parseErrorMessage(text: string): string {
  try {
    parseFilterText(text);
  } catch (err) {
    assert.ok(err instanceof GanetiError, `expected GanetiError, got ${String(err)}`);
    assert.equal(err.cls, 'QueryFilterParseError');
    assert.equal(err.args.length, 1);
    return String(err.args[0]);
  }
  assert.fail(`${JSON.stringify(text)} parsed`);
}

describe('parseFilterText: the text form of docs/queries.md', () => {
  const table: Array<[string, unknown[]]> = [
    ['a == 1', ['==', 'a', 1]],
    ['a = 1', ['==', 'a', 1]],
    ['a != "x"', ['!=', 'a', 'x']],
    ['a < 5', ['<', 'a', 5]],
    ['a <= 5', ['<=', 'a', 5]],
    ['a > 5', ['>', 'a', 5]],
    ['a >= 5', ['>=', 'a', 5]],
    ['"x" in a', ['=[]', 'a', 'x']],
    ['"x" not in a', ['!', ['=[]', 'a', 'x']]],
    ['a =~ m/re/i', ['=~', 'a', '(?i)re']],
    ['a =~ /re/si', ['=~', 'a', '(?is)re']],
    ['a !~ /re/', ['!', ['=~', 'a', 're']]],
    ['a =* "web*.ex?"', ['=~', 'a', '^web[^.]*\\.ex[^.](\\..*)?$']],
    ['a !* "x"', ['!', ['=~', 'a', '^x(\\..*)?$']]],
    ['a', ['?', 'a']],
    ['not a == 1', ['!', ['==', 'a', 1]]],
    ['a and b and c', ['&', ['?', 'a'], ['?', 'b'], ['?', 'c']]],
    ['a or b', ['|', ['?', 'a'], ['?', 'b']]],
  ];
  for (const [text, json] of table) {
    it(text, () => assert.deepEqual(parseFilterText(text), json));
  }
});

describe('parseFilterText: queries.md examples', () => {
  const examples: Array<[string, unknown[]]> = [
    ['status == "error"', ['==', 'status', 'error']],
    ['id > 100 and not archived', ['&', ['>', 'id', 100], ['!', ['?', 'archived']]]],
    ['"TEST_DELAY(1.0)" in summary', ['=[]', 'summary', 'TEST_DELAY(1.0)']],
    ['status =~ /^(queued|waiting)$/', ['=~', 'status', '^(queued|waiting)$']],
    ['(priority < 0 or id == 7) and status != "success"', ['&', ['|', ['<', 'priority', 0], ['==', 'id', 7]], ['!=', 'status', 'success']]],
    ['status == "running" or id > 5', ['|', ['==', 'status', 'running'], ['>', 'id', 5]]],
  ];
  for (const [text, json] of examples) {
    it(text, () => assert.deepEqual(parseFilterText(text), json));
  }
});

describe('parseFilterText: grammar details (as the stock qlang)', () => {
  const cases: Array<[string, unknown[]]> = [
    // precedence and grouping
    ['a and b or c and not d', ['|', ['&', ['?', 'a'], ['?', 'b']], ['&', ['?', 'c'], ['!', ['?', 'd']]]]],
    ['a and (b or c) and d', ['&', ['?', 'a'], ['|', ['?', 'b'], ['?', 'c']], ['?', 'd']]],
    ['(a and b) and c', ['&', ['&', ['?', 'a'], ['?', 'b']], ['?', 'c']]],
    ['a or (b or c)', ['|', ['?', 'a'], ['|', ['?', 'b'], ['?', 'c']]]],
    ['((a))', ['?', 'a']],
    ['not not a', ['!', ['!', ['?', 'a']]]],
    ['not(a)', ['!', ['?', 'a']]],
    ['(a)and(b)', ['&', ['?', 'a'], ['?', 'b']]],
    ['a=="x"and b', ['&', ['==', 'a', 'x'], ['?', 'b']]],
    // keywords are field names where no keyword fits
    ['not', ['?', 'not']],
    ['and', ['?', 'and']],
    ['a and not', ['&', ['?', 'a'], ['?', 'not']]],
    ['a or or', ['|', ['?', 'a'], ['?', 'or']]],
    ['not not not', ['!', ['!', ['?', 'not']]]],
    ['not = 1', ['==', 'not', 1]],
    ['not.x', ['?', 'not.x']],
    ['notx', ['?', 'notx']],
    ['andx or x', ['|', ['?', 'andx'], ['?', 'x']]],
    ['"x" in in', ['=[]', 'in', 'x']],
    ['"x" not in not', ['!', ['=[]', 'not', 'x']]],
    // "in" and "not" after a value are plain literals
    ['"x"in a', ['=[]', 'a', 'x']],
    ['"x" inabc', ['=[]', 'abc', 'x']],
    ['"x"notina', ['!', ['=[]', 'a', 'x']]],
    ['1 ina', ['=[]', 'a', 1]],
    // field names
    ['a.b/c_d == +5', ['==', 'a.b/c_d', 5]],
    ['x1.2', ['?', 'x1.2']],
    // integers
    ['a == -0', ['==', 'a', 0]],
    ['a == 007', ['==', 'a', 7]],
    ['a == -12', ['==', 'a', -12]],
    ['a == 99999999999999999999999', ['==', 'a', 99999999999999999999999n]],
    ['a == -9007199254740993', ['==', 'a', -9007199254740993n]],
    ['a == 9007199254740991', ['==', 'a', 9007199254740991]],
    // quoted strings keep their content verbatim
    ['a == "x\\"y"', ['==', 'a', 'x\\"y']],
    ["ab == 'it\\'s'", ['==', 'ab', "it\\'s"]],
    ['a == "a""b"', ['==', 'a', 'a""b']],
    ["a == 'a''b'", ['==', 'a', "a''b"]],
    ['a == "\\n\\x41"', ['==', 'a', '\\n\\x41']],
    ['a == "x\\\ny"', ['==', 'a', 'x\\\ny']],
    ['a == "ä €"', ['==', 'a', 'ä €']],
    ['a == ""', ['==', 'a', '']],
    // regular expression literals
    ['a =~ #x#is', ['=~', 'a', '(?is)x']],
    ['a =~ ^x^', ['=~', 'a', 'x']],
    ['a =~ |x|', ['=~', 'a', 'x']],
    ['a=~m/x\\/y/', ['=~', 'a', 'x/y']],
    ['a =~ m /x/', ['=~', 'a', 'x']],
    ['a =~ /x/ i', ['=~', 'a', '(?i)x']],
    ['a =~ /x/ii', ['=~', 'a', '(?ii)x']],
    ['a =~ /(?i)x/', ['=~', 'a', '(?i)x']],
    ['a !~ #x#s', ['!', ['=~', 'a', '(?s)x']]],
    ['(a =~ /x/) and b', ['&', ['=~', 'a', 'x'], ['?', 'b']]],
    // pyparsing 3.0 unescaping: \t \n \f \r become the characters, any other \c becomes c
    ['a =~ /x\\x41y\\.z\\tw\\\\tq/', ['=~', 'a', 'xx41y.z\tw\tq']],
    ['a =~ /a\\\\.b/', ['=~', 'a', 'a\\.b']],
    ['a =~ /a\\nb/', ['=~', 'a', 'a\nb']],
    // globs
    ['a =* "*.site"', ['=~', 'a', '^[^.]*\\.site(\\..*)?$']],
    ["a =* 'a-b#c d&e~f'", ['=~', 'a', '^a\\-b\\#c\\ d\\&e\\~f(\\..*)?$']],
    ['a =* "x\\"y"', ['=~', 'a', '^x\\\\"y(\\..*)?$']],
    // blanks: space, tab, newline, carriage return
    ['a \n == \t1', ['==', 'a', 1]],
    ['\r\na\r\n', ['?', 'a']],
    ['  a  ', ['?', 'a']],
  ];
  for (const [text, json] of cases) {
    it(JSON.stringify(text), () => assert.deepEqual(parseFilterText(text), json));
  }
});

describe('parseFilterText: errors', () => {
  it('points at the problem with char, line, column and a caret', () => {
    assert.equal(
      parseErrorMessage('a == '),
      "Failed to parse query filter 'a == ': Expected a quoted string or an integer, found end of text" +
        '  (at char 5), (line:1, col:6)\na == \n     ^',
    );
    assert.equal(
      parseErrorMessage('a b'),
      "Failed to parse query filter 'a b': Expected an operator, 'and', 'or' or end of text, found 'b'" +
        '  (at char 2), (line:1, col:3)\na b\n  ^',
    );
    assert.equal(
      parseErrorMessage('a == 1 and\n  (b or'),
      "Failed to parse query filter 'a == 1 and\n  (b or': Expected a condition or '(', found end of text" +
        '  (at char 18), (line:2, col:8)\n  (b or\n       ^',
    );
  });

  const cases: Array<[string, string]> = [
    ['', "Expected a condition or '(', found end of text  (at char 0), (line:1, col:1)"],
    ['   ', "Expected a condition or '(', found end of text  (at char 3), (line:1, col:4)"],
    ['ä', "Expected a condition or '(', found 'ä'  (at char 0), (line:1, col:1)"],
    ['x in a', "Expected an operator, 'and', 'or' or end of text, found 'in'  (at char 2), (line:1, col:3)"],
    ['a == 1.5', "Expected 'and', 'or' or end of text, found '.'  (at char 6), (line:1, col:7)"],
    ['a == 0x10', "Expected 'and', 'or' or end of text, found 'x10'  (at char 6), (line:1, col:7)"],
    ['a==1and b', "Expected 'and', 'or' or end of text, found 'and'  (at char 4), (line:1, col:5)"],
    ['a == - 5', "Expected a quoted string or an integer, found '-'  (at char 5), (line:1, col:6)"],
    ['a == "x', `Expected '"', found end of text  (at char 7), (line:1, col:8)`],
    ['a == "x\ny"', `Expected '"', found '\\n'  (at char 7), (line:1, col:8)`],
    ['a == "x" "y"', `Expected 'and', 'or' or end of text, found '"'  (at char 9), (line:1, col:10)`],
    ['a =~ /x', "Expected '/', found end of text  (at char 7), (line:1, col:8)"],
    ['a =~ "x"', `Expected a regular expression, found '"'  (at char 5), (line:1, col:6)`],
    ['a =* 5', "Expected a quoted string, found '5'  (at char 5), (line:1, col:6)"],
    ['a =~ /x/)', "Expected 'and', 'or' or end of text, found ')'  (at char 8), (line:1, col:9)"],
    ['((a)', "Expected 'and', 'or' or ')', found end of text  (at char 4), (line:1, col:5)"],
    ['5', "Expected 'in' or 'not in', found end of text  (at char 1), (line:1, col:2)"],
    ['"x" not a', "Expected 'in', found 'a'  (at char 8), (line:1, col:9)"],
    ['"x" in 5', "Expected a field name, found '5'  (at char 7), (line:1, col:8)"],
    ['a and b and', "Expected a condition or '(', found end of text  (at char 11), (line:1, col:12)"],
    ['a\v== 1', "Expected an operator, 'and', 'or' or end of text, found '\\x0b'  (at char 1), (line:1, col:2)"],
    ['a =~ m/x/q', "Unknown regular expression flags: 'q'  (at char 9), (line:1, col:10)"],
    ['a =~ /x/I', "Unknown regular expression flags: 'I'  (at char 8), (line:1, col:9)"],
    // the stock parser reads a word after a regular expression as its flags
    ['a =~ /x/ and b', "Unknown regular expression flags: 'and'  (at char 9), (line:1, col:10)"],
    ['a =~ /(/', 'Invalid regular expression (Unterminated group)  (at char 5), (line:1, col:6)'],
    ['a =~ m/x(?i)/', 'Invalid regular expression (Invalid group)  (at char 5), (line:1, col:6)'],
  ];
  for (const [text, detail] of cases) {
    it(JSON.stringify(text), () => {
      const message = parseErrorMessage(text);
      assert.equal(message.split('\n').length - text.split('\n').length, 2, message);
      assert.ok(message.startsWith(`Failed to parse query filter '${text}': ${detail}\n`), message);
    });
  }

  it('limits nesting', () => {
    assert.deepEqual(parseFilterText(`${'('.repeat(64)}a${')'.repeat(64)}`), ['?', 'a']);
    assert.match(parseErrorMessage(`${'('.repeat(65)}a${')'.repeat(65)}`), /: Filter nested too deep {2}\(at char 64\)/);
    assert.match(parseErrorMessage(`${'not '.repeat(65)}a`), /: Filter nested too deep {2}\(at char 256\)/);
    assert.match(parseErrorMessage('('.repeat(100_000)), /Filter nested too deep/);
  });
});

describe('dnsNameGlobPattern', () => {
  it('converts * and ? within a label and escapes the rest like re.escape', () => {
    assert.equal(dnsNameGlobPattern('web*.ex?'), '^web[^.]*\\.ex[^.](\\..*)?$');
    assert.equal(dnsNameGlobPattern('*'), '^[^.]*(\\..*)?$');
    assert.equal(dnsNameGlobPattern(''), '^(\\..*)?$');
    assert.equal(dnsNameGlobPattern('a_b:c=d%e'), '^a_b:c=d%e(\\..*)?$');
    assert.equal(dnsNameGlobPattern('()[]{}+-|^$\\.&~# \t'), '^\\(\\)\\[\\]\\{\\}\\+\\-\\|\\^\\$\\\\\\.\\&\\~\\#\\ \\\t(\\..*)?$');
    const re = compileRegex(dnsNameGlobPattern('node?.*'));
    assert.ok(re.test('node1.example.com'));
    assert.ok(re.test('node1.example'));
    assert.ok(!re.test('node12.example'));
    assert.ok(!re.test('xnode1.example'));
  });
});

describe('isFilterText', () => {
  it('recognises the filter characters', () => {
    for (const c of ['!', ' ', '"', "'", '(', ')', '/', '<', '>', '=', '\\', '~', '\t', '\n', '\r', '\v', '\f']) {
      assert.equal(isFilterText(`a${c}b`), true, JSON.stringify(c));
    }
  });

  it('leaves names, numbers and globs alone', () => {
    for (const arg of ['123', 'node1.example.com', 'web*', 'a?b', 'a-b_c', '', 'ä', '#', '|', '&']) {
      assert.equal(isFilterText(arg), false, arg);
    }
  });
});

describe('makeIdFilter', () => {
  it('builds an OR of id tests, keeping order and duplicates', () => {
    assert.equal(makeIdFilter([]), null);
    assert.deepEqual(makeIdFilter(['1', '12', '123']), ['|', ['==', 'id', 1], ['==', 'id', 12], ['==', 'id', 123]]);
    assert.deepEqual(makeIdFilter(['5', '5']), ['|', ['==', 'id', 5], ['==', 'id', 5]]);
  });

  it('reads IDs like Python int()', () => {
    assert.deepEqual(makeIdFilter([' 7 ', '1_0', '+3', '-2', '007']), [
      '|',
      ['==', 'id', 7],
      ['==', 'id', 10],
      ['==', 'id', 3],
      ['==', 'id', -2],
      ['==', 'id', 7],
    ]);
    assert.deepEqual(makeIdFilter(['99999999999999999999']), ['|', ['==', 'id', 99999999999999999999n]]);
  });

  const invalid: Array<[string, string]> = [
    ['abc', "'abc'"],
    ['', "''"],
    ['1.5', "'1.5'"],
    ['x y', "'x y'"],
    ["it's", `"it's"`],
    ['1__0', "'1__0'"],
  ];
  for (const [arg, repr] of invalid) {
    it(`refuses ${JSON.stringify(arg)}`, () => {
      assert.throws(
        () => makeIdFilter(['1', arg]),
        (err: unknown) => {
          assert.ok(err instanceof GanetiError);
          assert.equal(err.cls, 'OpPrereqError');
          assert.deepEqual(err.args, [`Invalid job ID passed: invalid literal for int() with base 10: ${repr}`, 'wrong_input']);
          return true;
        },
      );
    });
  }
});

describe('formatFilterText', () => {
  const cases: Array<[unknown[], string]> = [
    [['==', 'status', 'error'], 'status == "error"'],
    [['!=', 'a', "it's"], `a != "it's"`],
    [['==', 'a', 'say "hi"'], `a == 'say "hi"'`],
    [['<', 'id', -5], 'id < -5'],
    [['>=', 'id', 2n ** 70n], `id >= ${2n ** 70n}`],
    [['?', 'archived'], 'archived'],
    [['?', 'not'], '(not)'],
    [['=[]', 'summary', 'X'], '"X" in summary'],
    [['!', ['=[]', 'summary', 3]], '3 not in summary'],
    [['=~', 'a', 'x/y'], 'a =~ /x\\/y/'],
    [['!', ['=~', 'a', '(?i)a\\.b']], 'a !~ /(?i)a\\\\.b/'],
    [['&', ['=~', 'a', 'x'], ['?', 'b']], '(a =~ /x/) and b'],
    [['&', ['?', 'b'], ['=~', 'a', 'x']], 'b and a =~ /x/'],
    [['|', ['&', ['?', 'a'], ['?', 'b']], ['!', ['|', ['?', 'c'], ['?', 'd']]]], '(a and b) or not (c or d)'],
    [['&', ['&', ['?', 'a'], ['?', 'b']], ['?', 'c']], '(a and b) and c'],
    [['!', ['!', ['?', 'a']]], 'not not a'],
  ];
  for (const [json, text] of cases) {
    it(text, () => {
      assert.equal(formatFilterText(json), text);
      assert.deepEqual(parseFilterText(text), json);
    });
  }

  const inexpressible: unknown[][] = [
    ['=', 'a', 1],
    ['&', ['?', 'a']],
    ['|'],
    ['==', 'a', 1.5],
    ['==', 'a', true],
    ['==', '1a', 1],
    ['==', 'a-b', 1],
    ['==', 'a', 'line\nbreak'],
    ['==', 'a', `both ' and "`],
    ['==', 'a', 'trailing\\'],
    ['=~', 'a', 'tab\\t'],
    ['?'],
    ['~', 'a', 1],
  ];
  for (const json of inexpressible) {
    it(`refuses ${JSON.stringify(json)}`, () => {
      assert.throws(() => formatFilterText(json), /^Error: Filter can't be written as text: /);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Properties

const fieldName = fc.oneof(
  fc.constantFrom('id', 'status', 'and', 'or', 'not', 'in', 'm', 'a.b', 'x/y'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_/.]{0,6}$/),
);

const expressible = (json: unknown[]): boolean => {
  try {
    formatFilterText(json);
    return true;
  } catch {
    return false;
  }
};

const stringValue = fc
  .string({
    unit: fc.constantFrom('a', 'Z', '0', ' ', '"', "'", '\\', 'x', '4', 'f', 'é', '€', '\t', '(', ')', 'in', 'and', '\n'),
    maxLength: 8,
  })
  .filter((s) => expressible(['==', 'a', s]));

const integerValue = fc
  .bigInt({min: -(2n ** 80n), max: 2n ** 80n})
  .map((n) => (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n));

const value = fc.oneof(stringValue, integerValue, fc.integer({min: -1000, max: 1000}));

const regex = fc
  .tuple(
    fc.constantFrom('', '(?i)', '(?s)', '(?is)'),
    fc.array(
      fc.constantFrom(
        'a',
        'é',
        '.',
        '*',
        '\\.',
        '\\\\',
        '/',
        '#',
        '^',
        '$',
        '|',
        '[a-z]',
        '(x)',
        '\\d',
        '\n',
        '\r',
        '\t',
        ' ',
        '\\/',
        '(?:y)',
        't',
        'n',
      ),
      {maxLength: 8},
    ),
  )
  .map(([flags, parts]) => flags + parts.join(''))
  .filter((re) => {
    try {
      checkPattern(re);
      compileRegex(re);
    } catch {
      return false;
    }
    return expressible(['=~', 'a', re]);
  });

const leaf = fc.oneof(
  fieldName.map((f) => ['?', f]),
  fc.tuple(fc.constantFrom('==', '!=', '<', '<=', '>', '>='), fieldName, value).map((t) => [...t]),
  fc.tuple(fieldName, regex).map(([f, re]) => ['=~', f, re]),
  fc.tuple(fieldName, value).map(([f, v]) => ['=[]', f, v]),
);

const {filter} = fc.letrec<{filter: unknown[]; and: unknown[]; or: unknown[]; not: unknown[]}>((tie) => ({
  filter: fc.oneof({maxDepth: 5}, leaf, tie('and'), tie('or'), tie('not')),
  and: fc.array(tie('filter'), {minLength: 2, maxLength: 4}).map((kids) => ['&', ...kids]),
  or: fc.array(tie('filter'), {minLength: 2, maxLength: 4}).map((kids) => ['|', ...kids]),
  not: tie('filter').map((kid) => ['!', kid]),
}));

const anyField: FilterField<unknown> = {kind: 'other', get: () => [0, null]};

describe('properties', () => {
  it('parseFilterText(formatFilterText(f)) equals f', () => {
    fc.assert(
      fc.property(filter, (f) => {
        assert.deepEqual(parseFilterText(formatFilterText(f)), f);
      }),
      {numRuns: 2000},
    );
  });

  const token = fc.constantFrom(
    'a',
    'status',
    'not',
    'and',
    'or',
    'in',
    'm',
    '==',
    '=',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    '=~',
    '!~',
    '=*',
    '!*',
    '(',
    ')',
    '"x"',
    "'y'",
    '"a\\"b"',
    '"',
    '5',
    '-3',
    '1.5',
    '/x/',
    '/x/i',
    'm#y#s',
    '/(/',
    '/x/q',
    '/a\\tb/',
    '"a\\tb"',
    ' ',
    ' ',
    '\t',
    '\n',
    '\v',
  );

  it('any text either fails with QueryFilterParseError or yields a filter the server accepts', () => {
    fc.assert(
      fc.property(
        fc.array(token, {maxLength: 12}).map((t) => t.join('')),
        (text) => {
          let f: unknown[];
          try {
            f = parseFilterText(text);
          } catch (err) {
            assert.ok(err instanceof GanetiError && err.cls === 'QueryFilterParseError', String(err));
            return;
          }
          compileFilter(f, () => anyField);
          if (expressible(f)) assert.deepEqual(parseFilterText(formatFilterText(f)), f);
        },
      ),
      {numRuns: 3000},
    );
  });
});
