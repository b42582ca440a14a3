// The exit codes of the command-line contract (design.md).
export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_TEMPORARY = 75;
export const EXIT_INTERRUPTED = 130;
