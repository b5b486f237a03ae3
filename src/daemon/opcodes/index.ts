import type {LogicalUnit} from './logical-unit.js';
import {nodeAdd} from './node-add.js';
import {nodeRemove} from './node-remove.js';
import {nodeSetParams} from './node-set-params.js';
import {testDelay} from './test-delay.js';
import {testJqueue} from './test-jqueue.js';

/** The opcodes masterd can execute, by OP_ID. */
export const LOGICAL_UNITS: ReadonlyMap<string, LogicalUnit> = new Map([
  ['OP_NODE_ADD', nodeAdd],
  ['OP_NODE_REMOVE', nodeRemove],
  ['OP_NODE_SET_PARAMS', nodeSetParams],
  ['OP_TEST_DELAY', testDelay],
  ['OP_TEST_JQUEUE', testJqueue],
]);
