// The one map from errors to exit codes (design.md: 0 success, 1 failed, 2 usage, 75 temporary, 130 interrupted).
import { describe, expect, it } from 'vitest';
import { InputError, InterruptedError, PartialFailureError, UsageError } from '../../../src/cli/errors.js';
import { exitCodeFor } from '../../../src/cli/exit-codes.js';
import { BackgroundProcessError } from '../../../src/commands/shared/errors.js';
import { ConfigError } from '../../../src/config/errors.js';
import {
  EndpointError,
  HipChatError,
  RateLimitError,
  RateLimitStateError,
  RateLimitStoreUnavailableError,
} from '../../../src/notifier/errors.js';
import { ServiceError } from '../../../src/service/errors.js';
import { LockTimeoutError, UnsafePathError } from '../../../src/util/errors.js';

describe('exitCodeFor', () => {
  it.each([
    ['a usage error', new UsageError('Invalid option: --bogus'), 2],
    ['an interrupt', new InterruptedError('Interrupted'), 130],
    ['a wait beyond --maxWait', new RateLimitError('wait', 60_000), 75],
    ['a rate-limit store (Redis) that does not answer', new RateLimitStoreUnavailableError('unreachable'), 75],
    ['HipChat down (retryable)', new HipChatError('HipChat answered 503', { status: 503, retryable: true }), 75],
    ['HipChat refusing (not retryable)', new HipChatError('HipChat refused', { status: 401, retryable: false }), 1],
    ['a batch with failed lines', new PartialFailureError('2 of 5 notifications failed'), 1],
    ['an unreadable token file', new InputError('Cannot read token file'), 1],
    ['a bad config file', new ConfigError('not valid JSON'), 1],
    ['an unusable CA file', new EndpointError('Cannot read the CA file'), 1],
    ['an unusable state folder', new RateLimitStateError('Cannot create the rate-limit state folder'), 1],
    ['a service already running', new ServiceError('already running'), 1],
    ['a background start that failed', new BackgroundProcessError('did not start'), 1],
    ['a lock held too long', new LockTimeoutError('Timed out'), 1],
    ['a file someone else could have planted', new UnsafePathError('/x', 'is a symbolic link'), 1],
    ['any other error', new Error('unexpected'), 1],
    ['a thrown non-error', 'a string', 1],
  ])('%s exits %i', (_what, error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });
});
