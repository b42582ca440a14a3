// Errors of the utilities below every layer. Like all of notifier's errors they carry facts, never exit
// codes: src/cli/exit-codes.ts maps them.

/** A file lock stayed taken by a live process for longer than the caller would wait. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/**
 * A path where notifier keeps a private file or folder cannot be trusted: a symbolic link, not a regular
 * file or folder, or open to other users. The message is one line naming the path and the fix.
 */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';

  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}
