// How a client command reports a failed call: Ganeti's wording for Ganeti errors (cli.FormatError),
// the plain message for connection problems; anything else is a bug and propagates.
import {formatError, formatErrorExitCode, GanetiError, LuxiClientError} from '../protocol/errors.js';

export function describeFailure(err: unknown): {text: string; exitCode: number} {
  if (err instanceof GanetiError) return {text: formatError(err.cls, err.args), exitCode: formatErrorExitCode(err.cls)};
  if (err instanceof LuxiClientError) return {text: err.message, exitCode: 1};
  throw err;
}
