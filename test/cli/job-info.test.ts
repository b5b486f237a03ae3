import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {formatGenericInfo, formatJobInfo, InfoPairs, InfoTuple, JOB_INFO_FIELDS} from '../../src/cli/job-info.js';
import type {ResultCell} from '../../src/cli/query-table.js';
import {parseJson} from '../../src/json/lossless.js';
import {GanetiError} from '../../src/protocol/errors.js';
import {describeError} from '../../src/cli/error-text.js';

process.env.TZ = 'UTC';

// Expected texts were produced by the stock client: gnt_job.ShowJobs (Ganeti 3.0, Python 3.11,
// TZ=UTC) with a fake LUXI client answering Query with the same JSON rows.

type Rows = ResultCell[][];
const rows = (json: string): Rows => parseJson(json) as Rows;
const text = (lines: string[]): string => lines.join('\n') + '\n';

const unavailable = (id: number): ResultCell[] => [[0, id], ...new Array<ResultCell>(11).fill([3, null])];

describe('formatJobInfo', () => {
  it('queries the fields ShowJobs asks for', () => {
    assert.deepEqual(JOB_INFO_FIELDS, [
      'id',
      'status',
      'ops',
      'opresult',
      'opstatus',
      'oplog',
      'opstart',
      'opexec',
      'opend',
      'received_ts',
      'start_ts',
      'end_ts',
    ]);
  });

  it('prints a finished TEST_DELAY job (stock)', () => {
    const input = rows(`[[
      [0, 7], [0, "success"],
      [0, [{"OP_ID": "OP_TEST_DELAY", "debug_level": 0, "dry_run": false, "duration": 1, "interruptible": false,
            "no_locks": true, "on_master": true, "on_nodes": [], "priority": 0,
            "reason": [["gnt:client:gnt-debug", "delay", 1700000000123456789],
                       ["gnt:opcode:test_delay", "job=7;index=0", 1700000000200000000]],
            "repeat": 0}]],
      [0, [null]], [0, ["success"]],
      [0, [[[1, [1700000000, 523456], "message", " - INFO: Test delay iteration 0/1"]]]],
      [0, [[1700000000, 300000]]], [0, [[1700000000, 400000]]], [0, [[1700000001, 500000]]],
      [0, [1700000000, 200000]], [0, [1700000000, 300000]], [0, [1700000001, 600000]]]]`);
    assert.equal(
      formatJobInfo(input),
      text([
        '- Job ID: 7',
        '  Status: success',
        '  Received:         2023-11-14 22:13:20.200000',
        '  Processing start: 2023-11-14 22:13:20.300000 (delta 0.100000s)',
        '  Processing end:   2023-11-14 22:13:21.600000 (delta 1.300000s)',
        '  Total processing time: 1.400000 seconds',
        '  Opcodes: ',
        '    - Opcode: OP_TEST_DELAY',
        '      Status: success',
        '      Processing start: 2023-11-14 22:13:20.300000',
        '      Execution start:  2023-11-14 22:13:20.400000',
        '      Processing end:   2023-11-14 22:13:21.500000',
        '      Input fields: ',
        '        OP_ID: OP_TEST_DELAY',
        '        debug_level: 0',
        '        dry_run: False',
        '        duration: 1',
        '        interruptible: False',
        '        no_locks: True',
        '        on_master: True',
        '        on_nodes: ',
        '        priority: 0',
        '        reason: ',
        '          - - gnt:client:gnt-debug',
        '            - delay',
        '            - 1700000000123456789',
        '          - - gnt:opcode:test_delay',
        '            - job=7;index=0',
        '            - 1700000000200000000',
        '        repeat: 0',
        '      Result: None',
        '      Execution log: ',
        '        - Time: 2023-11-14 22:13:20.523456',
        '          Content: [1, message,  - INFO: Test delay iteration 0/1]',
      ]),
    );
  });

  it('prints timestamps, deltas, sorted inputs, results, logs and missing jobs (stock)', () => {
    const input = rows(String.raw`[
      [[0, 1], [0, "error"],
       [0, [{"OP_ID": "OP_TEST_DELAY", "duration": 0.5, "reason": [["gnt:client:gnt-debug", "delay", 1700000000123456789]],
             "on_nodes": [], "x": {}, "comment": null, "dry_run": false, "priority": 0, "depends": [[-1, ["success"]]],
             "B": "upper", "é": "accent", "a\nb": "it's"},
            {"OP_ID": "OP_TAGS_GET", "kind": "cluster"}]],
       [0, [{"a": [1, 2], "z": {"n": null}}, ["OpExecError", ["Test delay failed"]]]],
       [0, ["success", "error"]],
       [0, [[[1, [1700000000, 123456], "message", "hi\tthere\r\n héllo 😀"],
             [2, [1700000001, 5], "message-list", ["a", "b"]],
             [3, [1700000001, 6], "delay-test", {"k": 1}]],
            []]],
       [0, [[1700000000, 0], null]], [0, [[1700000000, 1], "bogus"]], [0, [[1700000001, 0], null]],
       [0, [1699999999, 999000]], [0, [1700000000, 300]], [0, [1700000001, 1]]],
      [[0, 2], [3, null], [3, null], [3, null], [3, null], [3, null], [3, null], [3, null], [3, null], [3, null], [3, null], [3, null]],
      [[0, 3], [0, "queued"], [0, [{"OP_ID": "OP_TEST_DELAY", "duration": 10}]], [0, [null]], [0, ["queued"]], [0, [[]]],
       [0, [null]], [0, [null]], [0, [null]], [0, [1700000000, 5]], [3, null], [3, null]],
      [[0, 4], [0, "canceled"], [0, []], [0, []], [0, []], [0, []], [0, []], [0, []], [0, []],
       [0, [1700000000, 999999]], [3, null], [0, [1700000002, 0]]],
      [[0, 5], [0, "success"], [0, [{"OP_ID": "OP_TEST_DELAY"}, {"OP_ID": "OP_B"}]], [0, [7]], [0, ["success", "success"]],
       [0, [[], []]], [0, [[1, 2], [3, 4]]], [0, [[1, 2]]], [0, [[1, 2], [3, 4]]],
       [0, [10, 20]], [0, [10, 30]], [0, [9, 999999]]]]`);
    assert.equal(
      formatJobInfo(input),
      text([
        '- Job ID: 1',
        '  Status: error',
        '  Received:         2023-11-14 22:13:19.999000',
        '  Processing start: 2023-11-14 22:13:20.000300 (delta 0.001300s)',
        '  Processing end:   2023-11-14 22:13:21.000001 (delta 0.999701s)',
        '  Total processing time: 1.001001 seconds',
        '  Opcodes: ',
        '    - Opcode: OP_TEST_DELAY',
        '      Status: success',
        '      Processing start: 2023-11-14 22:13:20.000000',
        '      Execution start:  2023-11-14 22:13:20.000001',
        '      Processing end:   2023-11-14 22:13:21.000000',
        '      Input fields: ',
        '        B: upper',
        '        OP_ID: OP_TEST_DELAY',
        '        a',
        "b: it's",
        '        comment: None',
        '        depends: ',
        '          - - -1',
        '            - - success',
        '        dry_run: False',
        '        duration: 0.5',
        '        on_nodes: ',
        '        priority: 0',
        '        reason: ',
        '          - - gnt:client:gnt-debug',
        '            - delay',
        '            - 1700000000123456789',
        '        x: ',
        '        é: accent',
        '      Result: ',
        '        a: ',
        '          - 1',
        '          - 2',
        '        z: ',
        '          n: None',
        '      Execution log: ',
        '        - Time: 2023-11-14 22:13:20.123456',
        "          Content: [1, message, hi\\tthere\\'r\\n h\\xe9llo \\U0001f600]",
        '        - Time: 2023-11-14 22:13:21.000005',
        "          Content: [2, message-list, ['a', 'b']]",
        '        - Time: 2023-11-14 22:13:21.000006',
        "          Content: [3, delay-test, {'k': 1}]",
        '    - Opcode: OP_TAGS_GET',
        '      Status: error',
        '      Processing start: N/A',
        '      Execution start:  N/A',
        '      Processing end:   N/A',
        '      Input fields: ',
        '        OP_ID: OP_TAGS_GET',
        '        kind: cluster',
        '      Result: ',
        '        - OpExecError',
        '        - - Test delay failed',
        '      Execution log: ',
        '- Job ID 2 not found',
        '- Job ID: 3',
        '  Status: queued',
        '  Received:         2023-11-14 22:13:20.000005',
        '  Processing start: unknown (None)',
        '  Processing end:   unknown (None)',
        '  Total processing time: N/A',
        '  Opcodes: ',
        '    - Opcode: OP_TEST_DELAY',
        '      Status: queued',
        '      Processing start: N/A',
        '      Execution start:  N/A',
        '      Processing end:   N/A',
        '      Input fields: ',
        '        OP_ID: OP_TEST_DELAY',
        '        duration: 10',
        '      Result: None',
        '      Execution log: ',
        '- Job ID: 4',
        '  Status: canceled',
        '  Received:         2023-11-14 22:13:20.999999',
        '  Processing start: unknown (None)',
        '  Processing end:   2023-11-14 22:13:22.000000',
        '  Total processing time: 1.000001 seconds',
        '  Opcodes: ',
        '- Job ID: 5',
        '  Status: success',
        '  Received:         1970-01-01 00:00:10.000020',
        '  Processing start: 1970-01-01 00:00:10.000030 (delta 0.000010s)',
        '  Processing end:   1970-01-01 00:00:09.999999 (delta -0.000031s)',
        '  Total processing time: -0.000021 seconds',
        '  Opcodes: ',
        '    - Opcode: OP_TEST_DELAY',
        '      Status: success',
        '      Processing start: 1970-01-01 00:00:01.000002',
        '      Execution start:  1970-01-01 00:00:01.000002',
        '      Processing end:   1970-01-01 00:00:01.000002',
        '      Input fields: ',
        '        OP_ID: OP_TEST_DELAY',
        '      Result: 7',
        '      Execution log: ',
      ]),
    );
  });

  it('prints "Job ID N not found" for a job without data (stock)', () => {
    assert.equal(formatJobInfo([unavailable(42)]), '- Job ID 42 not found\n');
  });

  it('prints an empty line for no rows (stock)', () => {
    assert.equal(formatJobInfo([]), '\n');
  });

  it('throws the ProgrammerError of an unknown job status', () => {
    const input: Rows = [
      [
        [0, 9],
        [0, 'bogus'],
        [0, []],
        [0, []],
        [0, []],
        [0, []],
        [0, []],
        [0, []],
        [0, []],
        [0, [1, 2]],
        [3, null],
        [3, null],
      ],
    ];
    assert.throws(
      () => formatJobInfo(input),
      (err: unknown) => err instanceof GanetiError && describeError(err) === "Unhandled Ganeti error: Unknown job status code 'bogus'",
    );
  });

  it('throws like the stock client on a non-string message of type "message"', () => {
    const input: Rows = [
      [
        [0, 9],
        [0, 'success'],
        [0, [{OP_ID: 'OP_X'}]],
        [0, [null]],
        [0, ['success']],
        [0, [[[1, [1, 2], 'message', {a: 1}]]]],
        [0, [null]],
        [0, [null]],
        [0, [null]],
        [0, [1, 2]],
        [3, null],
        [3, null],
      ],
    ];
    assert.throws(() => formatJobInfo(input), new TypeError('Only str can be SafeEncoded'));
  });
});

describe('formatGenericInfo', () => {
  it('serialises like cli.PrintGenericInfo', () => {
    const data = [
      new InfoPairs([
        ['Name', 'x'],
        ['Long name', 'y', 'g'],
        ['N', 'z', 'g'],
        ['Tuple', new InfoTuple([1, 'a', null])],
        ['Nested tuple', new InfoTuple([1, [2]])],
        ['Dict', {b: true, a: {}}],
        ['Empty', []],
      ]),
      'plain',
    ];
    assert.equal(
      formatGenericInfo(data),
      text([
        '- Name: x',
        '  Long name: y',
        '  N:         z',
        '  Tuple: [1, a, None]',
        '  Nested tuple: ',
        '    - 1',
        '    - - 2',
        '  Dict: ',
        '    a: ',
        '    b: True',
        '  Empty: ',
        '- plain',
      ]),
    );
  });
});
