// OP_TEST_JQUEUE: exercises the job queue. Optionally hands-shakes with a client at lock
// time and at execution (through a Unix socket announced in the log), logs the requested
// messages, and fails on demand.
import {GanetiError, opExecError} from '../../protocol/errors.js';
import {BGL, type LockRequest} from '../locks.js';
import {info, type LogicalUnit, type OpEnv} from './logical-unit.js';
import {awaitByte, listenOnce} from './notify-socket.js';

export const JQT_EXPANDNAMES = 'expandnames';
export const JQT_EXEC = 'exec';
export const JQT_LOGMSG = 'logmsg';
export const JQT_STARTMSG = 'startmsg';
export const JQT_MSGPREFIX = 'TESTMSG=';
const CONNECT_TIMEOUT_MS = 20_000;
const CONFIRM_TIMEOUT_MS = 60_000;

async function notify(env: OpEnv, prereq: boolean, test: string, arg: unknown): Promise<void> {
  const cls = prereq ? 'OpPrereqError' : 'OpExecError';
  const conn = await listenOnce({
    announce: (path) => env.feedback([path, test, arg], 'jqueue-test'),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    signal: env.signal,
  });
  if (conn === null) throw new GanetiError(cls, ["Client didn't connect in time"]);
  if (!(await awaitByte(conn, CONFIRM_TIMEOUT_MS, env.signal))) {
    throw new GanetiError(cls, ['Client failed to confirm notification']);
  }
}

export const testJqueue: LogicalUnit = {
  durableStart: false,

  async locks(op, env): Promise<LockRequest[]> {
    if (op.notify_waitlock === true) await notify(env, true, JQT_EXPANDNAMES, null);
    info(env, 'Expanding names');
    return [
      {level: 'cluster', names: [BGL], shared: true},
      {level: 'node', names: [env.cfg.cluster.master_node], shared: false},
    ];
  },

  async exec(op, env): Promise<unknown> {
    if (op.notify_exec === true) await notify(env, false, JQT_EXEC, null);
    info(env, 'Executing');
    const messages = (op.log_messages as string[] | undefined) ?? [];
    if (messages.length > 0) {
      await notify(env, false, JQT_STARTMSG, messages.length);
      for (const [idx, msg] of messages.entries()) {
        info(env, `Sending log message ${idx + 1}`);
        env.feedback(JQT_MSGPREFIX + msg);
        await notify(env, false, JQT_LOGMSG, idx + 1);
      }
    }
    if (op.fail === true) throw opExecError('Opcode failure was requested');
    return true;
  },
};
