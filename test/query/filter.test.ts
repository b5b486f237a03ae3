import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {GanetiError, LuxiParseError} from '../../src/protocol/errors.js';
import {
  compileFilter,
  compileFilterSliced,
  compileRegex,
  filterFieldNames,
  filterFieldNamesSliced,
  requestedIdsFromFilter,
  requestedIdsFromFilterSliced,
  type FilterField,
  type QueryValue,
} from '../../src/query/filter.js';

interface Item {
  id: number | bigint;
  status: string;
  archived: boolean;
  summary: string[];
  prios: number[];
  received: [number, number] | null;
  name: string | null;
  ctime: number;
  extra?: unknown;
}

const normal = (v: unknown): QueryValue => [0, v];

const FIELDS: Record<string, FilterField<Item>> = {
  id: {kind: 'number', get: (j) => normal(j.id)},
  status: {kind: 'text', get: (j) => normal(j.status)},
  archived: {kind: 'bool', get: (j) => normal(j.archived)},
  summary: {kind: 'other', get: (j) => normal(j.summary)},
  prios: {kind: 'other', get: (j) => normal(j.prios)},
  received_ts: {kind: 'other', timestampPair: true, get: (j) => (j.received === null ? [3, null] : normal(j.received))},
  name: {kind: 'text', get: (j) => (j.name === null ? [3, null] : normal(j.name))},
  ctime: {kind: 'timestamp', get: (j) => normal(j.ctime)},
  extra: {kind: 'other', get: (j) => normal(j.extra)},
  offline: {kind: 'text', get: () => [4, null]},
  unknown: {kind: 'unknown', get: () => [1, null]},
};
const lookup = (name: string): FilterField<Item> | undefined => (Object.hasOwn(FIELDS, name) ? FIELDS[name] : undefined);

function job(id: number, status: string, more: Partial<Item> = {}): Item {
  return {
    id,
    status,
    archived: false,
    summary: [`TEST_DELAY(${id})`],
    prios: [0, id],
    received: [1700000000 + id, 500],
    name: `job${id}`,
    ctime: id + 0.5,
    ...more,
  };
}

const JOBS: Item[] = [
  job(1, 'success'),
  job(2, 'error', {archived: true}),
  job(3, 'running', {received: null, name: null}),
  job(4, 'queued', {summary: ['OP_A', 'OP_B']}),
  job(5, 'Waiting'),
];

function ids(filter: unknown, items: Item[] = JOBS): Array<number | bigint> {
  const match = compileFilter(filter, lookup);
  return items.filter(match).map((j) => j.id);
}

function ganetiError(cls: string, message: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof GanetiError, `expected GanetiError, got ${String(err)}`);
    assert.equal(err.cls, cls);
    assert.deepEqual(err.args, [message]);
    return true;
  };
}

const parseError =
  (message: string | RegExp) =>
  (err: unknown): boolean => {
    assert.ok(err instanceof LuxiParseError, `expected LuxiParseError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };

describe('compileFilter: logic', () => {
  it('null and [] match everything', () => {
    assert.deepEqual(ids(null), [1, 2, 3, 4, 5]);
    assert.deepEqual(ids([]), [1, 2, 3, 4, 5]);
  });

  it('& | ! and their empty forms', () => {
    assert.deepEqual(ids(['&']), [1, 2, 3, 4, 5]);
    assert.deepEqual(ids(['|']), []);
    assert.deepEqual(ids(['&', ['>', 'id', 1], ['<', 'id', 4]]), [2, 3]);
    assert.deepEqual(ids(['|', ['==', 'id', 1], ['==', 'id', 4]]), [1, 4]);
    assert.deepEqual(ids(['!', ['|', ['==', 'id', 1], ['==', 'id', 4]]]), [2, 3, 5]);
    assert.deepEqual(ids(['&', ['|', ['==', 'id', 1], ['==', 'id', 2]], ['!', ['?', 'archived']]]), [1]);
  });

  it('a nested null sub-filter is true', () => {
    assert.deepEqual(ids(['&', null, ['==', 'id', 2]]), [2]);
    assert.deepEqual(ids(['|', null]), [1, 2, 3, 4, 5]);
  });

  it('& and | short-circuit', () => {
    // status is a string: "?" on it would fail, but it is never reached
    assert.deepEqual(ids(['|', ['>=', 'id', 0], ['?', 'status']]), [1, 2, 3, 4, 5]);
    assert.deepEqual(ids(['&', ['<', 'id', 0], ['?', 'status']]), []);
  });
});

describe('compileFilter: comparisons', () => {
  it('== and legacy = on numbers and strings', () => {
    assert.deepEqual(ids(['==', 'id', 3]), [3]);
    assert.deepEqual(ids(['=', 'id', 3]), [3]);
    assert.deepEqual(ids(['==', 'status', 'error']), [2]);
    assert.deepEqual(ids(['=', 'status', 'error']), [2]);
  });

  it('!= is the negation of ==', () => {
    assert.deepEqual(ids(['!=', 'status', 'error']), [1, 3, 4, 5]);
    assert.deepEqual(ids(['!=', 'id', 1]), [2, 3, 4, 5]);
  });

  it('ordering on numbers', () => {
    assert.deepEqual(ids(['<', 'id', 3]), [1, 2]);
    assert.deepEqual(ids(['<=', 'id', 3]), [1, 2, 3]);
    assert.deepEqual(ids(['>', 'id', 3]), [4, 5]);
    assert.deepEqual(ids(['>=', 'id', 3]), [3, 4, 5]);
    assert.deepEqual(ids(['>', 'id', -1]), [1, 2, 3, 4, 5]);
  });

  it('ordering on strings is by code point', () => {
    assert.deepEqual(ids(['<', 'status', 'running']), [2, 4, 5]);
    assert.deepEqual(ids(['>=', 'status', 'running']), [1, 3]);
    assert.deepEqual(ids(['<', 'status', 'a']), [5]); // "Waiting": upper case sorts first
    const items = [job(1, '\uffff'), job(2, '\u{10000}'), job(3, 'z')];
    assert.deepEqual(ids(['>', 'status', '\uffff'], items), [2]);
    assert.deepEqual(ids(['<', 'status', '\u{10000}'], items), [1, 3]);
  });

  it('integer values compare with float field values exactly', () => {
    assert.deepEqual(ids(['>', 'ctime', 3]), [3, 4, 5]);
    assert.deepEqual(ids(['==', 'ctime', 3]), []);
    assert.deepEqual(ids(['<=', 'ctime', 2]), [1]);
  });

  it('bigint filter values and bigint field values', () => {
    const big = 2n ** 60n;
    const items = [job(1, 'a', {id: big}), job(2, 'b', {id: 7}), job(3, 'c', {id: big + 1n})];
    assert.deepEqual(ids(['==', 'id', big], items), [big]);
    assert.deepEqual(ids(['<', 'id', big], items), [7]);
    assert.deepEqual(ids(['>=', 'id', 7], items), [big, 7, big + 1n]);
    assert.deepEqual(ids(['>', 'id', 2n ** 70n], items), []);
  });

  it('type mismatches fail the query', () => {
    assert.throws(() => ids(['==', 'id', '3']), ganetiError('ParameterError', "Invalid types in comparison, trying to compare 1 with '3'"));
    assert.throws(
      () => ids(['<', 'status', 5]),
      ganetiError('ParameterError', `Invalid types in comparison, trying to compare "success" with '5'`),
    );
    assert.throws(
      () => ids(['==', 'summary', 'x']),
      ganetiError('ParameterError', `Invalid types in comparison, trying to compare ["TEST_DELAY(1)"] with 'x'`),
    );
    assert.throws(
      () => ids(['==', 'archived', 1]),
      ganetiError('ParameterError', "Invalid types in comparison, trying to compare false with '1'"),
    );
    assert.throws(
      () => ids(['==', 'extra', 1], [job(1, 'a', {extra: {a: [1, null]}})]),
      ganetiError('ParameterError', `Invalid types in comparison, trying to compare {"a": [1, null]} with '1'`),
    );
  });
});

describe('compileFilter: ?, =~ and =[]', () => {
  it('? tests a boolean', () => {
    assert.deepEqual(ids(['?', 'archived']), [2]);
    assert.deepEqual(ids(['!', ['?', 'archived']]), [1, 3, 4, 5]);
    assert.throws(() => ids(['?', 'status']), ganetiError('ParameterError', `Unexpected value '"success"' in boolean context`));
    assert.throws(() => ids(['?', 'id']), ganetiError('ParameterError', "Unexpected value '1' in boolean context"));
  });

  it('=~ searches (unanchored) in strings', () => {
    assert.deepEqual(ids(['=~', 'status', 'u']), [1, 3, 4]);
    assert.deepEqual(ids(['=~', 'status', '^(queued|waiting)$']), [4]);
    assert.deepEqual(ids(['=~', 'status', '(?i)^(queued|waiting)$']), [4, 5]);
    assert.deepEqual(ids(['=~', 'status', '']), [1, 2, 3, 4, 5]);
  });

  it('=~ translates leading inline flags', () => {
    const items = [job(1, 'A\nB'), job(2, 'a-b'), job(3, 'x#y')];
    assert.deepEqual(ids(['=~', 'status', 'a.b'], items), [2]);
    assert.deepEqual(ids(['=~', 'status', '(?s)A.B'], items), [1]);
    assert.deepEqual(ids(['=~', 'status', '(?is)a.b'], items), [1, 2]);
    assert.deepEqual(ids(['=~', 'status', '(?si)a.b'], items), [1, 2]);
    assert.deepEqual(ids(['=~', 'status', '(?i)(?s)a.b'], items), [1, 2]);
    assert.deepEqual(ids(['=~', 'status', '(?ii)A'], items), [1, 2]);
    // Python's re.escape output must be accepted (no unicode mode)
    assert.deepEqual(ids(['=~', 'status', '^a\\-b(\\..*)?$'], items), [2]);
    assert.deepEqual(ids(['=~', 'status', 'x\\#y'], items), [3]);
  });

  it('=~ on a non-string fails the query', () => {
    assert.throws(
      () => ids(['=~', 'id', '1']),
      ganetiError('ParameterError', "Invalid field value used in regexp matching, expecting string but got '1'"),
    );
    assert.throws(
      () => ids(['=~', 'summary', 'x']),
      ganetiError('ParameterError', `Invalid field value used in regexp matching, expecting string but got '["TEST_DELAY(1)"]'`),
    );
  });

  it('=[] tests list membership', () => {
    assert.deepEqual(ids(['=[]', 'summary', 'OP_B']), [4]);
    assert.deepEqual(ids(['!', ['=[]', 'summary', 'OP_B']]), [1, 2, 3, 5]);
    assert.deepEqual(ids(['=[]', 'prios', 3]), [3]);
    assert.deepEqual(ids(['=[]', 'prios', 0]), [1, 2, 3, 4, 5]);
    assert.deepEqual(ids(['=[]', 'prios', 2n ** 60n]), []);
  });

  it('=[] needs a list of the value type', () => {
    assert.throws(
      () => ids(['=[]', 'status', 'x']),
      ganetiError('GenericError', `Cannot convert value '"success"', error: Unable to read list`),
    );
    assert.throws(
      () => ids(['=[]', 'summary', 1]),
      ganetiError('GenericError', `Cannot convert value '["TEST_DELAY(1)"]', error: Unable to read Integer`),
    );
    assert.throws(
      () => ids(['=[]', 'prios', '1']),
      ganetiError('GenericError', "Cannot convert value '[0, 1]', error: Unable to read String"),
    );
    // the whole list is checked, even after a match
    assert.throws(
      () => ids(['=[]', 'extra', 'a'], [job(1, 'x', {extra: ['a', 1]})]),
      ganetiError('GenericError', `Cannot convert value '["a", 1]', error: Unable to read String`),
    );
  });
});

describe('compileFilter: values without data', () => {
  it('a leaf on a non-normal value is true', () => {
    assert.deepEqual(ids(['==', 'name', 'job1']), [1, 3]);
    assert.deepEqual(ids(['=~', 'name', '^nomatch$']), [3]);
    assert.deepEqual(ids(['==', 'offline', 'x']), [1, 2, 3, 4, 5]);
    assert.deepEqual(ids(['?', 'unknown']), [1, 2, 3, 4, 5]);
    assert.deepEqual(ids(['=[]', 'offline', 1]), [1, 2, 3, 4, 5]);
  });

  it('so its negation (and !=) is false', () => {
    assert.deepEqual(ids(['!', ['==', 'name', 'job1']]), [2, 4, 5]);
    assert.deepEqual(ids(['!=', 'name', 'job1']), [2, 4, 5]);
  });

  it('type checks are skipped without data', () => {
    assert.deepEqual(ids(['==', 'name', 5], [job(3, 'x', {name: null})]), [3]);
  });
});

describe('compileFilter: timestamp pairs', () => {
  it('compare the seconds with an integer', () => {
    assert.deepEqual(ids(['>', 'received_ts', 1700000002]), [3, 4, 5]); // 3: unavailable
    assert.deepEqual(ids(['==', 'received_ts', 1700000001]), [1, 3]);
    assert.deepEqual(ids(['<=', 'received_ts', 1700000002]), [1, 2, 3]);
  });

  it('compare [s, us] pairs lexicographically', () => {
    assert.deepEqual(ids(['==', 'received_ts', [1700000001, 500]]), [1, 3]);
    assert.deepEqual(ids(['==', 'received_ts', [1700000001, 499]]), [3]);
    assert.deepEqual(ids(['>', 'received_ts', [1700000001, 499]]), [1, 2, 3, 4, 5]);
    assert.deepEqual(ids(['<', 'received_ts', [1700000002, 501]]), [1, 2, 3]);
  });

  it('other operators see the seconds too', () => {
    assert.throws(
      () => ids(['=~', 'received_ts', '1']),
      ganetiError('ParameterError', "Invalid field value used in regexp matching, expecting string but got '1700000001'"),
    );
    assert.throws(
      () => ids(['==', 'received_ts', 'x']),
      ganetiError('ParameterError', "Invalid types in comparison, trying to compare 1700000001 with 'x'"),
    );
  });

  it('a pair value on another field is a parse error', () => {
    assert.throws(
      () => compileFilter(['==', 'id', [1, 2]], lookup),
      parseError('Cannot deserialise filter value, expecting string or integer, got [1, 2]'),
    );
    assert.throws(
      () => compileFilter(['=[]', 'received_ts', [1, 2]], lookup),
      parseError('Cannot deserialise filter value, expecting string or integer, got [1, 2]'),
    );
  });

  it('a getter returning no pair is an internal error', () => {
    assert.throws(
      () => ids(['>', 'received_ts', 1], [job(1, 'x', {received: 5 as unknown as [number, number]})]),
      ganetiError('ProgrammerError', 'Internal error: Getter returned non-timestamp for QffTimestamp'),
    );
  });
});

describe('compileFilter: errors', () => {
  const cases: Array<[unknown, string | RegExp]> = [
    ['x', 'Cannot deserialise filter: expected array [string, args], got "x"'],
    [5, 'Cannot deserialise filter: expected array [string, args], got 5'],
    [{op: '&'}, 'Cannot deserialise filter: expected array [string, args], got {"op": "&"}'],
    [[5, 'a'], 'Cannot deserialise filter: expected array [string, args], got [5, "a"]'],
    [['&', 'x'], 'Cannot deserialise filter: expected array [string, args], got "x"'],
    [['&', []], 'Cannot deserialise filter: expected array [string, args], got []'],
    [['~', 'a', 1], "Unknown filter operand '~'"],
    [['toString', 'a', 1], "Unknown filter operand 'toString'"],
    [['!'], 'Cannot deserialise field, expected [filter] but got []'],
    [
      ['!', ['?', 'archived'], ['?', 'archived']],
      'Cannot deserialise field, expected [filter] but got [["?", "archived"], ["?", "archived"]]',
    ],
    [['?'], 'Cannot deserialise field, expected [fieldname] but got []'],
    [['?', 'a', 'b'], 'Cannot deserialise field, expected [fieldname] but got ["a", "b"]'],
    [['?', 5], 'Cannot deserialise field name, expecting string, got 5'],
    [['==', 'id'], 'Cannot deserialise field/value pair, expected [fieldname, value] but got ["id"]'],
    [['<', 'id', 1, 2], 'Cannot deserialise field/value pair, expected [fieldname, value] but got ["id", 1, 2]'],
    [['=~', 'status'], 'Cannot deserialise field/value pair, expected [fieldname, value] but got ["status"]'],
    [['=[]', 'summary'], 'Cannot deserialise field/value pair, expected [fieldname, value] but got ["summary"]'],
    [['==', 5, 1], 'Cannot deserialise field name, expecting string, got 5'],
    [['==', 'id', 1.5], 'Cannot deserialise numeric filter value, expecting integral but got a fractional value: 1.5'],
    [['==', 'id', true], 'Cannot deserialise filter value, expecting string or integer, got true'],
    [['==', 'id', null], 'Cannot deserialise filter value, expecting string or integer, got null'],
    [['!=', 'id', {}], 'Cannot deserialise filter value, expecting string or integer, got {}'],
    [['=[]', 'prios', [1]], 'Cannot deserialise filter value, expecting string or integer, got [1]'],
    [['=~', 'status', 5], 'Cannot deserialise regular expression, expecting string, got 5'],
    [['=~', 'status', '('], /^Invalid regular expression '\(': /],
    [['=~', 'status', '(a)\\1'], /^Invalid regular expression '\(a\)\\1': invalid escape sequence/],
    [['=~', 'status', '(?=a)'], /^Invalid regular expression '\(\?=a\)': /],
    [['=~', 'status', 'a'.repeat(4097)], /^Invalid regular expression 'a{200}\.\.\.': pattern longer than 4096 characters$/],
  ];
  for (const [filter, message] of cases) {
    it(`rejects ${JSON.stringify(filter)}`, () => {
      assert.throws(() => compileFilter(filter, lookup), parseError(message));
    });
  }

  it('unknown fields fail at compile time, wherever they are', () => {
    assert.throws(() => compileFilter(['==', 'nosuch', 1], lookup), ganetiError('ParameterError', "Can't find field named 'nosuch'"));
    assert.throws(
      () => compileFilter(['|', ['>=', 'id', 0], ['!', ['?', 'nosuch']]], lookup),
      ganetiError('ParameterError', "Can't find field named 'nosuch'"),
    );
  });

  it('parse errors come before unknown fields', () => {
    assert.throws(() => compileFilter(['&', ['?', 'nosuch'], ['==', 'id', 1.5]], lookup), parseError(/fractional/));
  });

  const nest = (depth: number): unknown => {
    let f: unknown = ['?', 'archived'];
    for (let i = 1; i < depth; i++) f = ['!', f];
    return f;
  };

  it('allows 64 levels of nesting', () => {
    assert.deepEqual(ids(nest(64)), [1, 3, 4, 5]);
    assert.deepEqual(ids(nest(63)), [2]);
  });

  it('refuses deeper filters without exhausting the stack', () => {
    assert.throws(() => compileFilter(nest(65), lookup), ganetiError('ParameterError', 'Filter nested too deep'));
    assert.throws(() => compileFilter(nest(200_000), lookup), ganetiError('ParameterError', 'Filter nested too deep'));
    assert.throws(() => filterFieldNames(nest(65)), ganetiError('ParameterError', 'Filter nested too deep'));
  });
});

describe('compileRegex', () => {
  it('reads inline flags anywhere, as PCRE does', () => {
    assert.ok(compileRegex('(?i)ab').test('xAB'));
    assert.ok(compileRegex('(?is)a.b').test('A\nB'));
    assert.ok(compileRegex('a(?i)b').test('aB'));
    assert.ok(!compileRegex('a(?i)b').test('AB'));
  });

  it('reports the bare reason', () => {
    assert.throws(() => compileRegex('('), {name: 'SyntaxError', message: 'missing closing )'});
  });

  it('matches without catastrophic backtracking', () => {
    // A backtracking engine takes longer than the age of the universe on this one.
    const re = compileRegex('^((\\w*)*(\\w*)*(\\w*)*(\\w*)*(\\w*)*)*X$');
    assert.equal(re.test('a'.repeat(64)), false);
    assert.equal(re.test(`${'a'.repeat(64)}X`), true);
    assert.equal(compileRegex('(x+x+)+y').test('x'.repeat(10_000)), false);
  });
});

describe('compileFilter: long OR of equality tests', () => {
  const many = (field: string, values: unknown[]): unknown => ['|', ...values.map((v) => ['==', field, v])];

  it('answers as the tests one by one', () => {
    const values = [9, 8, 7, 6, 5n, 4, 3, 10, 11, 12];
    assert.deepEqual(ids(many('id', values)), [3, 4, 5]);
    assert.deepEqual(ids(many('id', [...values, 1])), [1, 3, 4, 5]);
    const names = ['job1', 'job4', 'x', 'y', 'z', 'u', 'v', 'w', 'q'];
    // job 3 has no name: no data is accepted
    assert.deepEqual(ids(many('name', names)), [1, 3, 4]);
    assert.deepEqual(ids(['|', ['==', 'status', 'running'], ...names.map((n) => ['==', 'name', n])]), [1, 3, 4]);
  });

  it('answers the same with repeated values, on timestamp fields, and for unknown fields', () => {
    const values = [9, 8, 7, 6, 5n, 4, 3, 10, 11, 12];
    assert.deepEqual(ids(many('id', [...values, ...values, 5, 3n])), [3, 4, 5]);
    assert.deepEqual(ids(many('received_ts', [1, 2, 3, 4, 5, 6, 7, 1700000001, 1700000001])), [1, 3]);
    assert.deepEqual(ids(['!', many('id', values)]), [1, 2]);
    assert.throws(() => ids(many('nosuch', values)), ganetiError('ParameterError', "Can't find field named 'nosuch'"));
    assert.deepEqual(filterFieldNames(['&', many('name', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']), ['?', 'archived']]), [
      'name',
      'archived',
    ]);
  });

  it("fails on a value of the other type with the first test's error", () => {
    assert.throws(
      () => ids(many('status', [1, 2, 3, 4, 5, 6, 7, 8, 9])),
      ganetiError('ParameterError', `Invalid types in comparison, trying to compare "success" with '1'`),
    );
  });

  it('is linear in the number of tests', () => {
    const n = 200_000;
    const items = Array.from({length: n}, (_, i) => job(i, 'success'));
    const wanted = Array.from({length: n}, (_, i) => n - i);
    // Quadratic evaluation would take 4e10 comparisons here.
    assert.equal(ids(many('id', wanted), items).length, n - 1);
  });
});

describe('filterFieldNames', () => {
  it('lists referenced fields once, in order', () => {
    assert.deepEqual(filterFieldNames(null), []);
    assert.deepEqual(filterFieldNames([]), []);
    assert.deepEqual(
      filterFieldNames([
        '&',
        ['==', 'status', 'x'],
        ['|', ['?', 'archived'], ['!', ['=~', 'status', 'y']]],
        ['=[]', 'summary', 'z'],
        ['!=', 'id', 1],
      ]),
      ['status', 'archived', 'summary', 'id'],
    );
  });

  it('does not need the fields to exist but validates the filter', () => {
    assert.deepEqual(filterFieldNames(['?', 'nosuch']), ['nosuch']);
    assert.throws(() => filterFieldNames(['==', 'id']), parseError(/field\/value pair/));
  });
});

describe('requestedIdsFromFilter', () => {
  it('empty filters are not by ID', () => {
    assert.equal(requestedIdsFromFilter(null, 'id'), null);
    assert.equal(requestedIdsFromFilter([], 'id'), null);
    assert.equal(requestedIdsFromFilter(['|'], 'id'), null);
  });

  it('OR trees of equality tests on the ID field', () => {
    assert.deepEqual(requestedIdsFromFilter(['|', ['==', 'id', 1], ['==', 'id', 12], ['==', 'id', 123]], 'id'), [1, 12, 123]);
    assert.deepEqual(requestedIdsFromFilter(['==', 'id', 7], 'id'), [7]);
    assert.deepEqual(requestedIdsFromFilter(['|', ['=', 'id', 3]], 'id'), [3]);
    assert.deepEqual(requestedIdsFromFilter(['|', ['==', 'id', 9], ['|', ['==', 'id', 2], ['|', ['=', 'id', 5]]]], 'id'), [9, 2, 5]);
  });

  it('keeps the order of appearance and drops duplicates', () => {
    assert.deepEqual(
      requestedIdsFromFilter(['|', ['==', 'id', 5], ['==', 'id', 1], ['==', 'id', 5], ['==', 'id', 3], ['==', 'id', 1]], 'id'),
      [5, 1, 3],
    );
  });

  it('accepts decimal strings and bigints', () => {
    assert.deepEqual(requestedIdsFromFilter(['|', ['==', 'id', '42'], ['==', 'id', 42], ['==', 'id', 7n]], 'id'), [42, 7]);
    assert.deepEqual(requestedIdsFromFilter(['==', 'name', 'x'], 'name'), null);
  });

  const notById: unknown[] = [
    ['&', ['==', 'id', 1]],
    ['!', ['==', 'id', 1]],
    ['|', ['==', 'id', 1], ['==', 'status', 'x']],
    ['|', ['==', 'id', 1], ['>', 'id', 5]],
    ['|', ['==', 'id', 1], ['!=', 'id', 2]],
    ['|', ['==', 'id', 1], null],
    ['==', 'id', 'abc'],
    ['==', 'id', '-1'],
    ['==', 'id', ' 1'],
    ['==', 'id', 1.5],
    ['==', 'id', -1],
    ['==', 'id', 2n ** 60n],
    ['==', 'id'],
    ['==', 'id', 1, 2],
    'id',
    [['==', 'id', 1]],
  ];
  for (const filter of notById) {
    it(`anything else is not by ID: ${JSON.stringify(filter, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`, () => {
      assert.equal(requestedIdsFromFilter(filter, 'id'), null);
    });
  }

  it('survives absurd nesting', () => {
    let f: unknown = ['==', 'id', 1];
    for (let i = 0; i < 100_000; i++) f = ['|', f];
    assert.equal(requestedIdsFromFilter(f, 'id'), null);
  });
});

describe('compileFilter: scale', () => {
  it('runs a compound filter over 100,000 items', () => {
    const items = Array.from({length: 100_000}, (_, i) => job(i, i % 3 === 0 ? 'success' : 'error', {archived: i % 2 === 0}));
    const filter = [
      '&',
      ['|', ['==', 'status', 'success'], ['=~', 'status', '^err']],
      ['!', ['?', 'archived']],
      ['>', 'received_ts', 1700000100],
      ['=[]', 'prios', 0],
    ];
    const match = compileFilter(filter, lookup);
    assert.equal(items.filter(match).length, 49_950); // odd i from 101 on
  });
});

describe('compileFilterSliced: large filters read in slices', () => {
  it('pauses while it reads a long OR, and answers as compileFilter', async () => {
    const values = Array.from({length: 60_000}, (_, i) => (i * 7) % 1000);
    const filters: unknown[] = [
      ['|', ...values.map((v) => ['==', 'id', v])],
      ['|', ...values.map((v) => ['>=', 'id', v + 3])],
      ['&', ['!', ['|', ...values.map((v) => ['==', 'name', `job${v}`])]], ['?', 'status']],
    ];
    for (const filter of filters) {
      let pauses = 0;
      const match = await compileFilterSliced(filter, lookup, async () => {
        pauses++;
        await new Promise((r) => setImmediate(r));
      });
      assert.ok(pauses >= 3, `${pauses} pauses`);
      assert.deepEqual(
        JOBS.filter(match).map((j) => j.id),
        ids(filter),
      );
    }
    let namePauses = 0;
    const names = await filterFieldNamesSliced(filters[2], async () => {
      namePauses++;
    });
    assert.deepEqual(names, filterFieldNames(filters[2]));
    assert.deepEqual(names, ['name', 'status']);
    assert.ok(namePauses >= 3, `${namePauses} pauses`);
    let pauses = 0;
    const requested = await requestedIdsFromFilterSliced(filters[0], 'id', async () => {
      pauses++;
    });
    assert.deepEqual(requested, requestedIdsFromFilter(filters[0], 'id'));
    assert.equal(requested?.length, 1000);
    assert.ok(pauses >= 3, `${pauses} pauses`);
    await assert.rejects(
      compileFilterSliced(['|', ...values.map((v) => ['==', 'nosuch', v])], lookup, async () => undefined),
      ganetiError('ParameterError', "Can't find field named 'nosuch'"),
    );
  });
});

describe('compileFilter: a long request value in an error', () => {
  it('is quoted clipped, not written whole', () => {
    assert.throws(
      () => compileFilter(['==', 'id', ['x'.repeat(100_000)]], lookup),
      (err: unknown) =>
        err instanceof LuxiParseError &&
        err.message.startsWith(`Cannot deserialise filter value, expecting string or integer, got ["${'x'.repeat(1000)}`) &&
        err.message.endsWith('...') &&
        err.message.length < 4200,
    );
  });
});
