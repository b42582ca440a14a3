// Typed errors. They carry facts (status, retryability, wait time), never exit codes:
// src/cli.ts is the one place that maps them to exit codes.

/** Bad command line: unknown option, bad value, missing operand. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The configuration (or another local file) cannot be read, parsed or written. Exit 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

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

/** Sending would need a longer wait than allowed (rate limit or retries exhausted). Exit 75. */
export class RateLimitError extends Error {
  override name = 'RateLimitError';
  /** How long (ms) to wait before trying again. */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The user interrupted the command (Ctrl-C). Exit 130. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** A batch finished, but some of its items failed (each already reported). Exit 1. */
export class PartialFailureError extends Error {
  override name = 'PartialFailureError';
}
