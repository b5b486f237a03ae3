// The command line as the stock tools' optparse reads it (src/cli/optparse-argv.ts) and the
// command list of a gnt-* tool without a command (src/cli/main.ts).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {formatCommandList} from '../../src/cli/main.js';
import {formatUsageError, normalizeArgv, UsageError, type OptionSpec} from '../../src/cli/optparse-argv.js';

const SPECS: OptionSpec[] = [
  {name: 'no-headers', takesValue: false},
  {name: 'separator', takesValue: true},
  {name: 'output', char: 'o', takesValue: true},
  {name: 'verbose', char: 'v', takesValue: false},
  {name: 'filter', char: 'F', takesValue: false},
  {name: 'debug', char: 'd', takesValue: false},
  {name: 'priority', takesValue: true, choices: ['low', 'normal', 'high']},
  {name: 'yes-do-it', aliases: ['ya-rly'], takesValue: false},
  {name: 'node', char: 'n', takesValue: true, multiple: true},
];

const parse = (...argv: string[]): {options: string[]; args: string[]} => {
  const {options, args} = normalizeArgv(argv, SPECS);
  return {options, args};
};
const usageError = (argv: string[]): string => {
  try {
    normalizeArgv(argv, SPECS);
  } catch (err) {
    assert.ok(err instanceof UsageError);
    return err.message;
  }
  assert.fail(`no usage error for ${argv.join(' ')}`);
};

describe('normalizeArgv (optparse)', () => {
  it('expands unique prefixes of long options and refuses ambiguous and unknown ones', () => {
    assert.deepEqual(parse('--no-head', '--prio', 'low', '--yes', '1'), {
      options: ['--no-headers', '--priority=low', '--yes-do-it'],
      args: ['1'],
    });
    assert.deepEqual(parse('--ya', '--sep=:'), {options: ['--yes-do-it', '--separator=:'], args: []});
    assert.equal(usageError(['--y']), 'ambiguous option: --y (--ya-rly, --yes-do-it?)');
    assert.equal(usageError(['--nox']), 'no such option: --nox');
  });

  it('makes a negative number before the arguments an unknown short option, and passes it on after them', () => {
    assert.equal(usageError(['-1']), 'no such option: -1');
    assert.equal(usageError(['-v', '-5', '7']), 'no such option: -5');
    assert.deepEqual(parse('7', '-5', '--no-headers'), {options: [], args: ['7', '-5', '--no-headers']});
    assert.deepEqual(parse('--', '-5'), {options: [], args: ['-5']});
    assert.deepEqual(parse('-', 'x'), {options: [], args: ['-', 'x']});
  });

  it('reads clustered short options and attached values, and the last of repeated options', () => {
    assert.deepEqual(parse('-vFoid,status', 'x'), {options: ['--verbose', '--filter', '--output=id,status'], args: ['x']});
    assert.deepEqual(parse('-o', '-x', '-o', 'id'), {options: ['--output=id'], args: []});
    assert.deepEqual(parse('-n', 'a', '-nb', '1'), {options: ['--node=a', '--node=b'], args: ['1']});
    assert.equal(normalizeArgv(['-dd', '-d'], SPECS).counts.get('debug'), 3);
  });

  it('words missing values, values of flags and invalid choices as optparse does', () => {
    assert.equal(usageError(['-o']), '-o option requires 1 argument');
    assert.equal(usageError(['--sep']), '--separator option requires 1 argument');
    assert.equal(usageError(['--no-headers=1']), '--no-headers option does not take a value');
    assert.equal(usageError(['--prio', 'x']), "option --priority: invalid choice: 'x' (choose from 'low', 'normal', 'high')");
  });

  it('formats the usage error as optparse prints it', () => {
    assert.equal(
      formatUsageError('gnt-job', 'autoarchive <age>', 'no such option: -1'),
      'Usage\n=====\n  gnt-job autoarchive <age>\n\ngnt-job: error: no such option: -1\n',
    );
  });
});

describe('the command list of a gnt-* tool', () => {
  it('sorts the commands, aligns them and wraps long descriptions at 79 columns', () => {
    const text = formatCommandList(
      'gnt-debug',
      new Map([
        ['submit-job', 'Submits jobs built from json files containing a list of serialized opcodes'],
        ['delay', 'Executes a TestDelay OpCode'],
      ]),
    );
    assert.equal(
      text,
      'Usage: gnt-debug {command} [options...] [argument...]\n' +
        'gnt-debug <command> --help to see details, or man gnt-debug\n\n' +
        'Commands:\n' +
        ' delay      - Executes a TestDelay OpCode\n' +
        ' submit-job - Submits jobs built from json files containing a list of serialized\n' +
        '              opcodes\n\n',
    );
  });
});
