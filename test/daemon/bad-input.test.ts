import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {GanetiError} from '../../src/protocol/errors.js';
import {delayOp, makeNode, waitJob, type TestNode} from '../helpers/cluster.js';
import {startInProcessDaemon, type InProcessDaemon} from '../helpers/in-process.js';

/**
 * Sends raw bytes; resolves with every reply frame and whether the server closed, once `expect`
 * replies are in (if given), the server closes, or `waitMs` passes.
 */
function raw(path: string, payload: Buffer | string, waitMs = 400, expect?: number): Promise<{replies: string[]; closed: boolean}> {
  return new Promise((resolve) => {
    const s: Socket = connect(path);
    let buf = '';
    let closed = false;
    s.on('data', (d) => {
      buf += d.toString('utf8');
      if (expect !== undefined && buf.split('\x03').length - 1 >= expect) done();
    });
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve({replies: buf.split('\x03').filter((x) => x !== ''), closed});
    };
    s.on('close', () => {
      closed = true;
      done();
    });
    s.on('error', () => (closed = true));
    s.on('connect', () => s.write(payload));
    const timer = setTimeout(done, waitMs);
  });
}

describe('bad input', () => {
  let node: TestNode;
  let daemon: InProcessDaemon;
  before(async () => {
    node = await makeNode();
    daemon = await startInProcessDaemon(node);
  });
  after(async () => {
    await daemon.stop();
    node.cleanup();
  });

  // The daemon closes the connection after answering, which ends the wait early.
  const expectParseError = async (payload: Buffer | string, detail: RegExp, waitMs = 30_000): Promise<void> => {
    const {replies, closed} = await raw(node.paths.querySocket, payload, waitMs);
    assert.equal(replies.length, 1, `one answer for ${String(payload).slice(0, 40)}`);
    const resp = JSON.parse(replies[0]!) as {success: boolean; result: unknown};
    assert.equal(resp.success, false);
    assert.equal(typeof resp.result, 'string');
    assert.match(resp.result as string, /^Failed to parse request: /);
    assert.match(resp.result as string, detail);
    assert.ok(!('version' in resp));
    assert.ok(closed, 'the connection is closed after an undecodable request');
  };

  it('answers undecodable requests with the parse-error string and stays up', async () => {
    await expectParseError(Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x03]), /Invalid LUXI request/);
    await expectParseError('{"method": "Query", "args": [\x03', /Invalid LUXI request/);
    await expectParseError('[1, 2, 3]\x03', /not a JSON object/);
    await expectParseError('{"method": "NoSuchMethod", "args": []}\x03', /Invalid string value for type LuxiReq: "NoSuchMethod"/);
    await expectParseError('{"method": "QueryJobs", "args": "x"}\x03', /"args" must be a list/);
    await expectParseError('{"method": "QueryJobs", "args": [1]}\x03', /expected 2 argument/);
    await expectParseError('{"method": "QueryJobs", "args": [["../../x"], ["id"]]}\x03', /Invalid job id/);
    await expectParseError('{"method": "WaitForJobChange", "args": ["../../etc/passwd", ["status"], null, null, 1]}\x03', /Invalid job id/);
    await expectParseError('{"method": "ArchiveJob", "args": [-3]}\x03', /Invalid job id/);
    await expectParseError('{"method": "SubmitJob", "args": [[{"OP_ID": "OP_NO_SUCH"}]]}\x03', /Unknown opcode/);
    await expectParseError('{"method": "SubmitJob", "args": [[{"OP_ID": "OP_TEST_DELAY", "duration": 1, "bogus": 1}]]}\x03', /Superfluous/);
    await expectParseError('{"method": "Query", "args": ["job", ["id"], ["~~", "id", 1]]}\x03', /Unknown filter operand/);
    await expectParseError('['.repeat(100000) + '\x03', /Invalid LUXI request/);
    await expectParseError(`{"method": "QueryJobs", "args": ${'['.repeat(1e6)}${']'.repeat(1e6)}}\x03`, /nested deeper than 1000 levels/);
  });

  it('refuses very deep nesting anywhere in a request with a parse error, and logs no stack for it', async () => {
    const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
    const requests = [
      `{"method": "SubmitJob", "args": [${deep(100_000)}]}`,
      `{"method": "SubmitJob", "args": [[{"OP_ID": "OP_TEST_DELAY", "duration": 0, "comment": ${deep(5000)}}]]}`,
      `{"method": "Query", "args": ["job", ["id"], ${deep(100_000)}]}`,
      `{"method": "SubmitManyJobs", "args": [[${deep(5000)}, 99999999999999999999]]}`,
    ];
    for (const req of requests) await expectParseError(`${req}\x03`, /nested deeper than 1000 levels/);
    // Just under the limit every method answers (a value or a Ganeti error), never a stack overflow.
    const c = daemon.client();
    const nested = JSON.parse(deep(990)) as unknown;
    for (const [method, args] of [
      ['Query', ['job', ['id'], nested]],
      ['SubmitJob', [[{OP_ID: 'OP_TEST_DELAY', duration: 0, comment: nested}]]],
      ['SetWatcherPause', [nested]],
    ] as const) {
      await assert.rejects(c.request(method, args), (err: unknown) => {
        assert.doesNotMatch(String(err), /call stack/);
        return true;
      });
    }
    const errors = readFileSync(node.paths.masterdLog, 'utf8')
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors, [], 'nothing was logged at error level');
  });

  it('refuses a 64 MiB message without reading it all into a job', async () => {
    const big = Buffer.alloc(65 * 1024 * 1024, 0x20);
    // The server closes the connection after its answer, which ends the wait; the limit only
    // matters if it never answers (65 MiB take a while on a busy machine).
    const {replies, closed} = await raw(node.paths.querySocket, big, 60_000);
    assert.equal(replies.length, 1);
    assert.match(replies[0]!, /Request too large/);
    assert.ok(closed);
  });

  it('answers semantic errors with decodable Ganeti errors and keeps the connection', async () => {
    const c = daemon.client();
    await assert.rejects(
      c.query('job', ['id'], ['==', 'nosuch', 1]),
      (e: unknown) => e instanceof GanetiError && e.cls === 'ParameterError',
    );
    await assert.rejects(
      c.submitJob([]),
      (e: unknown) => e instanceof GanetiError && e.cls === 'GenericError' && e.message === 'A job needs at least one opcode',
    );
    await assert.rejects(c.call('SetWatcherPause', 1), (e: unknown) => e instanceof GanetiError && e.cls === 'GenericError');
    await assert.rejects(
      c.queryTags('node', 'nosuch'),
      (e: unknown) => e instanceof GanetiError && e.cls === 'OpPrereqError' && e.args[1] === 'unknown_entity',
    );
    // An object whose toString is no function cannot be made a string: refused as undecodable, not an internal error.
    for (const kind of ['node', 'nodegroup', 'instance', 'network'])
      await assert.rejects(
        c.request('QueryTags', [kind, {toString: 1}]),
        /^LuxiClientError: Failed to parse request: Invalid [a-z ]*name: expected a string, got \{"toString":1\}$/,
      );
    await assert.rejects(c.call('PickupJob', 1), /for internal use only/);
    assert.deepEqual(await c.archiveJob(123456789), false);
    const id = await c.submitJob([delayOp(0)]);
    assert.equal(await waitJob(c, id), 'success', 'the daemon still runs jobs');
  });

  it('serves many connections and pipelined requests at once', async () => {
    const req = '{"method": "QueryConfigValues", "args": [["cluster_name"]], "version": 3000000}\n\x03';
    const {replies, closed} = await raw(node.paths.querySocket, req.repeat(50), 20_000, 50);
    assert.equal(replies.length, 50);
    assert.ok(!closed);
    const results = await Promise.all(Array.from({length: 100}, () => raw(node.paths.masterSocket, req, 20_000, 1)));
    assert.ok(results.every((r) => r.replies.length === 1 && r.replies[0] === '{"success":true,"result":["cluster.example.com"]}'));
  });
});
