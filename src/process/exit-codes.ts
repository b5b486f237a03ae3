// Exit statuses of the daemons and tools: Ganeti's constants.EXIT_*, and optparse's for usage.
export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
/** optparse's exit status for a usage error. */
export const EXIT_USAGE = 2;
export const EXIT_NOTMASTER = 11;
export const EXIT_NODESETUP_ERROR = 12;
/** The user did not confirm. */
export const EXIT_CONFIRMATION = 13;
/** A list command asked for a field that does not exist. */
export const EXIT_UNKNOWN_FIELD = 14;
