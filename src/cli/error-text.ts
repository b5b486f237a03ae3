// The wording Ganeti's command-line tools print for an error (cli.FormatError of Ganeti 3.0).
import {pyRepr, pyStr, pyTruthy} from '../format/python.js';
import type {GanetiError} from '../protocol/errors.js';

/** Python's str() of an exception raised with these arguments. */
export function exceptionStr(args: readonly unknown[]): string {
  if (args.length === 0) return '';
  if (args.length === 1) return pyStr(args[0]);
  return `(${args.map(pyRepr).join(', ')})`;
}

/** The base classes that give an error class its own wording in cli.FormatError. */
const FORMAT_AS = new Map([
  ['ConfigVersionMismatch', 'ConfigurationError'],
  ['ConfigVerifyError', 'ConfigurationError'],
]);

function hooksAbortText(args: readonly unknown[]): string {
  let text = 'Failure: hooks execution failed:\n';
  for (const failure of Array.isArray(args[0]) ? (args[0] as unknown[]) : []) {
    const [node, script, out] = failure as unknown[];
    text += pyTruthy(out)
      ? `  node: ${pyStr(node)}, script: ${pyStr(script)}, output: ${pyStr(out)}\n`
      : `  node: ${pyStr(node)}, script: ${pyStr(script)} (no output)\n`;
  }
  return text;
}

function formatErrorText(cls: string, args: readonly unknown[]): string {
  const msg = exceptionStr(args);
  switch (FORMAT_AS.get(cls) ?? cls) {
    case 'ConfigurationError':
      return `Corrupt configuration file: ${msg}\nAborting.`;
    case 'HooksAbort':
      return hooksAbortText(args);
    case 'HooksFailure':
      return `Failure: hooks general failure: ${msg}`;
    case 'ResolverError':
      // The stock client words it "can't resolve my own hostname" when the name is its own FQDN.
      return `Failure: can't resolve hostname '${pyStr(args[0])}'`;
    case 'OpPrereqError':
      return args.length === 2
        ? `Failure: prerequisites not met for this operation:\nerror type: ${pyStr(args[1])}, error details:\n${pyStr(args[0])}`
        : `Failure: prerequisites not met for this operation:\n${msg}`;
    case 'OpExecError':
      return `Failure: command execution error:\n${msg}`;
    case 'TagError':
      return `Failure: invalid tag(s) given:\n${msg}`;
    case 'JobQueueDrainError':
      return "Failure: the job queue is marked for drain and doesn't accept new requests";
    case 'JobQueueFull':
      return "Failure: the job queue is full and doesn't accept new job submissions until old jobs are archived";
    case 'TypeEnforcementError':
      return `Parameter Error: ${msg}`;
    case 'ParameterError':
      return `Failure: unknown/wrong parameter name '${msg}'`;
    case 'JobLost':
      return `Error checking job status: ${msg}`;
    case 'QueryFilterParseError':
      return `Error while parsing query filter: ${pyStr(args[0])}`;
    default:
      return `Unhandled Ganeti error: ${msg}`;
  }
}

/** Ganeti 3.0's cli.FormatError wording (trailing newlines removed, as it does). */
export function formatError(cls: string, args: unknown[]): string {
  return formatErrorText(cls, args).replace(/\n+$/, '');
}

/** The exit code cli.FormatError recommends: 2 for a corrupt configuration, else 1. */
export function formatErrorExitCode(cls: string): number {
  return (FORMAT_AS.get(cls) ?? cls) === 'ConfigurationError' ? 2 : 1;
}

/** The text the command-line tools print for this error. */
export function describeError(err: GanetiError): string {
  return formatError(err.cls, err.args);
}
