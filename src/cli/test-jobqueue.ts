// gnt-debug test-jobqueue: the stock client's self-test of a master daemon's job queue. It checks
// that invalid submissions fail as a whole, that dependencies between jobs of one submission
// are resolved and ordered, and runs OP_TEST_JQUEUE jobs whose hand-shakes (a Unix socket
// announced in the job log) check the job's status at each step. Same checks, same output.
import {connect} from 'node:net';
import type {LuxiClient} from '../protocol/client.js';
import type {LogEntry} from '../protocol/luxi-contract.js';
import {GanetiError, LuxiClientError, LuxiParseError} from '../protocol/errors.js';
import {exceptionStr} from './error-text.js';
import {followJobs, setGenericOpcodeOpts, type GenericOpts} from './debug-jobs.js';
import {pollJob, writeErr, writeOut} from './luxi-command.js';
import {pyRepr, pyStr} from '../format/python.js';

const JQT_EXPANDNAMES = 'expandnames';
const JQT_EXEC = 'exec';
const JQT_LOGMSG = 'logmsg';
const JQT_STARTMSG = 'startmsg';
const JQT_ALL = new Set([JQT_EXPANDNAMES, JQT_EXEC, JQT_LOGMSG, JQT_STARTMSG]);
const JQT_MSGPREFIX = 'TESTMSG=';
/** How long the client waits to connect to an opcode's notification socket (as stock). */
const NOTIFY_CONNECT_TIMEOUT_MS = 30_000;

const fail = (msg: string): GanetiError => new GanetiError('OpExecError', [msg]);

/** Errors the stock test expects (GenericError and the LUXI protocol errors derived from it). */
function isGanetiFailure(err: unknown): err is Error {
  return err instanceof GanetiError || err instanceof LuxiClientError || err instanceof LuxiParseError;
}

function errorStr(err: Error): string {
  return err instanceof GanetiError ? exceptionStr(err.args) : err.message;
}

const delay = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({OP_ID: 'OP_TEST_DELAY', duration: 0, ...extra});

export interface TestJobqueueOptions {
  /** -d: the expected failures are printed. */
  readonly debug: boolean;
  readonly generic: GenericOpts;
}

/** constants.OP_PRIO_SUBMIT_VALID plus the lowest and highest priority. */
const PRIORITIES = [-20, -10, 0, 10, 19];

async function expectFailure(what: string, debug: boolean, call: () => Promise<unknown>, otherwise: string): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isGanetiFailure(err)) throw err;
    if (debug) writeOut(`Ignoring error for '${what}' test: ${errorStr(err)}\n`);
    return;
  }
  throw fail(otherwise);
}

async function testJobSubmission(client: LuxiClient, debug: boolean): Promise<void> {
  writeOut('Testing job submission\n');
  const cases: Array<[number, number, number]> = [
    [0, 0, 19],
    [0, 0, -20],
  ];
  for (const priority of PRIORITIES) {
    for (const offset of [-1, 1]) {
      const p = priority + offset;
      cases.push([0, 0, p], [3, 0, p], [0, 3, p], [4, 2, p]);
    }
  }
  for (const [before, after, badPriority] of cases) {
    const ops = [
      ...Array.from({length: before}, () => delay()),
      delay({priority: badPriority}),
      ...Array.from({length: after}, () => delay()),
    ];
    await expectFailure(
      'wrong priority',
      debug,
      () => client.submitJob(ops),
      `Submitting opcode with priority ${badPriority} did not fail when it should (allowed are frozenset({0, 10, -10}))`,
    );
    const jobs = [[delay(), delay({dry_run: false}), delay({dry_run: true})], ops];
    await expectFailure(
      'wrong priority',
      debug,
      () => client.submitManyJobs(jobs),
      'Submitting manyjobs with an incorrect one did not fail when it should.',
    );
  }
  writeOut('Job submission tests were successful\n');
}

/** Python's comparison of two timestamp lists ([[s, us], ...]): lexicographic. */
function notAfter(a: unknown, b: unknown): boolean {
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap((x) => (Array.isArray(x) ? x.map(Number) : [Number(x)])) : []);
  const [x, y] = [flat(a), flat(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return x.length <= y.length;
}

async function testJobDependency(client: LuxiClient, debug: boolean): Promise<void> {
  writeOut('Testing job dependencies\n');
  await expectFailure(
    'wrong dependencies',
    debug,
    async () => pollJob(client, await client.submitJob([delay({depends: [[-1, null]]})])),
    'Submitting plain opcode with relative job ID did not fail as expected',
  );
  const jobs = [
    [delay({duration: 1})],
    [delay({duration: 1, depends: [[-1, []]]})],
    [delay({duration: 1, depends: [[-2, ['success']]]})],
    [delay({duration: 1, depends: []})],
    [delay({duration: 1, depends: [[-2, ['success']]]})],
  ];
  const result = await client.submitManyJobs(jobs);
  const wellFormed =
    Array.isArray(result) &&
    result.every(
      (r) =>
        Array.isArray(r) &&
        r.length === 2 &&
        typeof r[0] === 'boolean' &&
        ((typeof r[1] === 'string' && r[1] !== '') || (typeof r[1] === 'number' && Number.isInteger(r[1]) && r[1] >= 0)),
    );
  if (!wellFormed) throw fail(`Job submission doesn't match the expected [[bool, job ID or message], ...]: ${pyStr(result)}`);
  const ok = await followJobs(
    client,
    result.map(([good, value]) => ({ok: good, value, name: null})),
    true,
  );
  if (!ok.every(Boolean)) throw fail(`At least one of the submitted jobs failed: ${pyStr(ok)}`);

  const ids = result.map(([, id]) => id as number);
  const data = await client.queryJobs(ids, ['id', 'opexec', 'ops']);
  const rows = data.map((row) => row as [number, unknown[], Array<Record<string, unknown>>]);
  const dependsOn = (job: number): unknown => (rows[job]![2][0]!.depends as unknown[][] | null)?.[0]?.[0];
  for (const [job, expected] of [
    [1, rows[0]![0]],
    [2, rows[0]![0]],
    [4, rows[2]![0]],
  ] as const) {
    if (dependsOn(job) !== expected) throw fail(`Job ${job}'s opcode doesn't depend on correct job ID (${expected})`);
  }
  const opexec = rows.map((row) => row[1]);
  if (!(notAfter(opexec[0], opexec[1]) && notAfter(opexec[0], opexec[2]) && notAfter(opexec[2], opexec[4]))) {
    throw fail(`Jobs did not run in correct order: ${pyStr(data)}`);
  }
  writeOut('Job dependency tests were successful\n');
}

/** Connects to an opcode's notification socket and checks the job's status meanwhile. */
async function handshake(client: LuxiClient, jobId: number, path: string, test: string): Promise<void> {
  const sock = connect(path);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(fail(`Timeout connecting to ${path}`)), NOTIFY_CONNECT_TIMEOUT_MS);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(fail(`Cannot connect to ${path}: ${err.message}`));
      });
    });
    const row = (await client.queryJobs([jobId], ['status']))[0];
    if (!Array.isArray(row)) throw fail(`Can't find job ${jobId}`);
    const status = row[0];
    if (test === JQT_EXPANDNAMES && status !== 'waiting') {
      throw fail(`Job status while expanding names is '${pyStr(status)}', not 'waiting' as expected`);
    }
    if ((test === JQT_EXEC || test === JQT_LOGMSG) && status !== 'running') {
      throw fail(`Job status while executing opcode is '${pyStr(status)}', not 'running' as expected`);
    }
  } finally {
    sock.destroy();
  }
}

/** The four job modes of the stock test, in its order. */
const MODES = ['success', 'multisuccess', 'fail', 'partfail'] as const;

/** utils.TimestampForFilename: the local time as YYYY-MM-DD_HH_MM_SS. */
function timestampForFilename(): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}_${p(d.getMinutes())}_${p(d.getSeconds())}`;
}

async function testJqueueJob(client: LuxiClient, mode: (typeof MODES)[number], index: number, opts: TestJobqueueOptions): Promise<void> {
  const messages = [`Testing mode ${index}`, 'Hello World', 'A', '', 'B', 'Foo|bar|baz', timestampForFilename()];
  const failing = mode === 'fail' || mode === 'partfail';
  const op = (failOp: boolean): Record<string, unknown> => ({
    OP_ID: 'OP_TEST_JQUEUE',
    notify_waitlock: true,
    notify_exec: true,
    log_messages: messages,
    fail: failOp,
  });
  let ops: Record<string, unknown>[];
  let expectMessages: number;
  let expectOpstatus: string[];
  let expectResults: number;
  if (mode === 'partfail') {
    writeOut('Testing partial job failure\n');
    ops = [op(false), op(false), op(true), op(false)];
    expectMessages = 3;
    expectOpstatus = ['success', 'success', 'error', 'error'];
    expectResults = 2;
  } else if (mode === 'multisuccess') {
    writeOut('Testing multiple successful opcodes\n');
    ops = [op(false), op(false)];
    expectMessages = 2;
    expectOpstatus = ['success', 'success'];
    expectResults = 2;
  } else {
    writeOut(mode === 'success' ? 'Testing job success\n' : 'Testing job failure\n');
    ops = [op(failing)];
    expectMessages = 1;
    expectOpstatus = [failing ? 'error' : 'success'];
    expectResults = 1;
  }
  for (const o of ops) setGenericOpcodeOpts(o, opts.generic);

  const jobId = await client.submitJob(ops);
  const received: string[] = [];
  let collecting: string[] | null = null;
  const entry = async ([, , type, message]: LogEntry): Promise<boolean> => {
    if (type === 'jqueue-test') {
      const [path, test, arg] = message as [string, string, unknown];
      if (!JQT_ALL.has(test)) throw fail(`Received invalid test message ${pyStr(test)}`);
      await handshake(client, jobId, path, test);
      if (test === JQT_STARTMSG) collecting = [];
      else if (test === JQT_LOGMSG && collecting !== null && collecting.length !== arg) {
        throw fail(`Received ${collecting.length} test messages when ${pyStr(arg)} are expected`);
      }
      return true;
    }
    if (type === 'message' && typeof message === 'string' && message.startsWith(JQT_MSGPREFIX)) {
      if (collecting === null) throw fail('Received test message without a preceding start message');
      const text = message.slice(JQT_MSGPREFIX.length);
      (collecting as string[]).push(text);
      received.push(text);
      return true;
    }
    return false;
  };

  let results: unknown = null;
  let failed = false;
  try {
    results = await pollJob(client, jobId, {entry, log: writeOut, notChanged: writeErr});
  } catch (err) {
    if (!failing || !(err instanceof GanetiError && err.cls === 'OpExecError')) throw err;
    writeOut(`Ignoring error for 'job fail' test: ${errorStr(err)}\n`);
    failed = true;
  }
  if (failing && !failed) throw fail("Job didn't fail when it should");
  if (!failing && (!Array.isArray(results) || results.length !== expectResults)) {
    throw fail(`Received ${Array.isArray(results) ? results.length : 0} results (${pyStr(results)}), expected ${expectResults}`);
  }
  const expected = Array.from({length: expectMessages}, () => messages).flat();
  if (JSON.stringify(received) !== JSON.stringify(expected)) {
    throw fail(`Received test messages don't match input (input ${pyRepr(expected)}, received ${pyRepr(received)})`);
  }
  const row = (await client.queryJobs([jobId], ['status', 'opstatus']))[0];
  if (!Array.isArray(row)) throw fail(`Can't find job ${jobId}`);
  const [status, opstatus] = row as [unknown, unknown];
  const expectStatus = failing ? 'error' : 'success';
  if (status !== expectStatus) throw fail(`Final job status is ${pyStr(status)}, not ${expectStatus} as expected`);
  if (!Array.isArray(opstatus) || opstatus.length !== ops.length) {
    throw fail(`Did not receive status for all opcodes (got ${Array.isArray(opstatus) ? opstatus.length : 0}, expected ${ops.length})`);
  }
  if (JSON.stringify(opstatus) !== JSON.stringify(expectOpstatus)) {
    throw fail(`Opcode status is ${pyRepr(opstatus)}, expected ${pyRepr(expectOpstatus)}`);
  }
}

/** Runs every test; throws an OpExecError (or the daemon's error) at the first failure. */
export async function testJobqueue(client: LuxiClient, opts: TestJobqueueOptions): Promise<void> {
  await testJobSubmission(client, opts.debug);
  await testJobDependency(client, opts.debug);
  for (const [index, mode] of MODES.entries()) await testJqueueJob(client, mode, index, opts);
  writeOut('Job queue test successful\n');
}
