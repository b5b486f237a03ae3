import type {LogicalUnit} from './logical-unit.js';
import {testDelay} from './test-delay.js';
import {testJqueue} from './test-jqueue.js';

/** The opcodes masterd can execute, by OP_ID. */
export const LOGICAL_UNITS: ReadonlyMap<string, LogicalUnit> = new Map([
  ['OP_TEST_DELAY', testDelay],
  ['OP_TEST_JQUEUE', testJqueue],
]);
