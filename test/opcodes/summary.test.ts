import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import {parseJson} from '../../src/json/lossless.js';
import {GANETI_CATALOGUE} from '../../src/opcodes/definitions.js';
import {opcodeSummary, reasonSource, showHaskellDouble} from '../../src/opcodes/summary.js';

describe('showHaskellDouble', () => {
  test('Haskell show of durations (docs/opcodes.md)', () => {
    const table: Array<[number, string]> = [
      [1, 'TEST_DELAY(1.0)'],
      [0.5, 'TEST_DELAY(0.5)'],
      [10, 'TEST_DELAY(10.0)'],
      [2.25, 'TEST_DELAY(2.25)'],
      [0.1, 'TEST_DELAY(0.1)'],
      [0.01, 'TEST_DELAY(1.0e-2)'],
      [100000000, 'TEST_DELAY(1.0e8)'],
    ];
    for (const [duration, summary] of table) {
      assert.equal(opcodeSummary({OP_ID: 'OP_TEST_DELAY', duration}), summary, `duration ${duration}`);
    }
  });

  test('examples from the algorithm description', () => {
    const cases: Array<[number, string]> = [
      [0.25, '0.25'],
      [1.5, '1.5'],
      [1234567, '1234567.0'],
      [0.05, '5.0e-2'],
      [0.0125, '1.25e-2'],
      [12345678, '1.2345678e7'],
    ];
    for (const [x, text] of cases) assert.equal(showHaskellDouble(x), text, String(x));
  });

  test('edge cases', () => {
    const cases: Array<[number, string]> = [
      [0, '0.0'],
      [-0, '-0.0'],
      [-1, '-1.0'],
      [-0.5, '-0.5'],
      [-0.01, '-1.0e-2'],
      [-1e7, '-1.0e7'],
      [1e7, '1.0e7'],
      [9999999, '9999999.0'],
      [9999999.5, '9999999.5'],
      [10000000.5, '1.00000005e7'],
      [0.1, '0.1'],
      [0.09999, '9.999e-2'],
      [0.3, '0.3'],
      [0.1 + 0.2, '0.30000000000000004'],
      [100, '100.0'],
      [1e6, '1000000.0'],
      [123.456, '123.456'],
      [1e21, '1.0e21'],
      [1.5e300, '1.5e300'],
      [5e-324, '5.0e-324'],
      [Number.MAX_VALUE, '1.7976931348623157e308'],
      [Number.MIN_VALUE, '5.0e-324'],
      [2 ** 53, '9.007199254740992e15'],
    ];
    for (const [x, text] of cases) assert.equal(showHaskellDouble(x), text, String(x));
  });

  test('non-finite values as Haskell shows them', () => {
    assert.equal(showHaskellDouble(NaN), 'NaN');
    assert.equal(showHaskellDouble(Infinity), 'Infinity');
    assert.equal(showHaskellDouble(-Infinity), '-Infinity');
  });

  test('reads back as the same double, in the right notation (property)', () => {
    fc.assert(
      fc.property(fc.double({noNaN: true, noDefaultInfinity: true}), (x) => {
        const text = showHaskellDouble(x);
        assert.ok(Object.is(Number(text), x), `${x} -> ${text}`);
        const magnitude = Math.abs(x);
        if (magnitude === 0 || (magnitude >= 0.1 && magnitude < 1e7)) assert.match(text, /^-?\d+\.\d+$/);
        else assert.match(text, /^-?\d\.\d+e-?\d+$/);
      }),
    );
  });
});

describe('opcodeSummary', () => {
  test('implemented opcodes', () => {
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_DELAY', duration: 0}), 'TEST_DELAY(0.0)');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_DELAY', duration: -3}), 'TEST_DELAY(-3.0)');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_JQUEUE'}), 'TEST_JQUEUE');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_JQUEUE', fail: true, log_messages: ['x']}), 'TEST_JQUEUE');
  });

  test('stored job inputs, as written by ganeti-ts and by Ganeti 3.x luxid', () => {
    const ours = parseJson(
      '{"OP_ID": "OP_TEST_DELAY", "duration": 1.5, "on_master": true, "on_nodes": [], "on_node_uuids": null, ' +
        '"repeat": 0, "interruptible": false, "no_locks": true, "dry_run": null, "debug_level": null, ' +
        '"priority": 0, "depends": null, "comment": null, "reason": [["gnt:client:gnt-debug", "delay", ' +
        '1700000000012345678], ["gnt:opcode:test_delay", "job=5;index=0", 1700000000123456000]]}',
    );
    assert.equal(opcodeSummary(ours), 'TEST_DELAY(1.5)');
    // 3.x omits unset optional parameters and writes whole doubles without a fraction.
    const luxid = parseJson(
      '{"OP_ID":"OP_TEST_DELAY","duration":10,"on_master":true,"on_nodes":[],"repeat":0,"interruptible":false,' +
        '"no_locks":true,"priority":0,"depends":null,"comment":null,' +
        '"reason":[["gnt:client:gnt-debug","delay",1795541175805849856]]}',
    );
    assert.equal(opcodeSummary(luxid), 'TEST_DELAY(10.0)');
    // Relative dependencies do not make a stored opcode undecodable.
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_DELAY', duration: 2, depends: [[-1, []]]}), 'TEST_DELAY(2.0)');
  });

  test('an implemented opcode that does not decode shows its bare name', () => {
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_DELAY'}), 'TEST_DELAY');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_DELAY', duration: 'x'}), 'TEST_DELAY');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_DELAY', duration: 1, priority: 3}), 'TEST_DELAY');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_DELAY', duration: 1, foo: 1}), 'TEST_DELAY');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_JQUEUE', fail: 'yes'}), 'TEST_JQUEUE');
  });

  test('inputs that are not opcodes', () => {
    assert.equal(opcodeSummary(null), 'INVALID_OP');
    assert.equal(opcodeSummary(42), 'INVALID_OP');
    assert.equal(opcodeSummary('OP_TEST_DELAY'), 'INVALID_OP');
    assert.equal(opcodeSummary([{OP_ID: 'OP_TEST_DELAY', duration: 1}]), 'INVALID_OP');
    assert.equal(opcodeSummary(undefined), 'INVALID_OP');
    assert.equal(opcodeSummary({}), 'INVALID_OP');
    assert.equal(opcodeSummary({OP_ID: null}), 'INVALID_OP');
    assert.equal(opcodeSummary({OP_ID: 5}), 'INVALID_OP');
    assert.equal(opcodeSummary({OP_ID: ['OP_TEST_DELAY']}), 'INVALID_OP');
  });

  test('unknown OP_IDs drop their first three characters', () => {
    assert.equal(opcodeSummary({OP_ID: 'OP_FOO_BAR', x: 1}), 'FOO_BAR');
    assert.equal(opcodeSummary({OP_ID: 'XYZABC'}), 'ABC');
    assert.equal(opcodeSummary({OP_ID: 'OP'}), '');
  });

  test('catalogue opcodes with a name field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{OP_ID: 'OP_CLUSTER_VERIFY_GROUP', group_name: '0a1b-uuid'}, 'CLUSTER_VERIFY_GROUP(0a1b-uuid)'],
      [{OP_ID: 'OP_GROUP_VERIFY_DISKS', group_name: 'default'}, 'GROUP_VERIFY_DISKS(default)'],
      [{OP_ID: 'OP_CLUSTER_RENAME', name: 'newname'}, 'CLUSTER_RENAME(newname)'],
      [{OP_ID: 'OP_QUERY', what: 'node', fields: ['name']}, 'QUERY(node)'],
      [{OP_ID: 'OP_QUERY_FIELDS', what: 'instance'}, 'QUERY_FIELDS(instance)'],
      [{OP_ID: 'OP_NODE_ADD', node_name: 'node3.example.com'}, 'NODE_ADD(node3.example.com)'],
      [{OP_ID: 'OP_REPAIR_NODE_STORAGE', node_name: 'node1'}, 'REPAIR_NODE_STORAGE(node1)'],
      [{OP_ID: 'OP_INSTANCE_STARTUP', instance_name: 'inst1.example.com'}, 'INSTANCE_STARTUP(inst1.example.com)'],
      [{OP_ID: 'OP_INSTANCE_CREATE', instance_name: 'inst2'}, 'INSTANCE_CREATE(inst2)'],
      [{OP_ID: 'OP_GROUP_ADD', group_name: 'rack2'}, 'GROUP_ADD(rack2)'],
      [{OP_ID: 'OP_BACKUP_EXPORT', instance_name: 'inst1'}, 'BACKUP_EXPORT(inst1)'],
      [{OP_ID: 'OP_TAGS_SEARCH', pattern: '^web'}, 'TAGS_SEARCH(^web)'],
      [{OP_ID: 'OP_NETWORK_ADD', network_name: 'net1'}, 'NETWORK_ADD(net1)'],
      [{OP_ID: 'OP_NETWORK_DISCONNECT', network_name: 'net1', group_name: 'g'}, 'NETWORK_DISCONNECT(net1)'],
    ];
    for (const [input, summary] of cases) assert.equal(opcodeSummary(input), summary);
  });

  test('catalogue opcodes without a summary field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{OP_ID: 'OP_CLUSTER_POST_INIT'}, 'CLUSTER_POST_INIT'],
      [{OP_ID: 'OP_CLUSTER_VERIFY', group_name: 'default'}, 'CLUSTER_VERIFY'],
      [{OP_ID: 'OP_CLUSTER_VERIFY_DISKS', group_name: 'default'}, 'CLUSTER_VERIFY_DISKS'],
      [{OP_ID: 'OP_CLUSTER_SET_PARAMS'}, 'CLUSTER_SET_PARAMS'],
      [{OP_ID: 'OP_INSTANCE_RENAME', instance_name: 'a', new_name: 'b'}, 'INSTANCE_RENAME'],
      [{OP_ID: 'OP_GROUP_RENAME', group_name: 'a', new_name: 'b'}, 'GROUP_RENAME'],
      [{OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['a']}, 'TAGS_SET'],
      [{OP_ID: 'OP_OS_DIAGNOSE'}, 'OS_DIAGNOSE'],
    ];
    for (const [input, summary] of cases) assert.equal(opcodeSummary(input), summary);
  });

  test('a summary field that does not decode leaves the bare name', () => {
    assert.equal(opcodeSummary({OP_ID: 'OP_NODE_ADD'}), 'NODE_ADD');
    assert.equal(opcodeSummary({OP_ID: 'OP_NODE_ADD', node_name: ''}), 'NODE_ADD');
    assert.equal(opcodeSummary({OP_ID: 'OP_NODE_ADD', node_name: null}), 'NODE_ADD');
    assert.equal(opcodeSummary({OP_ID: 'OP_GROUP_ADD', group_name: 7}), 'GROUP_ADD');
    assert.equal(opcodeSummary({OP_ID: 'OP_QUERY', what: 'bogus'}), 'QUERY');
    assert.equal(opcodeSummary({OP_ID: 'OP_INSTANCE_STARTUP'}), 'INSTANCE_STARTUP');
    // instance_name is a plain string in Ganeti 3.x: empty decodes.
    assert.equal(opcodeSummary({OP_ID: 'OP_INSTANCE_STARTUP', instance_name: ''}), 'INSTANCE_STARTUP()');
  });

  test('OP_TAGS_GET shows the tag kind constructor (3.x)', () => {
    const kinds: Array<[string, string]> = [
      ['instance', 'TagKindInstance'],
      ['node', 'TagKindNode'],
      ['nodegroup', 'TagKindGroup'],
      ['cluster', 'TagKindCluster'],
      ['network', 'TagKindNetwork'],
    ];
    for (const [kind, shown] of kinds) {
      assert.equal(opcodeSummary({OP_ID: 'OP_TAGS_GET', kind, name: 'x'}), `TAGS_GET(${shown})`);
    }
    assert.equal(opcodeSummary({OP_ID: 'OP_TAGS_GET', kind: 'group', name: 'x'}), 'TAGS_GET');
    assert.equal(opcodeSummary({OP_ID: 'OP_TAGS_GET', name: 'inst1'}), 'TAGS_GET');
  });

  test('OP_TEST_ALLOCATOR shows None without an iallocator', () => {
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_ALLOCATOR', iallocator: 'hail'}), 'TEST_ALLOCATOR(hail)');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_ALLOCATOR', iallocator: null}), 'TEST_ALLOCATOR(None)');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_ALLOCATOR'}), 'TEST_ALLOCATOR(None)');
    assert.equal(opcodeSummary({OP_ID: 'OP_TEST_ALLOCATOR', iallocator: ''}), 'TEST_ALLOCATOR');
  });

  test('every catalogue opcode has a summary', () => {
    for (const [opId, field] of GANETI_CATALOGUE) {
      const expected = field?.param === 'iallocator' ? 'TEST_ALLOCATOR(None)' : opId.slice(3);
      assert.equal(opcodeSummary({OP_ID: opId}), expected);
    }
  });
});

test('reasonSource', () => {
  assert.equal(reasonSource('OP_TEST_DELAY'), 'gnt:opcode:test_delay');
  assert.equal(reasonSource('OP_TEST_JQUEUE'), 'gnt:opcode:test_jqueue');
  assert.equal(reasonSource('OP_CLUSTER_VERIFY_GROUP'), 'gnt:opcode:cluster_verify_group');
});
