import {EXIT_FAILURE} from './exit-codes.js';

/** A start-up failure with the exit code Ganeti uses for it. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
  ) {
    super(message);
  }
}
