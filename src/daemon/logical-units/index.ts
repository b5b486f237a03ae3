import {instanceRemove, instanceRename, instanceSetParams} from './instance-config-ops.js';
import {instanceCreate} from './instance-create.js';
import {instanceFailover, instanceMigrate} from './instance-move.js';
import {instanceReboot, instanceShutdown, instanceStartup} from './instance-power.js';
import {instanceQueryData} from './instance-query-data.js';
import type {LogicalUnit} from './logical-unit.js';
import {nodeAdd} from './node-add.js';
import {nodeRemove} from './node-remove.js';
import {nodeSetParams} from './node-set-params.js';
import {testDelay} from './test-delay.js';
import {testJqueue} from './test-jqueue.js';

/** The opcodes masterd can execute, by OP_ID. */
export const LOGICAL_UNITS: ReadonlyMap<string, LogicalUnit> = new Map([
  ['OP_INSTANCE_CREATE', instanceCreate],
  ['OP_INSTANCE_FAILOVER', instanceFailover],
  ['OP_INSTANCE_MIGRATE', instanceMigrate],
  ['OP_INSTANCE_QUERY_DATA', instanceQueryData],
  ['OP_INSTANCE_REBOOT', instanceReboot],
  ['OP_INSTANCE_REMOVE', instanceRemove],
  ['OP_INSTANCE_RENAME', instanceRename],
  ['OP_INSTANCE_SET_PARAMS', instanceSetParams],
  ['OP_INSTANCE_SHUTDOWN', instanceShutdown],
  ['OP_INSTANCE_STARTUP', instanceStartup],
  ['OP_NODE_ADD', nodeAdd],
  ['OP_NODE_REMOVE', nodeRemove],
  ['OP_NODE_SET_PARAMS', nodeSetParams],
  ['OP_TEST_DELAY', testDelay],
  ['OP_TEST_JQUEUE', testJqueue],
]);
