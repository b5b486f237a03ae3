// Fuzz suite: generated and mutated LUXI messages over many concurrent connections until
// FUZZ_MESSAGES of them were answered (10,000 in `npm test`, 100,000 with RELIABILITY_LONG=1): bad framing, invalid UTF-8,
// deep JSON, huge numbers, wrong types and counts for every method's arguments, mutated
// valid requests. Every message must get a well-formed answer (or the server closes the
// connection after a parse error); the daemon must stay up and the queue intact.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {METHODS} from '../../src/daemon/luxi-methods.js';
import {delayOp, makeNode, type Masterd, startMasterd, waitJob} from '../helpers/cluster.js';
import {LONG, rawExchange, report, rssMiB, scanQueue, seedFromEnv, setting} from './helpers.js';

const MESSAGES = setting('FUZZ_MESSAGES', 10_000, 100_000);
const CONCURRENCY = 32;
const ARITY: Record<string, {arity: number[]}> = METHODS;
const METHOD_NAMES = Object.keys(METHODS);
/** Methods that may legitimately take long to answer (blocking waits). */
const SLOW = new Set(['WaitForJobChange', 'CancelJob', 'AutoArchiveJobs']);

// --- generators (they produce JSON *text*, so numbers JSON.stringify cannot write appear) --

const weirdToken = fc.constantFrom(
  '1e309',
  '-1e309',
  '99999999999999999999999999999',
  '-0',
  '1.5e-400',
  '0.5',
  '1e3',
  '-1',
  '0',
  '1',
  '7',
  '4294967296',
  '9007199254740993',
  '-9007199254740993',
  '2.0',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1_0',
  '01',
  '"\\ud800"',
  '"\\u0000"',
  '"\\u0003"',
  '"../../../../etc/passwd"',
  '"/etc/shadow"',
  '"job-1"',
  '"1/../2"',
  '""',
  '"007"',
  '" 1 "',
  '"1"',
  '"-1"',
  '"1e3"',
  '"status"',
  '"id"',
  '"job"',
  '"node"',
  '"cluster"',
  '"OP_TEST_DELAY"',
  '"__proto__"',
  'true',
  'false',
  'null',
  '{}',
  '[]',
  '[[]]',
  '{"__proto__": {"x": 1}}',
  '{"constructor": {"prototype": {"x": 1}}}',
  '["==", "id", 1]',
  '["|"]',
  '["!", ["=~", "summary", "("]]',
  '["=~", "summary", "(a+)+$"]',
  '[1, ["status"]]',
);

const textValue: fc.Arbitrary<string> = fc.letrec<{v: string}>((tie) => ({
  v: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    {arbitrary: weirdToken, weight: 5},
    {arbitrary: fc.integer().map(String), weight: 2},
    {arbitrary: fc.double().map((d) => JSON.stringify(d)), weight: 1},
    {arbitrary: fc.string({unit: 'binary', maxLength: 20}).map((s) => JSON.stringify(s)), weight: 2},
    {arbitrary: fc.array(tie('v'), {maxLength: 4}).map((xs) => `[${xs.join(', ')}]`), weight: 2},
    {
      arbitrary: fc
        .array(
          fc.tuple(fc.constantFrom('OP_ID', 'id', 'status', 'duration', 'a', '__proto__', 'toString', 'valueOf', 'toJSON', ''), tie('v')),
          {maxLength: 3},
        )
        .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`),
      weight: 1,
    },
  ),
})).v;

/** Opcode dicts: real and unknown OP_IDs, every parameter of OP_TEST_DELAY with any value. */
const opcodeText = fc
  .record(
    {
      OP_ID: fc.oneof(
        fc.constantFrom('"OP_TEST_DELAY"', '"OP_TEST_JQUEUE"', '"OP_NODE_REMOVE"', '"OP_NO_SUCH"', '"op_test_delay"'),
        textValue,
      ),
      duration: fc.oneof(fc.constantFrom('0', '0.01', '-1', '1e309', '"1"', 'null', '99999999999999999999'), textValue),
      on_master: textValue,
      on_nodes: textValue,
      // Kept small: a valid huge repeat is a legitimate (if silly) job that never ends.
      repeat: fc.constantFrom('0', '1', '-1', '1.5', '"2"', 'null', '[]'),
      no_locks: textValue,
      priority: fc.oneof(fc.constantFrom('-10', '0', '10', '-20', '20', '1', '"0"'), textValue),
      depends: fc.oneof(fc.constantFrom('[[1, []]]', '[[-1, ["success"]]]', '[[1, ["nosuch"]]]', '[["1", []]]', '[[1]]'), textValue),
      comment: textValue,
      reason: fc.oneof(fc.constantFrom('[["a", "b", 1]]', '[["a", "b", 99999999999999999999]]', '[[1, 2, 3]]', '[["a"]]'), textValue),
      dry_run: textValue,
      extra: textValue,
    },
    {requiredKeys: []},
  )
  .map(
    (o) =>
      `{${Object.entries(o)
        .map(([k, v]) => `"${k}": ${v}`)
        .join(', ')}}`,
  );

/** A request for a real method with arguments of any type and (mostly) the right count. */
const methodRequest = fc
  .tuple(
    fc.oneof(
      {arbitrary: fc.constantFrom(...METHOD_NAMES), weight: 9},
      {arbitrary: fc.constantFrom('submitjob', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'), weight: 1},
    ),
    fc.nat({max: 9}),
    fc.array(
      fc.oneof(
        textValue,
        fc.array(opcodeText, {maxLength: 3}).map((xs) => `[${xs.join(', ')}]`),
      ),
      {minLength: 6, maxLength: 6},
    ),
    fc.oneof(fc.constant('3000000'), fc.constant('null'), textValue),
  )
  .map(([method, countPick, values, version]) => {
    const arity = ARITY[method]?.arity ?? [1];
    const n = countPick < 7 ? arity[0]! : countPick === 7 ? arity[0]! + 1 : Math.max(0, arity[0]! - 1);
    return {text: `{"method": ${JSON.stringify(method)}, "args": [${values.slice(0, n).join(', ')}], "version": ${version}}`, method};
  });

/** Valid requests, the seeds of the mutations. */
const VALID = [
  '{"method": "Query", "args": ["job", ["id", "status", "summary"], null], "version": 3000000}\n',
  '{"method": "QueryJobs", "args": [["1"], ["status", "opresult"]], "version": 3000000}\n',
  '{"method": "WaitForJobChange", "args": ["1", ["status"], null, null, 1], "version": 3000000}\n',
  '{"method": "SubmitJob", "args": [[{"OP_ID": "OP_TEST_DELAY", "duration": 0, "reason": [["gnt:client:x", "y", 1795541175805849856]]}]], "version": 3000000}\n',
  '{"method": "SubmitManyJobs", "args": [[[{"OP_ID": "OP_TEST_DELAY", "duration": 0}], [{"OP_ID": "OP_TEST_DELAY", "duration": 0, "depends": [[-1, []]]}]]]}',
  '{"method": "QueryFields", "args": ["job", null]}',
  '{"method": "QueryConfigValues", "args": [["cluster_name", "drain_flag"]]}',
  '{"method": "QueryClusterInfo", "args": []}',
  '{"method": "QueryTags", "args": ["cluster", ""]}',
  '{"method": "ChangeJobPriority", "args": [1, 10]}',
  '{"method": "CancelJob", "args": [1]}',
  '{"method": "ArchiveJob", "args": [1]}',
  '{"method": "AutoArchiveJobs", "args": [3600, 1]}',
  '{"method": "Query", "args": ["job", ["id"], ["&", ["=", "status", "success"], ["!", ["=~", "summary", "DELAY"]]]]}',
  '{"method": "QueryNodes", "args": [[], ["name", "pip"], false]}',
];

type Mutation = (b: Buffer, r: () => number) => Buffer;
const MUTATIONS: Mutation[] = [
  (b, r) =>
    Buffer.concat([
      b.subarray(0, Math.floor(r() * b.length)),
      Buffer.from([Math.floor(r() * 256)]),
      b.subarray(Math.floor(r() * b.length)),
    ]),
  (b, r) => {
    const c = Buffer.from(b);
    c[Math.floor(r() * c.length)] = Math.floor(r() * 256);
    return c;
  },
  (b, r) => {
    const i = Math.floor(r() * b.length);
    return Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + Math.floor(r() * 10))]);
  },
  (b, r) => {
    const i = Math.floor(r() * b.length);
    const j = Math.min(b.length, i + 1 + Math.floor(r() * 30));
    return Buffer.concat([b.subarray(0, j), b.subarray(i, j), b.subarray(j)]);
  },
  (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  // invalid UTF-8 inside the text
  (b, r) => {
    const i = Math.floor(r() * b.length);
    const bad = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]][Math.floor(r() * 6)]!;
    return Buffer.concat([b.subarray(0, i), Buffer.from(bad), b.subarray(i)]);
  },
];

const mutated = fc.tuple(fc.constantFrom(...VALID), fc.integer({min: 1, max: 4}), fc.integer()).map(([text, n, seed]) => {
  let x = seed >>> 0;
  const r = (): number => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return x / 4294967296;
  };
  let b: Buffer = Buffer.from(text, 'utf8');
  for (let i = 0; i < n; i++) b = MUTATIONS[Math.floor(r() * MUTATIONS.length)]!(b, r);
  // The message terminator cannot be part of a message: a 0x03 produced here splits it.
  return b;
});

/** Deeply nested JSON (complete or not) in any argument of any method. */
const deep = fc
  .tuple(
    fc.integer({min: 500, max: LONG ? 200_000 : 50_000}),
    fc.constantFrom('[', '{"a": ', '["!", ', '["|", ["==", "id", 1], ', '{"OP_ID": "OP_TEST_DELAY", "duration": 0, "comment": '),
    fc.boolean(),
    fc.constantFrom(...METHOD_NAMES),
    fc.nat(),
    fc.constantFrom('null', '"job"', '["id", "status"]', '1', '[]'),
  )
  .map(([depth, open, closed, method, pos, filler]) => {
    const close = open.startsWith('{') ? '}' : ']';
    const inner = open.repeat(depth) + '1' + (closed ? close.repeat(depth) : '');
    const arity = ARITY[method]!.arity[0]!;
    const args: string[] = Array.from({length: Math.max(1, arity)}, () => filler);
    args[pos % args.length] = inner;
    return Buffer.from(`{"method": "${method}", "args": [${args.join(', ')}]}`);
  });

const hugeNumbers = fc
  .tuple(
    fc.constantFrom('WaitForJobChange', 'ChangeJobPriority', 'AutoArchiveJobs', 'ArchiveJob', 'CancelJob', 'QueryJobs', 'SetWatcherPause'),
    fc.integer({min: 20, max: 5000}),
    fc.boolean(),
  )
  .map(([method, digits, negative]) => {
    const n = `${negative ? '-' : ''}9${'9'.repeat(digits)}`;
    const args: Record<string, string> = {
      WaitForJobChange: `[${n}, ["status"], null, ${n}, ${n}]`,
      ChangeJobPriority: `[1, ${n}]`,
      AutoArchiveJobs: `[${n}, ${n}]`,
      ArchiveJob: `[${n}]`,
      CancelJob: `[${n}]`,
      QueryJobs: `[[${n}], ["id"]]`,
      SetWatcherPause: `[${n}.5e${n.length}]`,
    };
    return Buffer.from(`{"method": "${method}", "args": ${args[method]}}`);
  });

interface Case {
  chunks: Buffer[];
  /** ETX bytes sent: the number of complete messages. */
  messages: number;
  slow: boolean;
}

/** One connection: 1 to 4 messages, written in one piece or split at random points. */
const caseArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.array(
      fc.oneof(
        {arbitrary: methodRequest.map((m) => ({bytes: Buffer.from(m.text), slow: SLOW.has(m.method)})), weight: 45},
        {arbitrary: mutated.map((b) => ({bytes: b, slow: true})), weight: 30},
        {arbitrary: deep.map((b) => ({bytes: b, slow: false})), weight: 3},
        {arbitrary: hugeNumbers.map((b) => ({bytes: b, slow: true})), weight: 6},
        {arbitrary: fc.uint8Array({maxLength: 200}).map((a) => ({bytes: Buffer.from(a), slow: false})), weight: 8},
        {
          arbitrary: fc
            .constantFrom(Buffer.from(''), Buffer.from(' \n\t'), Buffer.from('null'), Buffer.from('"x"'), Buffer.from('{}'))
            .map((b) => ({bytes: b, slow: false})),
          weight: 4,
        },
      ),
      {minLength: 1, maxLength: 4},
    ),
    fc.boolean(),
    fc.array(fc.nat(), {maxLength: 5}),
    fc.integer({min: 0, max: 9}),
  )
  .map(([msgs, lastTerminated, cuts, weird]) => {
    const parts = msgs.map((m, i) =>
      i < msgs.length - 1 || lastTerminated || weird > 0 ? Buffer.concat([m.bytes, Buffer.from([3])]) : m.bytes,
    );
    const all = Buffer.concat(parts);
    const points = [...new Set(cuts.map((c) => (all.length === 0 ? 0 : c % all.length)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let last = 0;
    for (const p of points) {
      if (p > last) chunks.push(all.subarray(last, p));
      last = p;
    }
    chunks.push(all.subarray(last));
    let messages = 0;
    for (const b of all) if (b === 3) messages++;
    return {chunks, messages, slow: msgs.some((m) => m.slow)};
  });

// --- the suite ----------------------------------------------------------------------------

interface Tally {
  cases: number;
  messages: number;
  answered: number;
  parseErrors: number;
  ganetiErrors: number;
  successes: number;
  closedEarly: number;
  slowUnanswered: number;
  internal: Map<string, number>;
  examples: Map<string, string>;
  failures: string[];
}

function check(c: Case, replies: string[], closed: boolean, timedOut: boolean, t: Tally): void {
  const show = (): string => `${Buffer.concat(c.chunks).toString('base64').slice(0, 600)} -> ${JSON.stringify(replies).slice(0, 300)}`;
  t.cases++;
  t.messages += c.messages;
  if (replies.length > c.messages) {
    t.failures.push(`more answers than messages: ${show()}`);
    return;
  }
  for (let i = 0; i < replies.length; i++) {
    let resp: unknown;
    try {
      resp = JSON.parse(replies[i]!);
    } catch {
      t.failures.push(`answer is not JSON: ${show()}`);
      return;
    }
    const r = resp as {success?: unknown; result?: unknown};
    if (resp === null || typeof resp !== 'object' || typeof r.success !== 'boolean' || !('result' in r) || 'version' in r) {
      t.failures.push(`malformed envelope: ${show()}`);
      return;
    }
    t.answered++;
    if (r.success) {
      t.successes++;
    } else if (typeof r.result === 'string') {
      if (!r.result.startsWith('Failed to parse request: ')) t.failures.push(`error string that is not a parse error: ${show()}`);
      t.parseErrors++;
      if (i !== replies.length - 1) t.failures.push(`answers after a parse error: ${show()}`);
      if (!closed && !timedOut) t.failures.push(`connection kept open after a parse error: ${show()}`);
    } else {
      const enc = r.result as unknown[];
      if (!Array.isArray(enc) || enc.length !== 2 || typeof enc[0] !== 'string' || !Array.isArray(enc[1])) {
        t.failures.push(`undecodable error value: ${show()}`);
      }
      t.ganetiErrors++;
      const msg = String((enc?.[1] as unknown[] | undefined)?.[0] ?? '');
      if (msg.startsWith('Internal error')) {
        const key = msg.replace(/\d+/g, 'N').slice(0, 160);
        t.internal.set(key, (t.internal.get(key) ?? 0) + 1);
        if (!t.examples.has(key)) t.examples.set(key, Buffer.concat(c.chunks).toString('utf8').slice(0, 300));
      }
    }
  }
  if (replies.length < c.messages) {
    const lastIsParseError = replies.length > 0 && replies[replies.length - 1]!.includes('"Failed to parse request: ');
    if (lastIsParseError && closed) t.closedEarly++;
    else if (timedOut && c.slow) t.slowUnanswered++;
    else t.failures.push(`${c.messages - replies.length} messages unanswered (closed=${closed}, timedOut=${timedOut}): ${show()}`);
  }
}

describe('fuzz: LUXI messages', () => {
  it(`${MESSAGES} answered generated and mutated messages leave the daemon up and the queue intact`, {
    timeout: 120_000 + MESSAGES * 20,
  }, async () => {
    const seed = seedFromEnv();
    const node = await makeNode();
    let d: Masterd | null = await startMasterd(node, {args: ['--job-queue-size-limit', '100000']});
    try {
      const c = d.client();
      // Jobs the fuzz messages can refer to (ids 1..5), all finished.
      const before = (await c.submitManyJobs(Array.from({length: 5}, () => [delayOp(0)]))).map((r) => r[1] as number);
      for (const id of before) assert.equal(await waitJob(c, id), 'success');
      const rss0 = rssMiB(d.pid());

      const tally: Tally = {
        cases: 0,
        messages: 0,
        answered: 0,
        parseErrors: 0,
        ganetiErrors: 0,
        successes: 0,
        closedEarly: 0,
        slowUnanswered: 0,
        internal: new Map(),
        examples: new Map(),
        failures: [],
      };
      const t0 = Date.now();
      let batch = 0;
      while (tally.answered < MESSAGES && tally.failures.length === 0) {
        const cases = fc.sample(caseArb, {numRuns: 500, seed: seed + batch++});
        let next = 0;
        await Promise.all(
          Array.from({length: CONCURRENCY}, async () => {
            while (next < cases.length) {
              const k = cases[next++]!;
              const res = await rawExchange(
                node.paths.querySocket,
                k.chunks,
                Math.max(1, k.messages),
                k.messages === 0 ? 200 : k.slow ? 2500 : 10_000,
              );
              check(k, res.replies, res.closed, res.timedOut, tally);
            }
          }),
        );
        assert.ok(d.alive(), `the daemon died during the fuzz:\n${d.output().slice(-3000)}`);
      }
      const secs = (Date.now() - t0) / 1000;
      report(
        `fuzz: seed ${seed}: ${tally.messages} messages sent in ${tally.cases} connections in ${secs.toFixed(1)} s; ` +
          `${tally.answered} answered (${tally.successes} success, ${tally.ganetiErrors} Ganeti errors, ${tally.parseErrors} parse errors + close); ` +
          `${tally.closedEarly} connections closed after a parse error with messages pending; ${tally.slowUnanswered} blocking calls still waiting at 2.5 s`,
      );
      assert.deepEqual(tally.failures.slice(0, 5), [], `protocol violations (seed ${seed})`);
      assert.deepEqual(
        [...tally.internal.entries()].map(([k, n]) => `${n}x ${k}; e.g. ${tally.examples.get(k)}`),
        [],
        'requests that hit an internal error (a decoding gap)',
      );

      // Still healthy, and the queue is intact.
      assert.ok(d.alive());
      const c2 = d.client();
      const rows = await c2.queryJobs(before, ['id', 'status']);
      for (const row of rows) {
        if (row === null) continue; // archived by a fuzzed ArchiveJob: checked on disk below
        assert.ok(before.includes(row[0] as number) && row[1] === 'success', `the jobs from before are unchanged: ${JSON.stringify(row)}`);
      }
      const fresh = await c2.submitJobToDrainedQueue([delayOp(0)]);
      assert.equal(await waitJob(c2, fresh), 'success', 'still runs jobs');
      report(`fuzz: daemon RSS ${rss0.toFixed(0)} MiB before, ${rssMiB(d.pid()).toFixed(0)} MiB after`);
      // Fuzzed jobs may still be running (any duration is valid): kill, check the files, restart.
      await d.kill9();
      const scan = scanQueue(node.paths);
      assert.deepEqual(scan.problems, [], 'every job file parses');
      for (const id of before) assert.equal(scan.jobs.get(id)?.status, 'success');
      d = await startMasterd(node, {args: ['--job-queue-size-limit', '100000']});
      assert.doesNotMatch(d.output(), /skipping unreadable job file/);
      report(`fuzz: ${scan.jobs.size} job files after the fuzz, all readable; restart clean`);
      await d.kill9();
      d = null;
    } finally {
      await d?.kill9();
      node.cleanup();
    }
  });
});
