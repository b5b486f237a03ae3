import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {
  formatArchiveFailure,
  formatAutoArchiveResult,
  formatJobFailure,
  formatLogMessage,
  formatWatchHeader,
  formatWatchLogLine,
  jobLostError,
  jobResultError,
  NotChangedReporter,
  parseAutoArchiveAge,
  parseJobIds,
  parseTimespec,
} from '../../src/cli/job-output.js';
import {decodeError, GanetiError} from '../../src/protocol/errors.js';
import {formatError, formatErrorExitCode} from '../../src/cli/error-text.js';

process.env.TZ = 'UTC';

// Expected texts were produced by the stock client (Ganeti 3.0, Python 3.11, TZ=UTC):
// cli.ParseTimespec, gnt_job._ParseJobIds, cli.FormatError, and gnt_job.WatchJob / WaitJob /
// AutoArchiveJobs / ArchiveJobs run against a fake LUXI client giving the answers below.

/** The text the stock client prints for an error raised by the command (cli.FormatError). */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof GanetiError) return formatError(err.cls, err.args);
    throw err;
  }
  assert.fail('no error');
}

const PREREQ = 'Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\n';

describe('parseTimespec / parseAutoArchiveAge', () => {
  it('parses seconds and suffixes (stock)', () => {
    const cases: [string, number | bigint][] = [
      ['30', 30],
      ['1d', 86400],
      ['2w', 1209600],
      ['4h', 14400],
      ['15m', 900],
      ['10s', 10],
      [' 5 ', 5],
      ['1_000', 1000],
      ['-3d', -259200],
      ['+2', 2],
      ['\u0663d', 259200],
      ['99999999999999999999w', 60479999999999999999395200n],
    ];
    for (const [spec, seconds] of cases) assert.equal(parseTimespec(spec), seconds, spec);
  });

  it('words errors as Ganeti does (stock)', () => {
    assert.equal(
      failure(() => parseTimespec('')),
      PREREQ + 'Empty time specification passed',
    );
    assert.equal(
      failure(() => parseTimespec('d')),
      PREREQ + 'Invalid time specification (only suffix passed)',
    );
    assert.equal(
      failure(() => parseTimespec('x')),
      PREREQ + "Invalid time specification 'x'",
    );
    assert.equal(
      failure(() => parseTimespec('1D')),
      PREREQ + "Invalid time specification '1D'",
    );
    assert.equal(
      failure(() => parseTimespec('1.5h')),
      PREREQ + "Invalid time specification '1.5'",
    );
    assert.equal(
      failure(() => parseTimespec('abc5m')),
      PREREQ + "Invalid time specification 'abc5'",
    );
    assert.equal(
      failure(() => parseTimespec('1__0')),
      PREREQ + "Invalid time specification '1__0'",
    );
  });

  it('maps "all" to -1 like AutoArchiveJobs (stock)', () => {
    assert.equal(parseAutoArchiveAge('all'), -1);
    assert.equal(parseAutoArchiveAge('1d'), 86400);
    assert.equal(parseAutoArchiveAge('90'), 90);
  });
});

describe('gnt-job archive / autoarchive texts', () => {
  it('prints the AutoArchiveJobs answer (stock)', () => {
    assert.equal(formatAutoArchiveResult(12, 3), 'Archived 12 jobs, 3 unchecked left\n');
  });

  it('reports a job that was not archived (stock)', () => {
    assert.equal(formatArchiveFailure('9'), "Failed to archive job with ID '9'\n");
  });
});

describe('parseJobIds', () => {
  it('accepts what Python int() accepts (stock)', () => {
    assert.deepEqual(parseJobIds(['7', '007', ' 12 ', '\u0667']), [7, 7, 12, 7]);
  });

  it("quotes Python's int() error (stock)", () => {
    const invalid = PREREQ + 'Invalid job ID passed: invalid literal for int() with base 10: ';
    assert.equal(
      failure(() => parseJobIds(['1', 'abc'])),
      invalid + "'abc'",
    );
    assert.equal(
      failure(() => parseJobIds([''])),
      invalid + "''",
    );
    assert.equal(
      failure(() => parseJobIds(['1.0'])),
      invalid + "'1.0'",
    );
    assert.equal(
      failure(() => parseJobIds(['1e3'])),
      invalid + "'1e3'",
    );
    assert.equal(
      failure(() => parseJobIds(["it's"])),
      invalid + '"it\'s"',
    );
  });
});

describe('formatError (cli.FormatError of Ganeti 3.0)', () => {
  const cases: [string, unknown[], string, number][] = [
    ['OpPrereqError', ["Invalid time specification 'x'", 'wrong_input'], PREREQ + "Invalid time specification 'x'", 1],
    ['OpPrereqError', ['msg'], 'Failure: prerequisites not met for this operation:\nmsg', 1],
    ['OpPrereqError', [], 'Failure: prerequisites not met for this operation:', 1],
    ['OpPrereqError', ['a', 'b', "it's"], "Failure: prerequisites not met for this operation:\n('a', 'b', \"it's\")", 1],
    ['OpExecError', ['boom\n'], 'Failure: command execution error:\nboom', 1],
    ['OpExecError', [['x', 1, null, true]], "Failure: command execution error:\n['x', 1, None, True]", 1],
    ['JobCanceled', ['Job was canceled'], 'Unhandled Ganeti error: Job was canceled', 1],
    ['JobLost', ['Job with id 7 lost'], 'Error checking job status: Job with id 7 lost', 1],
    ['LockError', ['locked'], 'Unhandled Ganeti error: locked', 1],
    ['JobQueueError', ['queue broke'], 'Unhandled Ganeti error: queue broke', 1],
    [
      'JobQueueDrainError',
      ['Job queue is drained, refusing job'],
      "Failure: the job queue is marked for drain and doesn't accept new requests",
      1,
    ],
    ['JobQueueFull', [], "Failure: the job queue is full and doesn't accept new job submissions until old jobs are archived", 1],
    ['ConfigurationError', ['bad'], 'Corrupt configuration file: bad\nAborting.', 2],
    ['ConfigVersionMismatch', [1, 2], 'Corrupt configuration file: (1, 2)\nAborting.', 2],
    ['ParameterError', ['x'], "Failure: unknown/wrong parameter name 'x'", 1],
    ['TypeEnforcementError', ['t'], 'Parameter Error: t', 1],
    ['TagError', ['bad tag'], 'Failure: invalid tag(s) given:\nbad tag', 1],
    ['HooksFailure', ['hf'], 'Failure: hooks general failure: hf', 1],
    [
      'HooksAbort',
      [
        [
          ['node1', 'script1', 'out'],
          ['node2', 's2', ''],
        ],
      ],
      'Failure: hooks execution failed:\n  node: node1, script: script1, output: out\n  node: node2, script: s2 (no output)',
      1,
    ],
    ['ResolverError', ['nohost.example.com', -2, 'Name or service not known'], "Failure: can't resolve hostname 'nohost.example.com'", 1],
    ['GenericError', ['Queue drained'], 'Unhandled Ganeti error: Queue drained', 1],
    ['ProgrammerError', ["Unknown job status code 'bogus'"], "Unhandled Ganeti error: Unknown job status code 'bogus'", 1],
  ];

  it('words each error class as the stock client (stock)', () => {
    for (const [cls, args, text, exitCode] of cases) {
      assert.equal(formatError(cls, args), text, cls);
      assert.equal(formatErrorExitCode(cls), exitCode, cls);
    }
  });
});

describe('gnt-job watch / wait', () => {
  type LogEntry = [number, [number, number], string, unknown];
  /** A WaitForJobChange answer: [job_info, log entries]; null (job lost) or a raised LUXI error. */
  type Answer = [[string], LogEntry[]] | null | {raise: unknown};

  /** Drives our functions through the answers the way cli.PollJob does; returns stdout, stderr, exit code. */
  function poll(mode: 'watch' | 'wait', jobId: string, answers: Answer[], final: [unknown, unknown, unknown]) {
    let stdout = mode === 'watch' ? formatWatchHeader(jobId) : '';
    let err: GanetiError | null = null;
    for (const answer of answers) {
      if (answer === null) {
        err = jobLostError(jobId);
        break;
      }
      if ('raise' in answer) {
        err = decodeError(answer.raise);
        break;
      }
      if (mode === 'watch') for (const [, ts, type, msg] of answer[1]) stdout += formatWatchLogLine(ts, type, msg);
    }
    err ??= jobResultError(...final);
    if (err === null) return {stdout, stderr: '', exitCode: 0};
    const {text, exitCode} = formatJobFailure(jobId, err);
    return {stdout, stderr: text, exitCode};
  }

  it('prints the log of a successful job (stock)', () => {
    const answers: Answer[] = [
      [['queued'], []],
      [['running'], [[1, [1700000000, 123456], 'message', ' - INFO: Test delay iteration 0/1']]],
      [
        ['success'],
        [
          [2, [1700000001, 5], 'message', 'héllo\tthere'],
          [3, [1700000001, 999999], 'delay-test', ['x', 1]],
        ],
      ],
      [['success'], []],
    ];
    const final: [unknown, unknown, unknown] = ['success', ['success'], [null]];
    assert.deepEqual(poll('watch', '7', answers, final), {
      stdout:
        'Output from job 7 follows\n' +
        '-------------------------\n' +
        'Tue Nov 14 22:13:20 2023  - INFO: Test delay iteration 0/1\n' +
        'Tue Nov 14 22:13:21 2023 h\\xe9llo\\tthere\n' +
        "Tue Nov 14 22:13:21 2023 ['x', 1]\n",
      stderr: '',
      exitCode: 0,
    });
    assert.deepEqual(poll('wait', '7', answers, final), {stdout: '', stderr: '', exitCode: 0});
  });

  const failures: [string, string, Answer[], [unknown, unknown, unknown], string][] = [
    [
      'an opcode error',
      '8',
      [[['error'], []]],
      ['error', ['success', 'error', 'canceled'], [null, ['OpExecError', ['Test delay failed']], null]],
      'Job 8 failed: Failure: command execution error:\nTest delay failed\n',
    ],
    [
      'a plain error after a success',
      '9',
      [[['error'], []]],
      ['error', ['success', 'error'], [1, 'plain failure']],
      'Job 9 failed: Failure: command execution error:\npartial failure (opcode 1): plain failure\n',
    ],
    [
      'a non-string error',
      '10',
      [[['error'], []]],
      ['error', ['error'], [{a: 'b'}]],
      "Job 10 failed: Failure: command execution error:\n{'a': 'b'}\n",
    ],
    [
      'an encoded OpPrereqError',
      '11',
      [[['error'], []]],
      ['error', ['error'], [['OpPrereqError', ['Node x is offline', 'wrong_state']]]],
      'Job 11 failed: Failure: prerequisites not met for this operation:\nerror type: wrong_state, error details:\nNode x is offline\n',
    ],
    [
      'no failed opcode',
      '12',
      [[['error'], []]],
      ['error', ['canceled'], ['x']],
      "Job 12 failed: Failure: command execution error:\n['x']\n",
    ],
    [
      'a canceled job',
      '13',
      [[['canceled'], []]],
      ['canceled', ['canceled'], ['Job canceled by request']],
      'Job 13 failed: Unhandled Ganeti error: Job was canceled\n',
    ],
    [
      'a canceling job',
      '14',
      [[['canceling'], []]],
      ['canceling', ['canceling'], [null]],
      'Job 14 failed: Unhandled Ganeti error: Job was canceled\n',
    ],
    ['a lost job', '15', [null], [null, null, null], 'Job 15 failed: Error checking job status: Job with id 15 lost\n'],
    [
      'a JobLost from the daemon',
      '16',
      [{raise: ['JobLost', ["Can't load job file"]]}],
      [null, null, null],
      "Job 16 failed: Error checking job status: Can't load job file\n",
    ],
    [
      'an error of an unknown class',
      '17',
      [[['error'], []]],
      ['error', ['error'], [['NoSuchError', ['x']]]],
      "Job 17 failed: Failure: command execution error:\n['NoSuchError', ['x']]\n",
    ],
  ];

  for (const [what, jobId, answers, final, stderr] of failures) {
    it(`reports ${what} (stock)`, () => {
      const header = `Output from job ${jobId} follows\n${'-'.repeat(`Output from job ${jobId} follows`.length)}\n`;
      assert.deepEqual(poll('watch', jobId, answers, final), {stdout: header, stderr, exitCode: 1});
      assert.deepEqual(poll('wait', jobId, answers, final), {stdout: '', stderr, exitCode: 1});
    });
  }

  it('formats log messages by type (stock)', () => {
    assert.deepEqual(
      [
        formatLogMessage('message', 'héllo\tworld\r\n'),
        formatLogMessage('message-list', ['a', 'é']),
        formatLogMessage('delay-test', {k: 1}),
        formatLogMessage('remote-import', null),
        formatLogMessage('x', 5),
      ],
      ["h\\xe9llo\\tworld\\'r\\n", "['a', '\\xe9']", "{'k': 1}", 'None', '5'],
    );
    assert.throws(() => formatLogMessage('message', {a: 1}), new TypeError('Only str can be SafeEncoded'));
  });

  it('reports a job that has not changed once per state (stock)', () => {
    const reporter = new NotChangedReporter('7');
    const stderr = [null, 'queued', 'queued', 'running', 'waiting', 'waiting', 'queued'].map((s) => reporter.report(s)).join('');
    assert.equal(stderr, 'Job 7 is waiting in queue\nJob 7 is trying to acquire all necessary locks\n');
  });
});
