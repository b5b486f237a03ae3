// The test opcodes' client hand-shake: a client that connects and closes at once must count
// as an answer even when the opcode only starts waiting for it afterwards.
import assert from 'node:assert/strict';
import {connect} from 'node:net';
import {describe, it} from 'node:test';
import {awaitByte, listenOnce} from '../../src/daemon/logical-units/notify-socket.js';

function connectAndClose(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => {
      s.end();
      s.once('close', () => resolve());
    });
    s.once('error', reject);
  });
}

describe('notification hand-shake', () => {
  it('sees a client that connected and closed before the opcode waited for its answer', async () => {
    const signal = new AbortController().signal;
    let gone: Promise<void> = Promise.resolve();
    const conn = await listenOnce({
      announce: (path) => {
        gone = connectAndClose(path);
      },
      connectTimeoutMs: 5000,
      signal,
    });
    assert.ok(conn !== null, 'the client connected');
    await gone;
    // The opcode is slow to get round to waiting: the client is long gone by now.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await awaitByte(conn, 5000, signal), true);
  });

  it('times out when nobody connects', async () => {
    const conn = await listenOnce({announce: () => undefined, connectTimeoutMs: 20, signal: new AbortController().signal});
    assert.equal(conn, null);
  });
});
