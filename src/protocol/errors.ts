// Ganeti errors as they travel over LUXI and sit in job files: ["ClassName", [args...]].
// The stock client re-raises a class only if its ganeti.errors module knows the name.

import {pyRepr, pyStr, pyTruthy} from '../cli/python-format.js';

export const KNOWN_ERROR_CLASSES = new Set([
  'GenericError', 'LockError', 'PidFileLockError', 'HypervisorError', 'HotplugError',
  'ProgrammerError', 'BlockDeviceError', 'ConfigurationError', 'ConfigVersionMismatch',
  'ConfigVerifyError', 'AddressPoolError', 'ReservationError', 'RemoteError', 'SignatureError',
  'ParameterError', 'ResultValidationError', 'OpPrereqError', 'OpExecError', 'OpResultError',
  'OpRetryNotSupportedError', 'OpCodeUnknown', 'JobLost', 'JobCanceled', 'JobFileCorrupted',
  'ResolverError', 'HooksFailure', 'HooksAbort', 'UnitParseError', 'ParseError',
  'TypeEnforcementError', 'X509CertError', 'TagError', 'CommandError', 'StorageError',
  'InotifyError', 'JobQueueError', 'JobQueueDrainError', 'JobQueueFull', 'ConfdMagicError',
  'ConfdClientError', 'UdpDataSizeError', 'NoCtypesError', 'IPAddressError', 'LuxiError',
  'QueryFilterParseError', 'RapiTestResult', 'FileStoragePathError', 'SshUpdateError',
]);

/** OpPrereqError error codes (ECODE_*). */
export type ErrorCode =
  | 'resolver_error' | 'insufficient_resources' | 'temp_insufficient_resources' | 'wrong_input'
  | 'wrong_state' | 'unknown_entity' | 'already_exists' | 'resource_not_unique'
  | 'internal_error' | 'environment_error';

/** A typed Ganeti error; encodes as [cls, args]. */
export class GanetiError extends Error {
  constructor(
    readonly cls: string,
    readonly args: unknown[],
  ) {
    super(typeof args[0] === 'string' ? args[0] : cls);
    this.name = cls;
  }

  encode(): [string, unknown[]] {
    return [this.cls, this.args];
  }

  /** The text Ganeti's CLI prints for this error (cli.FormatError). */
  describe(): string {
    return formatError(this.cls, this.args);
  }
}

export const opPrereqError = (msg: string, code?: ErrorCode): GanetiError =>
  new GanetiError('OpPrereqError', code === undefined ? [msg] : [msg, code]);
export const opExecError = (msg: string): GanetiError => new GanetiError('OpExecError', [msg]);
export const genericError = (msg: string): GanetiError => new GanetiError('GenericError', [msg]);
export const parameterError = (msg: string): GanetiError => new GanetiError('ParameterError', [msg]);

/**
 * A request that cannot be decoded (bad JSON, unknown method, wrong argument shapes).
 * Answered with the plain string "Failed to parse request: <detail>", then the connection closes.
 */
export class LuxiParseError extends Error {
  override name = 'LuxiParseError';
}

/** Any non-Ganeti failure on the client side of LUXI (transport, protocol, timeouts). */
export class LuxiClientError extends Error {
  override name = 'LuxiClientError';
  constructor(
    message: string,
    readonly kind: 'no-master' | 'not-master' | 'timeout' | 'permission' | 'protocol' | 'request' | 'connection',
  ) {
    super(message);
  }
}

/** Turns an error into the encoded result stored in a job or sent over LUXI. */
export function encodeError(err: unknown): [string, unknown[]] {
  if (err instanceof GanetiError) return err.encode();
  const msg = err instanceof Error ? err.message : String(err);
  return ['OpExecError', [msg]];
}

/** Recognises an encoded Ganeti error; null when the value is not one the client would decode. */
export function decodeError(value: unknown): GanetiError | null {
  if (
    Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' &&
    Array.isArray(value[1]) && KNOWN_ERROR_CLASSES.has(value[0])
  ) {
    return new GanetiError(value[0], value[1] as unknown[]);
  }
  return null;
}

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
