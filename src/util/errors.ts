// Errors of the utilities below every layer. Like all of notifier's errors they carry facts, never exit
// codes: src/cli/exit-codes.ts maps them.

/** A file lock stayed taken by a live process for longer than the caller would wait. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}
