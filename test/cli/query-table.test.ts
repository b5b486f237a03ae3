import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {formatFieldList} from '../../src/cli/list-fields.js';
import {
  formatQueryResult,
  formatUnit,
  JOB_LIST_FORMAT,
  type QueryField,
  type QueryResult,
  type QueryTableOptions,
} from '../../src/cli/query-table.js';
import {GanetiError} from '../../src/protocol/errors.js';
import {describeError} from '../../src/cli/error-text.js';

process.env.TZ = 'UTC';

// Expected texts marked "stock" were produced by running the stock client's
// cli.FormatQueryResult / cli.GenericList / cli.GenericListFields (Ganeti 3.0, Python 3.11,
// TZ=UTC) on the same input, with gnt_job._JOB_LIST_FORMAT where the options use JOB_LIST_FORMAT.

const f = (name: string, title: string, kind: string, doc = name): QueryField => ({name, title, kind, doc});
const lines = (...ls: string[]): string => ls.map((l) => l + '\n').join('');

const JOB_FIELDS = [f('id', 'ID', 'number', 'Job ID'), f('status', 'Status', 'text', 'Job status'), f('summary', 'Summary', 'other')];
const CAPTURED: QueryResult = {
  fields: JOB_FIELDS,
  data: [
    [
      [0, 1],
      [0, 'success'],
      [0, ['TEST_DELAY(1.0)']],
    ],
    [
      [0, 12],
      [0, 'running'],
      [0, ['TEST_DELAY(10.0)', 'TAGS_GET(cluster)']],
    ],
    [
      [0, 123],
      [3, null],
      [3, null],
    ],
  ],
};

const jobList = (result: QueryResult, options: Partial<QueryTableOptions> = {}) =>
  formatQueryResult(result, {header: true, formatOverride: JOB_LIST_FORMAT, ...options});

describe('formatQueryResult: gnt-job list', () => {
  it('prints the captured default listing (stock gnt-job list)', () => {
    const table = jobList(CAPTURED);
    assert.equal(
      table.text,
      lines(' ID Status  Summary', '  1 success TEST_DELAY(1.0)', ' 12 running TEST_DELAY(10.0),TAGS_GET(cluster)', '123 -       -'),
    );
    assert.equal(table.status, 'incomplete');
    assert.equal(table.exitCode, 0);
    assert.equal(table.warning, '');
    assert.deepEqual(table.unknownFields, []);
  });

  it('prints the captured --no-headers --separator=| listing (stock gnt-job list)', () => {
    const table = jobList(CAPTURED, {header: false, separator: '|'});
    assert.equal(table.text, lines('1|success|TEST_DELAY(1.0)', '12|running|TEST_DELAY(10.0),TAGS_GET(cluster)', '123|-|-'));
  });

  it('measures opstart/opexec/opend by list length, like the stock client (stock)', () => {
    const table = jobList({
      fields: [
        f('id', 'ID', 'number'),
        f('opstart', 'OpCode_start', 'other'),
        f('opend', 'OpCode_end', 'other'),
        f('status', 'Status', 'text'),
      ],
      data: [
        [
          [0, 1],
          [0, [[1700000000, 5], null]],
          [0, []],
          [0, 'success'],
        ],
        [
          [0, 22],
          [0, []],
          [0, new Array(13).fill(null)],
          [0, 'queued'],
        ],
      ],
    });
    assert.equal(
      table.text,
      lines(
        'ID OpCode_start OpCode_end    Status',
        " 1 ['2023-11-14 22:13:20.000005', '?'] []            success",
        "22 []           ['?', '?', '?', '?', '?', '?', '?', '?', '?', '?', '?', '?', '?'] queued",
      ),
    );
    assert.equal(table.status, 'ok');
  });

  it('counts widths in code points (stock)', () => {
    const table = jobList({
      fields: [f('summary', 'Summary', 'other'), f('id', 'ID', 'number'), f('priority', 'Priority', 'number')],
      data: [
        [
          [0, ['TAGS_SET(😀😀)']],
          [0, 1],
          [0, 0],
        ],
        [
          [0, ['OP_É']],
          [0, 100000],
          [0, -10],
        ],
        [
          [0, []],
          [0, 3],
          [0, 19],
        ],
      ],
    });
    assert.equal(
      table.text,
      lines(
        'Summary          ID Priority',
        'TAGS_SET(😀😀)      1        0',
        'OP_É         100000      -10',
        '                  3       19',
      ),
    );
  });

  it('throws the ProgrammerError the stock client reports for an unknown job status', () => {
    const result: QueryResult = {
      fields: JOB_FIELDS.slice(0, 2),
      data: [
        [
          [0, 1],
          [0, 'success'],
        ],
        [
          [0, 2],
          [0, 'bogus'],
        ],
      ],
    };
    assert.throws(
      () => jobList(result),
      (err: unknown) => err instanceof GanetiError && describeError(err) === "Unhandled Ganeti error: Unknown job status code 'bogus'",
    );
  });

  it('fails like the stock client when a list column meets a separator', () => {
    const result: QueryResult = {
      fields: [f('id', 'ID', 'number'), f('opend', 'OpCode_end', 'other')],
      data: [
        [
          [0, 1],
          [0, [[1700000000, 5]]],
        ],
      ],
    };
    assert.throws(() => jobList(result, {separator: '\t'}), new TypeError('sequence item 1: expected str instance, list found'));
  });

  it('reports unknown fields with exit code 14, even without rows (stock)', () => {
    const table = jobList({fields: [f('id', 'ID', 'number'), f('foo', 'foo', 'unknown'), f('bar', 'bar', 'unknown')], data: []});
    assert.equal(table.text, 'ID foo bar\n');
    assert.equal(table.status, 'unknown-fields');
    assert.deepEqual(table.unknownFields, ['foo', 'bar']);
    assert.equal(table.warning, 'Warning: Queried for unknown fields foo, bar\n');
    assert.equal(table.exitCode, 14);
  });

  it('prints nothing at all for no rows and no header', () => {
    const table = jobList({fields: [f('id', 'ID', 'number')], data: []}, {header: false});
    assert.equal(table.text, '');
    assert.equal(table.status, 'ok');
  });

  it('formats the other fields by kind (stock)', () => {
    const table = jobList({
      fields: [f('id', 'ID', 'number'), f('received_ts', 'Received', 'other')],
      data: [
        [
          [0, 7],
          [0, [1700000000, 5]],
        ],
        [
          [0, 8],
          [3, null],
        ],
      ],
    });
    assert.equal(table.text, lines('ID Received', ' 7 [1700000000, 5]', ' 8 -'));
    assert.equal(table.status, 'incomplete');
  });

  it('formats 100,000 rows', () => {
    const data = Array.from(
      {length: 100_000},
      (_, i) =>
        [
          [0, i + 1],
          [0, i % 2 === 0 ? 'success' : 'error'],
          [0, ['TEST_DELAY(0.0)', 'TAGS_GET(cluster)']],
        ] as const,
    );
    const table = jobList({fields: JOB_FIELDS, data});
    const out = table.text.split('\n');
    assert.equal(out.length, 100_002);
    assert.equal(out[0], '    ID Status  Summary');
    assert.equal(out[1], '     1 success TEST_DELAY(0.0),TAGS_GET(cluster)');
    assert.equal(out[100_000], '100000 error   TEST_DELAY(0.0),TAGS_GET(cluster)');
  });
});

describe('formatQueryResult: field kinds', () => {
  const KINDS: QueryResult = {
    fields: [
      f('name', 'Node', 'text'),
      f('flag', 'F', 'bool'),
      f('count', 'Count', 'number'),
      f('ratio', 'Ratio', 'float'),
      f('ctime', 'CTime', 'timestamp'),
      f('size', 'Size', 'unit'),
      f('tags', 'Tags', 'other'),
      f('bogus', 'bogus', 'unknown', "Unknown field 'bogus'"),
    ],
    data: [
      [
        [0, 'node1.example.com'],
        [0, true],
        [0, 3],
        [0, 0.5],
        [0, 1700000000.75],
        [0, 512],
        [0, ['a', "it's"]],
        [1, null],
      ],
      [
        [0, 'n2'],
        [0, false],
        [0, 12345],
        [0, 1e-5],
        [0, 0],
        [0, 1536],
        [0, {}],
        [1, null],
      ],
      [
        [0, 'nödé-ü😀'],
        [0, []],
        [0, -7],
        [0, 2.5],
        [2, null],
        [0, 1048575],
        [0, null],
        [1, null],
      ],
      [
        [4, null],
        [0, 'x'],
        [3, null],
        [0, 1.5e-7],
        [0, 1e9],
        [0, 1572864],
        [0, {k: [1, 'v']}],
        [1, null],
      ],
    ],
  };

  it('aligns numbers right and formats bool, float, timestamp, unit and other (stock)', () => {
    const table = formatQueryResult(KINDS, {header: true});
    assert.equal(
      table.text,
      lines(
        'Node              F Count   Ratio CTime                  Size Tags            bogus',
        "node1.example.com Y     3     0.5 2023-11-14 22:13:20    512M ['a', \"it's\"]   ??",
        'n2                N 12345   1e-05 1970-01-01 00:00:00    1.5G {}              ??',
        'nödé-ü😀           N    -7     2.5 ?                   1024.0G None            ??',
        "*                 Y     - 1.5e-07 2001-09-09 01:46:40    1.5T {'k': [1, 'v']} ??",
      ),
    );
    assert.equal(table.status, 'unknown-fields');
    assert.equal(table.exitCode, 14);
    assert.equal(table.warning, 'Warning: Queried for unknown fields bogus\n');
  });

  it('prints units in MiB with a separator (stock)', () => {
    const table = formatQueryResult(
      {
        fields: [f('name', 'Node', 'text'), f('size', 'Size', 'unit'), f('count', 'Count', 'number')],
        data: [
          [
            [0, 'a'],
            [0, 512],
            [0, 3],
          ],
          [
            [0, 'b'],
            [0, 1572864],
            [2, null],
          ],
        ],
      },
      {header: true, separator: ','},
    );
    assert.equal(table.text, lines('Node,Size,Count', 'a,512,3', 'b,1572864,?'));
    assert.equal(table.status, 'incomplete');
  });

  it('keeps human-readable units with an empty separator (stock)', () => {
    const table = formatQueryResult(
      {
        fields: [f('size', 'Size', 'unit'), f('name', 'Node', 'text')],
        data: [
          [
            [0, 2048],
            [0, 'a'],
          ],
        ],
      },
      {header: true, separator: ''},
    );
    assert.equal(table.text, lines('SizeNode', '2.0Ga'));
  });

  it('spells out abnormal statuses with --verbose (stock)', () => {
    const table = formatQueryResult(
      {
        fields: [f('count', 'Count', 'number'), f('nosuch', 'nosuch', 'unknown'), f('size', 'Size', 'unit'), f('name', 'Node', 'text')],
        data: [
          [
            [0, 1],
            [1, null],
            [0, 2048],
            [3, null],
          ],
          [
            [2, null],
            [1, null],
            [4, null],
            [0, 'x'],
          ],
          [
            [0, 100],
            [1, null],
            [0, 1023],
            [2, null],
          ],
        ],
      },
      {header: false, verbose: true},
    );
    assert.equal(
      table.text,
      lines('       1 (unknown)      2.0G (unavail)', '(nodata) (unknown) (offline) x', '     100 (unknown)     1023M (nodata)'),
    );
    assert.equal(table.exitCode, 14);
  });

  it('rejects a kind and a status the stock client cannot format', () => {
    assert.throws(() => formatQueryResult({fields: [f('x', 'X', 'weird')], data: []}, {header: true}), /Can't format column type 'weird'/);
    assert.throws(() => formatQueryResult({fields: [f('x', 'X', 'text')], data: [[[7, null]]]}, {header: true}), /Unknown status 7/);
  });
});

describe('formatUnit', () => {
  it('scales MiB like utils.FormatUnit', () => {
    assert.deepEqual(
      [0, 512, 1023, 1024, 1536, 1048575, 1048576, 1572864].map((v) => formatUnit(v, 'h')),
      ['0M', '512M', '1023M', '1.0G', '1.5G', '1024.0G', '1.0T', '1.5T'],
    );
    assert.equal(formatUnit(1572864, 'm'), '1572864');
    assert.equal(formatUnit(0.5, 'h'), '0M');
  });

  it('refuses non-numbers with the stock ProgrammerError', () => {
    assert.throws(
      () => formatUnit('abc', 'h'),
      (err: unknown) => err instanceof GanetiError && err.args[0] === "Invalid value specified 'abc (<class 'str'>)'",
    );
  });
});

describe('formatFieldList: gnt-job list-fields', () => {
  it('prints the captured listing (stock gnt-job list)', () => {
    const list = formatFieldList(
      {
        fields: [
          f('id', 'ID', 'number', 'Job ID'),
          f('status', 'Status', 'text', 'Job status'),
          f('received_ts', 'Received', 'other', 'Timestamp of when job was received (tuple containing seconds and microseconds)'),
        ],
      },
      {header: true},
    );
    assert.equal(
      list.text,
      lines(
        'Name        Type   Title    Description',
        'id          Number ID       Job ID',
        'status      Text   Status   Job status',
        'received_ts Custom Received Timestamp of when job was received (tuple containing seconds and microseconds)',
      ),
    );
    assert.equal(list.exitCode, 0);
    assert.equal(list.warning, '');
  });

  it('names every kind and flags unknown fields (stock)', () => {
    const list = formatFieldList(
      {
        fields: [
          f('archived', 'Archived', 'bool', 'Whether job is archived'),
          f('x', 'X', 'float', 'f'),
          f('y', 'Y', 'unit', 'u'),
          f('z', 'Z', 'timestamp', 't'),
          f('w', 'W', 'weird', 'w'),
          f('foo', 'foo', 'unknown', "Unknown field 'foo'"),
        ],
      },
      {header: false},
    );
    assert.equal(
      list.text,
      lines(
        'archived Boolean               Archived Whether job is archived',
        'x        Floating-point number X        f',
        'y        Storage size          Y        u',
        'z        Timestamp             Z        t',
        'w        weird                 W        w',
        "foo      Unknown               foo      Unknown field 'foo'",
      ),
    );
    assert.deepEqual(list.unknownFields, ['foo']);
    assert.equal(list.warning, 'Warning: Queried for unknown fields foo\n');
    assert.equal(list.exitCode, 14);
  });

  it('joins with a separator (stock)', () => {
    const list = formatFieldList(
      {fields: [f('id', 'ID', 'number', 'Job ID'), f('summary', 'Summary', 'other', 'List of per-opcode summaries')]},
      {header: true, separator: '::'},
    );
    assert.equal(
      list.text,
      lines('Name::Type::Title::Description', 'id::Number::ID::Job ID', 'summary::Custom::Summary::List of per-opcode summaries'),
    );
  });
});
