// The notification service's control error. Like all of notifier's errors it carries facts, never an
// exit code: src/cli/exit-codes.ts maps it.

/** A notification service could not be started or stopped (one already runs, it did not start, it did not stop). */
export class ServiceError extends Error {
  override name = 'ServiceError';
}
