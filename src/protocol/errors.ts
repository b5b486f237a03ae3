// Ganeti errors as they travel over LUXI and sit in job files: ["ClassName", [args...]].
// The stock client re-raises a class only if its ganeti.errors module knows the name.

export const KNOWN_ERROR_CLASSES = new Set([
  'GenericError',
  'LockError',
  'PidFileLockError',
  'HypervisorError',
  'HotplugError',
  'ProgrammerError',
  'BlockDeviceError',
  'ConfigurationError',
  'ConfigVersionMismatch',
  'ConfigVerifyError',
  'AddressPoolError',
  'ReservationError',
  'RemoteError',
  'SignatureError',
  'ParameterError',
  'ResultValidationError',
  'OpPrereqError',
  'OpExecError',
  'OpResultError',
  'OpRetryNotSupportedError',
  'OpCodeUnknown',
  'JobLost',
  'JobCanceled',
  'JobFileCorrupted',
  'ResolverError',
  'HooksFailure',
  'HooksAbort',
  'UnitParseError',
  'ParseError',
  'TypeEnforcementError',
  'X509CertError',
  'TagError',
  'CommandError',
  'StorageError',
  'InotifyError',
  'JobQueueError',
  'JobQueueDrainError',
  'JobQueueFull',
  'ConfdMagicError',
  'ConfdClientError',
  'UdpDataSizeError',
  'NoCtypesError',
  'IPAddressError',
  'LuxiError',
  'QueryFilterParseError',
  'RapiTestResult',
  'FileStoragePathError',
  'SshUpdateError',
]);

/** OpPrereqError error codes (ECODE_*). */
export type ErrorCode =
  | 'resolver_error'
  | 'insufficient_resources'
  | 'temp_insufficient_resources'
  | 'wrong_input'
  | 'wrong_state'
  | 'unknown_entity'
  | 'already_exists'
  | 'resource_not_unique'
  | 'internal_error'
  | 'environment_error';

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

/**
 * What went wrong on the client side: no cluster here (no-master), another node is master
 * (not-master), no daemon listening (unreachable), a connection that broke (connection), no
 * answer in time (timeout), no permission on the socket, an answer that is not LUXI (protocol),
 * or a request the server refused without a Ganeti error (request).
 */
export type LuxiClientErrorKind =
  | 'no-master'
  | 'not-master'
  | 'unreachable'
  | 'connection'
  | 'timeout'
  | 'permission'
  | 'protocol'
  | 'request';

/** Any non-Ganeti failure on the client side of LUXI (transport, protocol, timeouts). */
export class LuxiClientError extends Error {
  override name = 'LuxiClientError';
  constructor(
    message: string,
    readonly kind: LuxiClientErrorKind,
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
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    Array.isArray(value[1]) &&
    KNOWN_ERROR_CLASSES.has(value[0])
  ) {
    return new GanetiError(value[0], value[1] as unknown[]);
  }
  return null;
}
