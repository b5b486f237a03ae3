export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_NOTMASTER = 11;
export const EXIT_NODESETUP_ERROR = 12;

/** A start-up failure with the exit code Ganeti uses for it. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
  ) {
    super(message);
  }
}
