// How a client command reports a failed call: Ganeti's wording for Ganeti errors (cli.FormatError),
// the plain message for connection problems; anything else is a bug and propagates.
import type {Command} from '@oclif/core';
import {LuxiClient} from '../protocol/client.js';
import {formatError, formatErrorExitCode, GanetiError, LuxiClientError} from '../protocol/errors.js';

export function describeFailure(err: unknown): {text: string; exitCode: number} {
  if (err instanceof GanetiError) return {text: formatError(err.cls, err.args), exitCode: formatErrorExitCode(err.cls)};
  if (err instanceof LuxiClientError) return {text: err.message, exitCode: 1};
  throw err;
}

/** Runs a command's calls on a fresh client; a failed call goes to stderr and sets the exit code. */
export async function withClient(cmd: Command, body: (client: LuxiClient) => Promise<void>): Promise<void> {
  const client = new LuxiClient();
  try {
    await body(client);
  } catch (err) {
    const f = describeFailure(err);
    process.stderr.write(`${f.text}\n`);
    cmd.exit(f.exitCode);
  } finally {
    client.close();
  }
}
