// The exit codes of the command-line contract (design.md), and the one place where errors become them.
import { BackgroundProcessError } from '../commands/shared/errors.js';
import { ConfigError } from '../config/errors.js';
import { EndpointError, HipChatError, RateLimitError, RateLimitStateError, RateLimitStoreUnavailableError } from '../notifier/errors.js';
import { ServiceError } from '../service/errors.js';
import { LockTimeoutError, UnsafePathError } from '../util/errors.js';
import { InputError, InterruptedError, PartialFailureError, UsageError } from './errors.js';

export const EXIT_SUCCESS = 0;
/** The command failed: HipChat refused, a bad configuration, an I/O error. */
export const EXIT_FAILURE = 1;
/** A bad option or value. */
export const EXIT_USAGE = 2;
/** A temporary failure (a rate-limit wait or retries beyond what was allowed): a CI job may retry later. */
export const EXIT_TEMPORARY = 75;
export const EXIT_INTERRUPTED = 130;

/** Error types whose exit code does not depend on the error's details. */
const EXIT_CODE_OF_TYPE: [new (...args: never[]) => Error, number][] = [
  [UsageError, EXIT_USAGE],
  [InterruptedError, EXIT_INTERRUPTED],
  [RateLimitError, EXIT_TEMPORARY],
  [RateLimitStoreUnavailableError, EXIT_TEMPORARY],
  [PartialFailureError, EXIT_FAILURE],
  [InputError, EXIT_FAILURE],
  [ConfigError, EXIT_FAILURE],
  [EndpointError, EXIT_FAILURE],
  [RateLimitStateError, EXIT_FAILURE],
  [ServiceError, EXIT_FAILURE],
  [BackgroundProcessError, EXIT_FAILURE],
  [LockTimeoutError, EXIT_FAILURE],
  [UnsafePathError, EXIT_FAILURE],
];

export function exitCodeFor(error: unknown): number {
  if (error instanceof HipChatError) return error.retryable ? EXIT_TEMPORARY : EXIT_FAILURE;
  return EXIT_CODE_OF_TYPE.find(([type]) => error instanceof type)?.[1] ?? EXIT_FAILURE;
}
