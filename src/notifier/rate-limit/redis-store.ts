// The shared limits in Redis (--rateLimitStore redis://…), so that runners on many machines that share one token
// stay inside HipChat's limits as the processes of one machine do. Each update is one EVALSHA of the script in
// redis-script.ts, run by Redis's clock; this module (and the Redis client with it) is loaded only for a target
// that uses Redis.
//
// Failure is explicit, and each update is one attempt, bounded in time: a Redis that does not answer (refused,
// silent, busy or loading) or refuses the password is RateLimitStoreUnavailableError, which the sender tries again
// within the time the notification may wait (--maxWait), saying so; one that refuses us otherwise (a certificate
// that cannot be verified, a missing permission, a script error) is RateLimitStateError at once (exit 1): trying
// again would not help. Nothing is sent without the limiter. Messages name scheme, host and port only, never the
// password.
import { ErrorReply, RedisClient } from '@redis/client';
import { createHash } from 'node:crypto';
import { certificateProblem } from '../../util/certificates.js';
import { redactPassword, type RedisTarget } from '../../util/redis-url.js';
import { deadline } from '../../util/sleep.js';
import { RateLimitStateError, RateLimitStoreUnavailableError } from '../errors.js';
import { limitKey } from './key.js';
import type { ApplyOptions, LimitStore } from './limiter.js';
import type { LimitUpdate, TakeOutcome } from './limits.js';
import { LIMITS_SCRIPT } from './redis-script.js';

export interface RedisLimitStoreOptions {
  target: RedisTarget;
  apiUrl: string;
  token: string;
  /** One attempt (connect, handshake and script) gets at most this long. Default 2 s. */
  attemptTimeoutMs?: number;
  /** This runner's clock: only to turn the windows' resets into durations. */
  now?: () => number;
  /**
   * Only tests pass one: the script then runs by it instead of Redis's TIME, so that its arithmetic can be
   * compared with limits.ts's on one clock.
   */
  scriptClock?: () => number;
}

const SCRIPT_SHA = createHash('sha1').update(LIMITS_SCRIPT).digest('hex');
/** The shortest attempt, however little time the caller has left. */
const MIN_ATTEMPT_MS = 100;
/** Answers worth another try: Redis busy, starting or failing over. Any other error reply is final. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN)\b/;
/** Redis closes an unauthenticated connection on a long command with this instead of NOAUTH. */
const UNAUTHENTICATED = /^ERR Protocol error: unauthenticated/;

type Client = ReturnType<typeof newClient>;

/** A failed attempt; `sent` when the script may have run (its reply was lost), `final` when retrying cannot help. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly sent: boolean,
    readonly final: boolean,
  ) {
    super(message);
  }
}

export class RedisLimitStore implements LimitStore {
  private readonly target: RedisTarget;
  private readonly key: string;
  private readonly attemptTimeoutMs: number;
  private readonly now: () => number;
  private readonly scriptClock: (() => number) | undefined;
  private client: Client | undefined;
  /** The last 'error' event of the current client: why a connection failed, in the client's words. */
  private lastClientError: Error | undefined;

  constructor(options: RedisLimitStoreOptions) {
    this.target = options.target;
    this.key = `notifier:limits:v2:${limitKey(options.apiUrl, options.token)}`;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 2000;
    this.now = options.now ?? Date.now;
    this.scriptClock = options.scriptClock;
  }

  /**
   * One update, one attempt (within options.timeoutMs, at most attemptTimeoutMs). A Redis that does not answer
   * is RateLimitStoreUnavailableError (saying whether the update may have been applied: its reply may be what was
   * lost); one that refuses us is RateLimitStateError.
   */
  async apply(update: LimitUpdate, options: ApplyOptions = {}): Promise<TakeOutcome | undefined> {
    const timeoutMs = Math.max(MIN_ATTEMPT_MS, Math.min(this.attemptTimeoutMs, options.timeoutMs ?? Number.POSITIVE_INFINITY));
    const started = performance.now();
    try {
      const reply = await this.attempt(this.payload(update), timeoutMs);
      return reply === '' ? undefined : (JSON.parse(reply) as TakeOutcome);
    } catch (error) {
      if (!(error instanceof AttemptError)) throw error;
      if (error.final) throw new RateLimitStateError(error.message);
      throw new RateLimitStoreUnavailableError(`rate-limit store ${this.target.display} is unreachable: ${error.message}`, {
        store: this.target.display,
        problem: error.message,
        mayHaveApplied: error.sent,
        attemptMs: Math.ceil(performance.now() - started),
      });
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) await client.close().catch(() => client.destroy());
  }

  /** The update as the script reads it: resets as durations, since the runner's clock is not Redis's. */
  private payload(update: LimitUpdate): string {
    const now = this.now();
    const windows: Record<string, { limit: number; remaining: number; resetIn: number; reset?: number }> = {};
    for (const [kind, window] of Object.entries(update.answers?.windows ?? {})) {
      windows[kind] = {
        limit: window.limit,
        remaining: window.remaining,
        resetIn: window.resetAt - now,
        // The window's name, the same for every runner: the computed ends of two answers about it never quite agree.
        ...(window.reset === undefined ? {} : { reset: window.reset }),
      };
    }
    return JSON.stringify({
      room: update.room,
      rate: update.rate,
      ...(update.released?.length ? { released: update.released } : {}),
      ...(update.answers ? { answers: { count: update.answers.count, windows } } : {}),
      ...(update.take ? { take: update.take } : {}),
      ...(this.scriptClock === undefined ? {} : { now: this.scriptClock() }),
    });
  }

  /** Connects if need be, then EVALSHA (EVAL when the server does not have the script), all within one timeout. */
  private async attempt(payload: string, timeoutMs: number): Promise<string> {
    let sent = false;
    let cancelDeadline: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      cancelDeadline = deadline(timeoutMs, () => {
        // Ends the connection and whatever waits on it (the client's handshake has no timeout of its own).
        this.drop();
        reject(new AttemptError(`no answer within ${Number((timeoutMs / 1000).toFixed(1))} s`, sent, false));
      });
    });
    const work = (async () => {
      let client: Client;
      try {
        client = await this.connected();
      } catch (error) {
        this.drop();
        throw this.failure(error, false);
      }
      sent = true;
      try {
        try {
          return String(await client.sendCommand(['EVALSHA', SCRIPT_SHA, '1', this.key, payload]));
        } catch (error) {
          // A fresh server (or a restarted one) does not have it yet: EVAL runs it and keeps it for the next EVALSHA.
          if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
          return String(await client.sendCommand(['EVAL', LIMITS_SCRIPT, '1', this.key, payload]));
        }
      } catch (error) {
        const failure = this.failure(error, true);
        if (!failure.final) this.drop();
        throw failure;
      }
    })();
    try {
      return await Promise.race([work, timeout]);
    } finally {
      cancelDeadline?.();
      work.catch(() => {}); // lost the race: its rejection is of no interest
    }
  }

  private async connected(): Promise<Client> {
    if (this.client?.isReady) return this.client;
    this.drop();
    this.lastClientError = undefined;
    const client = newClient(this.target, this.attemptTimeoutMs);
    // Without a listener an 'error' event would throw; connection errors also reject connect(): keep the last.
    client.on('error', (error: Error) => (this.lastClientError = error));
    this.client = client;
    await client.connect();
    return client;
  }

  /** Forgets the current client, destroying its connection (what waits on it rejects). */
  private drop(): void {
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) client.destroy();
  }

  /**
   * What a failed connection or command means. Final (not worth another try): a certificate that cannot be
   * verified, and any error reply but Redis busy or loading, or a password refused (a missing permission, a
   * read-only replica, a script error). Anything else (refused, reset, timed out) is an outage, and so is a wrong
   * or missing password: across a fleet, a password being changed is refused until the change has reached both
   * Redis and the runner, and the script did not run.
   */
  private failure(error: unknown, sent: boolean): AttemptError {
    const cause = (error instanceof Error ? error : this.lastClientError) ?? new Error(String(error));
    const certificate = certificateProblem(cause);
    if (certificate !== undefined) {
      return new AttemptError(
        `Cannot verify the TLS certificate of the rate-limit store ${this.target.display}: ${certificate.problem} (${certificate.code}). ` +
          'Trust the CA that signed it (or the certificate itself) with NODE_EXTRA_CA_CERTS=FILE.',
        false,
        true,
      );
    }
    let message = cause.message || cause.name;
    if ((cause as { code?: string }).code === 'ECONNREFUSED') message = 'connection refused';
    if (UNAUTHENTICATED.test(message)) message = 'NOAUTH Authentication required.';
    const noPassword = message.startsWith('NOAUTH');
    const wrongPassword = message.startsWith('WRONGPASS');
    if (noPassword) message = `${message} (this Redis wants a password: redis://:password@host)`;
    if (wrongPassword) message = `${message} (check the password in the store's URL)`;
    // The client or the server could echo the URL or the password: never let it through.
    message = redactPassword(message, this.target.password);
    if (noPassword || wrongPassword) return new AttemptError(message, false, false);
    const refused = (cause instanceof ErrorReply || UNAUTHENTICATED.test(cause.message)) && !TRANSIENT_REPLY.test(message);
    if (refused) return new AttemptError(`rate-limit store ${this.target.display}: ${message}`, sent, true);
    return new AttemptError(message, sent, false);
  }
}

/**
 * The options that make every failure fast and bounded: no reconnecting, no offline queue, timeouts. The client
 * class itself rather than createClient(), which gives it a method for each of Redis's 800-odd commands: making
 * them cost every Redis send about 50 ms, and the store sends two commands (EVALSHA, EVAL) as they are.
 */
function newClient(target: RedisTarget, timeoutMs: number) {
  return new RedisClient({
    url: target.url,
    // AUTH rather than HELLO: also works with Redis-compatible servers and proxies that lack HELLO.
    RESP: 2,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
    disableOfflineQueue: true,
    commandOptions: { timeout: timeoutMs },
    // No CLIENT SETINFO nor maintenance handshake: nothing notifier needs, and fewer round trips.
    disableClientInfo: true,
    maintNotifications: 'disabled',
  });
}
