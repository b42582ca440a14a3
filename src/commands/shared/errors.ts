// Errors of the commands' shared helpers. Like all of notifier's errors they carry facts, never exit
// codes: src/cli/exit-codes.ts maps them (a failed command: exit 1).

/**
 * A process this CLI runs in the background (a --detach start) could not be started or stopped: it
 * exited before it was ready, it was not ready in time, one already runs, it did not stop.
 */
export class BackgroundProcessError extends Error {
  override name = 'BackgroundProcessError';
}
