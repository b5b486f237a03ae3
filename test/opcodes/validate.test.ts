import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import {parseJson, stringifyJson} from '../../src/json/lossless.js';
import {OPCODES} from '../../src/opcodes/definitions.js';
import {OpcodeValidationError, isImplementedOpcode, validateOpcode} from '../../src/opcodes/validate.js';

const strict = {allowRelativeDepends: false};
const relative = {allowRelativeDepends: true};

// The opcode of the captured 3.0 SubmitJob request (OP_ID last, every parameter sent).
const CAPTURED_30 =
  '{"duration": 0.5, "on_master": true, "on_nodes": [], "on_node_uuids": null, "repeat": 0, ' +
  '"interruptible": false, "no_locks": true, "dry_run": null, "debug_level": null, "priority": 0, ' +
  '"depends": null, "comment": null, "reason": [], "OP_ID": "OP_TEST_DELAY"}';

const DELAY_KEYS = [
  'OP_ID',
  'duration',
  'on_master',
  'on_nodes',
  'on_node_uuids',
  'repeat',
  'interruptible',
  'no_locks',
  'dry_run',
  'debug_level',
  'priority',
  'depends',
  'comment',
  'reason',
];

const delay = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  OP_ID: 'OP_TEST_DELAY',
  duration: 1,
  ...extra,
});

function rejects(raw: unknown, message: string | RegExp, opts = strict): void {
  assert.throws(
    () => validateOpcode(raw, opts),
    (err: unknown) => {
      assert.ok(err instanceof OpcodeValidationError, `not an OpcodeValidationError: ${String(err)}`);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

describe('validateOpcode: accepted opcodes', () => {
  test('the exact dict the 3.0 client sends comes back unchanged, OP_ID first', () => {
    const raw = parseJson(CAPTURED_30);
    const op = validateOpcode(raw, strict);
    assert.deepEqual(op, raw);
    assert.deepEqual(Object.keys(op), DELAY_KEYS);
  });

  test('missing optional parameters are filled with the 3.0 client defaults', () => {
    const op = validateOpcode({OP_ID: 'OP_TEST_DELAY', duration: 0.5}, strict);
    assert.equal(stringifyJson(op), stringifyJson(validateOpcode(parseJson(CAPTURED_30), strict)));
    assert.deepEqual(Object.keys(op), DELAY_KEYS);
  });

  test('gnt-debug delay values (and a bigint reason timestamp) are preserved exactly', () => {
    const text =
      '{"OP_ID": "OP_TEST_DELAY", "duration": 0.5, "dry_run": false, "debug_level": 0, "priority": -10, ' +
      '"depends": null, "comment": null, "reason": [["gnt:client:gnt-debug", "delay", 1795541175805849856]]}';
    const op = validateOpcode(parseJson(text), strict);
    assert.equal(op.dry_run, false);
    assert.equal(op.debug_level, 0);
    assert.equal(op.priority, -10);
    assert.deepEqual(op.reason, [['gnt:client:gnt-debug', 'delay', 1795541175805849856n]]);
    assert.match(stringifyJson(op), /"reason":\[\["gnt:client:gnt-debug","delay",1795541175805849856\]\]/);
  });

  test('OP_TEST_JQUEUE defaults', () => {
    const op = validateOpcode({OP_ID: 'OP_TEST_JQUEUE'}, strict);
    assert.deepEqual(op, {
      OP_ID: 'OP_TEST_JQUEUE',
      notify_waitlock: false,
      notify_exec: false,
      log_messages: [],
      fail: false,
      dry_run: null,
      debug_level: null,
      priority: 0,
      depends: null,
      comment: null,
      reason: [],
    });
    assert.equal(Object.keys(op)[0], 'OP_ID');
  });

  test('OP_TEST_JQUEUE with every parameter set', () => {
    const raw = {
      OP_ID: 'OP_TEST_JQUEUE',
      notify_waitlock: true,
      notify_exec: true,
      log_messages: ['a', ''],
      fail: true,
    };
    assert.deepEqual(validateOpcode(raw, strict), {
      ...raw,
      dry_run: null,
      debug_level: null,
      priority: 0,
      depends: null,
      comment: null,
      reason: [],
    });
  });

  test('returns a new object sharing no containers with the input, which is left untouched', () => {
    const raw = delay({on_nodes: ['node1'], reason: [['gnt:user', 'x', 1]], depends: [[1, ['success']]]});
    const before = structuredClone(raw);
    const op = validateOpcode(raw, strict);
    assert.notEqual(op, raw);
    (op.on_nodes as string[]).push('node2');
    ((op.reason as unknown[][])[0] as unknown[]).push('y');
    ((op.depends as unknown[][])[0]![1] as string[]).push('error');
    assert.deepEqual(raw, before);
    const fresh = validateOpcode(delay(), strict);
    (fresh.reason as unknown[]).push(['gnt:user', 'x', 1]);
    assert.deepEqual(validateOpcode(delay(), strict).reason, []);
  });

  test('null means "unset" for parameters with a non-null default', () => {
    const op = validateOpcode(
      delay({
        on_master: null,
        on_nodes: null,
        repeat: null,
        interruptible: null,
        no_locks: null,
        priority: null,
        reason: null,
      }),
      strict,
    );
    assert.deepEqual(
      [op.on_master, op.on_nodes, op.repeat, op.interruptible, op.no_locks, op.priority, op.reason],
      [true, [], 0, false, true, 0, []],
    );
  });

  test('nullable parameters keep null and accept values', () => {
    const op = validateOpcode(delay({on_node_uuids: ['uuid-1'], dry_run: true, debug_level: 3, comment: 'why', depends: []}), strict);
    assert.deepEqual([op.on_node_uuids, op.dry_run, op.debug_level, op.comment, op.depends], [['uuid-1'], true, 3, 'why', []]);
  });

  test('submit priorities -10, 0 and 10', () => {
    for (const priority of [-10, 0, 10]) assert.equal(validateOpcode(delay({priority}), strict).priority, priority);
  });

  test('durations: integers, zero, negatives (refused later, at execution) and bigints', () => {
    assert.equal(validateOpcode(delay({duration: 10}), strict).duration, 10);
    assert.equal(validateOpcode(delay({duration: 0}), strict).duration, 0);
    assert.equal(validateOpcode(delay({duration: -1.5}), strict).duration, -1.5);
    assert.equal(validateOpcode(delay({duration: 10n ** 20n}), strict).duration, 1e20);
  });

  test('integer parameters accept bigint', () => {
    const op = validateOpcode(delay({repeat: 2n ** 60n, debug_level: 2n ** 60n}), strict);
    assert.equal(op.repeat, 2n ** 60n);
    assert.equal(op.debug_level, 2n ** 60n);
  });

  test('reason timestamps may be plain integers too', () => {
    assert.deepEqual(validateOpcode(delay({reason: [['gnt:user', 'x', 12]]}), strict).reason, [['gnt:user', 'x', 12]]);
  });

  test('depends: absolute IDs, decimal-string IDs stored as integers, empty status lists', () => {
    const op = validateOpcode(
      delay({
        depends: [
          [3, ['success', 'error']],
          ['7', []],
          ['007', ['canceled']],
          [9007199254740991, []],
        ],
      }),
      strict,
    );
    assert.deepEqual(op.depends, [
      [3, ['success', 'error']],
      [7, []],
      [7, ['canceled']],
      [9007199254740991, []],
    ]);
  });

  test('depends: an id no job can have (2^53 and beyond) is refused at submission', () => {
    rejects(
      delay({depends: [[9007199254740992n, []]]}),
      "key 'depends': Invalid job ID 9007199254740992 in dependency [9007199254740992,[]]",
    );
    rejects(delay({depends: [['99999999999999999999', []]]}), /^key 'depends': Invalid job ID "99999999999999999999"/);
    rejects(delay({depends: [[-9007199254740993n, []]]}), /^key 'depends': Invalid job ID -9007199254740993/, relative);
    rejects(delay({depends: [[1e300, []]]}), /^key 'depends': Invalid job ID 1e\+300/);
  });

  test('depends: relative (negative) IDs only with allowRelativeDepends', () => {
    assert.deepEqual(
      validateOpcode(
        delay({
          depends: [
            [-1, []],
            [-2, ['success']],
          ],
        }),
        relative,
      ).depends,
      [
        [-1, []],
        [-2, ['success']],
      ],
    );
    rejects(delay({depends: [[-1, []]]}), "key 'depends': Relative job ID -1 in dependency [-1,[]] is only allowed in SubmitManyJobs");
  });

  test('a validated opcode validates to itself (property)', () => {
    const name = fc.string({minLength: 1});
    const opArb = fc.record(
      {
        duration: fc.double({noNaN: true, noDefaultInfinity: true}),
        on_master: fc.boolean(),
        on_nodes: fc.array(name),
        on_node_uuids: fc.option(fc.array(name)),
        repeat: fc.nat(),
        interruptible: fc.boolean(),
        no_locks: fc.boolean(),
        dry_run: fc.option(fc.boolean()),
        debug_level: fc.option(fc.nat()),
        priority: fc.constantFrom(-10, 0, 10),
        depends: fc.option(fc.array(fc.tuple(fc.nat(), fc.subarray(['canceled', 'success', 'error'])))),
        comment: fc.option(fc.string()),
        reason: fc.array(fc.tuple(fc.string(), fc.string(), fc.bigInt({min: 0n, max: 2n ** 63n}))),
      },
      {requiredKeys: ['duration']},
    );
    fc.assert(
      fc.property(opArb, (fields) => {
        const op = validateOpcode({OP_ID: 'OP_TEST_DELAY', ...fields}, strict);
        assert.deepEqual(Object.keys(op), DELAY_KEYS);
        assert.deepEqual(validateOpcode(op, strict), op);
        const text = stringifyJson(op);
        assert.equal(stringifyJson(validateOpcode(parseJson(text), strict)), text);
      }),
    );
  });
});

describe('validateOpcode: rejected opcodes', () => {
  test('not a JSON object', () => {
    rejects(5, 'Unable to read opcode: expected a JSON object, got 5');
    rejects(null, 'Unable to read opcode: expected a JSON object, got null');
    rejects('OP_TEST_DELAY', 'Unable to read opcode: expected a JSON object, got "OP_TEST_DELAY"');
    rejects([{OP_ID: 'OP_TEST_DELAY'}], 'Unable to read opcode: expected a JSON object, got [{"OP_ID":"OP_TEST_DELAY"}]');
    rejects(undefined, 'Unable to read opcode: expected a JSON object, got undefined');
  });

  test('long values are shortened in messages', () => {
    rejects('x'.repeat(500), /^Unable to read opcode: expected a JSON object, got "x{116}\.\.\.$/);
  });

  test('missing OP_ID', () => {
    rejects({}, "key 'OP_ID' not found, object contains only []");
    rejects({duration: 1, op_id: 'OP_TEST_DELAY'}, 'key \'OP_ID\' not found, object contains only ["duration","op_id"]');
  });

  test('OP_ID not a string', () => {
    rejects({OP_ID: 7}, "key 'OP_ID': Unable to read String");
    rejects({OP_ID: null}, "key 'OP_ID': Unable to read String");
  });

  test('unknown opcode', () => {
    rejects({OP_ID: 'OP_FOO'}, 'Unknown opcode OP_FOO');
    rejects({OP_ID: 'op_test_delay', duration: 1}, 'Unknown opcode op_test_delay');
    rejects({OP_ID: ''}, 'Unknown opcode ');
  });

  test('a request value quoted in a message is clipped: a 64 MiB name is not written whole', () => {
    const long = 'X'.repeat(100_000);
    rejects({OP_ID: long}, `Unknown opcode ${'X'.repeat(4096)}... (95904 more characters)`);
    const keys = Object.fromEntries(Array.from({length: 20_000}, (_, i) => [`k${i}`, 1]));
    const err = (() => {
      try {
        validateOpcode(keys, {allowRelativeDepends: false});
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    assert.ok(err instanceof OpcodeValidationError);
    assert.equal(err.message, `key 'OP_ID' not found, object contains only ${JSON.stringify(Object.keys(keys)).slice(0, 4096)}...`);
  });

  test('a Ganeti opcode that ganeti-ts does not implement', () => {
    rejects({OP_ID: 'OP_INSTANCE_REINSTALL', instance_name: 'inst1'}, 'Unknown opcode OP_INSTANCE_REINSTALL (not supported by ganeti-ts)');
    rejects({OP_ID: 'OP_TEST_DUMMY'}, 'Unknown opcode OP_TEST_DUMMY (not supported by ganeti-ts)');
  });

  test('missing required parameter', () => {
    rejects({OP_ID: 'OP_TEST_DELAY'}, 'key \'duration\' not found, object contains only ["OP_ID"]');
    rejects({on_master: true, OP_ID: 'OP_TEST_DELAY'}, 'key \'duration\' not found, object contains only ["on_master","OP_ID"]');
  });

  test('duration of the wrong type', () => {
    for (const duration of ['x', '1.5', true, null, [], {}]) {
      rejects(delay({duration}), "key 'duration': Unable to read Double");
    }
  });

  test('repeat must be a non-negative integer', () => {
    rejects(delay({repeat: -1}), "key 'repeat': Invalid value for non-negative type '-1'");
    rejects(delay({repeat: -(2n ** 70n)}), `key 'repeat': Invalid value for non-negative type '${-(2n ** 70n)}'`);
    rejects(delay({repeat: 1.5}), "key 'repeat': Unable to read Int");
    rejects(delay({repeat: '1'}), "key 'repeat': Unable to read Int");
    rejects(delay({repeat: false}), "key 'repeat': Unable to read Int");
  });

  test('node lists need non-empty strings', () => {
    rejects(delay({on_nodes: ['']}), "key 'on_nodes': Received empty value for non-empty string");
    rejects(delay({on_nodes: ['node1', 2]}), "key 'on_nodes': Unable to read String");
    rejects(delay({on_nodes: 'node1'}), "key 'on_nodes': Unable to read list");
    rejects(delay({on_node_uuids: ['']}), "key 'on_node_uuids': Received empty value for non-empty string");
    rejects(delay({on_node_uuids: {}}), "key 'on_node_uuids': Unable to read list");
  });

  test('booleans', () => {
    rejects(delay({on_master: 'yes'}), "key 'on_master': Unable to read Bool");
    rejects(delay({interruptible: 1}), "key 'interruptible': Unable to read Bool");
    rejects(delay({no_locks: 0}), "key 'no_locks': Unable to read Bool");
    rejects(delay({dry_run: 'no'}), "key 'dry_run': Unable to read Bool");
    rejects({OP_ID: 'OP_TEST_JQUEUE', fail: 'true'}, "key 'fail': Unable to read Bool");
    rejects({OP_ID: 'OP_TEST_JQUEUE', notify_exec: 1}, "key 'notify_exec': Unable to read Bool");
    rejects({OP_ID: 'OP_TEST_JQUEUE', notify_waitlock: []}, "key 'notify_waitlock': Unable to read Bool");
  });

  test('log_messages must be a list of strings', () => {
    rejects({OP_ID: 'OP_TEST_JQUEUE', log_messages: 'hello'}, "key 'log_messages': Unable to read list");
    rejects({OP_ID: 'OP_TEST_JQUEUE', log_messages: ['a', 1]}, "key 'log_messages': Unable to read String");
  });

  test('debug_level and comment', () => {
    rejects(delay({debug_level: -1}), "key 'debug_level': Invalid value for non-negative type '-1'");
    rejects(delay({debug_level: '1'}), "key 'debug_level': Unable to read Int");
    rejects(delay({comment: 5}), "key 'comment': Unable to read String");
  });

  test('priority outside {-10, 0, 10}', () => {
    const cases = [
      [5, '5'],
      [-20, '-20'],
      [1.5, '1.5'],
      ['high', '"high"'],
      [true, 'true'],
    ] as const;
    for (const [priority, shown] of cases) {
      rejects(delay({priority}), `key 'priority': Invalid value for type OpSubmitPriority: ${shown}, expected one of -10, 0, 10`);
    }
  });

  test('superfluous keys', () => {
    rejects(
      delay({foo: 1, bar: 2}),
      'Superfluous dictionary keys: ["bar","foo"], but only ["OP_ID","comment","debug_level","depends","dry_run",' +
        '"duration","interruptible","no_locks","on_master","on_node_uuids","on_nodes","priority","reason",' +
        '"repeat"] allowed.',
    );
    rejects(
      {OP_ID: 'OP_TEST_JQUEUE', duration: 1},
      'Superfluous dictionary keys: ["duration"], but only ["OP_ID","comment","debug_level","depends","dry_run",' +
        '"fail","log_messages","notify_exec","notify_waitlock","priority","reason"] allowed.',
    );
  });

  test('keys named like Object.prototype members are superfluous, not inherited', () => {
    rejects(parseJson('{"OP_ID": "OP_TEST_DELAY", "duration": 1, "__proto__": {"x": 1}}'), /^Superfluous dictionary keys: \["__proto__"\]/);
    rejects(delay({constructor: 1}), /^Superfluous dictionary keys: \["constructor"\]/);
    const inherited = Object.assign(Object.create({duration: 1}) as object, {OP_ID: 'OP_TEST_DELAY'});
    rejects(inherited, /^key 'duration' not found/);
  });

  test('type errors are reported before superfluous keys (as Ganeti decodes)', () => {
    rejects(delay({duration: 'x', foo: 1}), "key 'duration': Unable to read Double");
  });

  test('malformed dependencies', () => {
    rejects(delay({depends: 5}), "key 'depends': Unable to read list");
    rejects(delay({depends: [5]}), "key 'depends': Invalid job dependency 5, expected [job_id, [status, ...]]");
    rejects(delay({depends: [[1]]}), "key 'depends': Invalid job dependency [1], expected [job_id, [status, ...]]");
    rejects(delay({depends: [[1, [], 2]]}), "key 'depends': Invalid job dependency [1,[],2], expected [job_id, [status, ...]]");
    rejects(delay({depends: [[1.5, []]]}), "key 'depends': Invalid job ID 1.5 in dependency [1.5,[]]");
    rejects(delay({depends: [['abc', []]]}), 'key \'depends\': Invalid job ID "abc" in dependency ["abc",[]]');
    rejects(delay({depends: [['-1', []]]}), 'key \'depends\': Invalid job ID "-1" in dependency ["-1",[]]', relative);
    rejects(delay({depends: [[null, []]]}), "key 'depends': Invalid job ID null in dependency [null,[]]");
    rejects(delay({depends: [[1, 'success']]}), "key 'depends': Unable to read list");
    rejects(
      delay({depends: [[1, ['running']]]}),
      'key \'depends\': Invalid value for type FinalizedJobStatus: "running", expected one of canceled, success, error',
    );
  });

  test('malformed reason trails', () => {
    const entry = 'expected [source, text, timestamp]';
    rejects(delay({reason: 'gnt:user'}), "key 'reason': Unable to read list");
    rejects(delay({reason: [['u', 'x']]}), `key 'reason': Invalid reason trail entry ["u","x"], ${entry}`);
    rejects(delay({reason: [[1, 'x', 2]]}), `key 'reason': Invalid reason trail entry [1,"x",2], ${entry}`);
    rejects(delay({reason: [['s', null, 2]]}), `key 'reason': Invalid reason trail entry ["s",null,2], ${entry}`);
    rejects(delay({reason: [['s', 'x', 1.5]]}), `key 'reason': Invalid reason trail entry ["s","x",1.5], ${entry}`);
    rejects(delay({reason: [['s', 'x', '1']]}), `key 'reason': Invalid reason trail entry ["s","x","1"], ${entry}`);
    rejects(
      delay({reason: [['s', 'x', 1795541175805849856n, 4]]}),
      `key 'reason': Invalid reason trail entry ["s","x",1795541175805849856,4], ${entry}`,
    );
  });

  test('errors are Errors named OpcodeValidationError', () => {
    try {
      validateOpcode({}, strict);
      assert.fail('expected a throw');
    } catch (err) {
      assert.ok(err instanceof Error);
      assert.equal((err as Error).name, 'OpcodeValidationError');
    }
  });
});

test('isImplementedOpcode', () => {
  assert.equal(isImplementedOpcode('OP_TEST_DELAY'), true);
  assert.equal(isImplementedOpcode('OP_TEST_JQUEUE'), true);
  assert.equal(isImplementedOpcode('OP_INSTANCE_STARTUP'), true);
  assert.equal(isImplementedOpcode('OP_INSTANCE_REINSTALL'), false);
  assert.equal(isImplementedOpcode('OP_FOO'), false);
  assert.equal(isImplementedOpcode('toString'), false);
});

test('parameter tables match Ganeti 3.0 (name, default, required, float)', () => {
  const table = (id: string): unknown[] => OPCODES.get(id)!.params.map((p) => [p.name, p.default, p.required, p.float]);
  const common = [
    ['dry_run', null, false, false],
    ['debug_level', null, false, false],
    ['priority', 0, false, false],
    ['depends', null, false, false],
    ['comment', null, false, false],
    ['reason', [], false, false],
  ];
  assert.deepEqual(table('OP_TEST_DELAY'), [
    ['duration', null, true, true],
    ['on_master', true, false, false],
    ['on_nodes', [], false, false],
    ['on_node_uuids', null, false, false],
    ['repeat', 0, false, false],
    ['interruptible', false, false, false],
    ['no_locks', true, false, false],
    ...common,
  ]);
  assert.deepEqual(table('OP_TEST_JQUEUE'), [
    ['notify_waitlock', false, false, false],
    ['notify_exec', false, false, false],
    ['log_messages', [], false, false],
    ['fail', false, false, false],
    ...common,
  ]);
  assert.equal(OPCODES.get('OP_TEST_DELAY')!.summaryParam, 'duration');
  assert.equal(OPCODES.get('OP_TEST_JQUEUE')!.summaryParam, null);
});
