// Errors of the command line itself. Like all of notifier's errors they carry facts, never exit codes:
// src/cli/exit-codes.ts maps them.

/** Bad command line: unknown option, bad value, missing operand. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A file or stream the user named cannot be read (a token file, a CA file given to configure). */
export class InputError extends Error {
  override name = 'InputError';
}

/** The user interrupted the command (Ctrl-C). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** A batch finished, but some of its items failed (each already reported). */
export class PartialFailureError extends Error {
  override name = 'PartialFailureError';
}
