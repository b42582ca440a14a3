// The notifier library's errors. They carry facts (status, retryability, wait time), never exit codes:
// src/cli/exit-codes.ts is the one place that maps errors to exit codes.

/** HipChat (or the network on the way to it) did not accept a notification. */
export class HipChatError extends Error {
  override name = 'HipChatError';
  /** HTTP status, or undefined when no answer came (timeout, connection error, TLS failure). */
  readonly status: number | undefined;
  /** HipChat's own error message, when its answer carried one. */
  readonly hipchatMessage: string | undefined;
  /** True for 429, 5xx, timeouts and connection errors: sending again later may succeed. */
  readonly retryable: boolean;
  /** The request certainly never reached HipChat (connection refused, unknown host): it used none of its limits. */
  readonly neverSent: boolean;
  /** For a 429: when (epoch ms) the server said its window refills, if it said. */
  readonly resetAt: number | undefined;
  /** The answer's response headers (names lower-case), so the rate limiter can read X-Ratelimit-* on errors. */
  readonly headers?: Record<string, string | string[] | undefined>;

  constructor(
    message: string,
    details: {
      status?: number;
      hipchatMessage?: string;
      retryable: boolean;
      resetAt?: number;
      headers?: Record<string, string | string[] | undefined>;
      neverSent?: boolean;
    },
  ) {
    super(message);
    this.neverSent = details.neverSent ?? false;
    this.status = details.status;
    this.hipchatMessage = details.hipchatMessage;
    this.retryable = details.retryable;
    this.resetAt = details.resetAt;
    this.headers = details.headers;
  }
}

/** Sending would need a longer wait than allowed (rate limit or retries exhausted): a later try may succeed. */
export class RateLimitError extends Error {
  override name = 'RateLimitError';
  /** How long (ms) to wait before trying again. */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The HipChat endpoint settings cannot be used: an API URL that is not http(s), an unreadable or empty CA file. */
export class EndpointError extends Error {
  override name = 'EndpointError';
}

/**
 * The shared rate-limit state cannot be read or written, and trying again will not help: its folder cannot be made,
 * a file cannot be written, or its store (Redis) refuses us (a certificate that cannot be verified, a wrong
 * password, a missing permission).
 */
export class RateLimitStateError extends Error {
  override name = 'RateLimitStateError';
}

/**
 * The store of the shared rate-limit state (Redis, for a fleet) did not answer: nothing was sent, and a later try
 * may succeed. A sender tries again within the time a notification may wait (--maxWait).
 */
export class RateLimitStoreUnavailableError extends Error {
  override name = 'RateLimitStoreUnavailableError';
  /** The store as scheme://host:port: never its password. */
  readonly store: string;
  /** Why it did not answer, in words (e.g. `connection refused`). */
  readonly problem: string;
  /** False when the update certainly did not reach the store (no connection): it may be sent again as it was. */
  readonly mayHaveApplied: boolean;
  /** How long the failed attempt took. */
  readonly attemptMs: number;

  constructor(message: string, details: { store?: string; problem?: string; mayHaveApplied?: boolean; attemptMs?: number } = {}) {
    super(message);
    this.store = details.store ?? 'the rate-limit store';
    this.problem = details.problem ?? message;
    this.mayHaveApplied = details.mayHaveApplied ?? true;
    this.attemptMs = details.attemptMs ?? 0;
  }
}
