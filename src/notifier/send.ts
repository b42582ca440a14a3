// Delivery of notifications to one room: the shared rate limiter first, then the HipChat client,
// with retries for what is worth retrying. At-least-once: an answer lost after HipChat accepted
// a message leads to a resend.
import { formatDuration } from '../util/duration.js';
import type { Rate } from '../util/rate.js';
import { abortableSleep, backoffDelay, type Backoff } from '../util/sleep.js';
import { DEFAULT_MAX_WAIT_MS, DEFAULT_RETRIES } from './defaults.js';
import { HipChatError, RateLimitError, RateLimitStoreUnavailableError } from './errors.js';
import { HipChatClient } from './hipchat/client.js';
import type { RoomNotification } from './message.js';
import { SharedRateLimiter } from './rate-limit/limiter.js';
import { HORIZON_MS } from './rate-limit/limits.js';
import { limitStoreFor } from './rate-limit/stores.js';
import { usedUp, type WaitReason } from './waits.js';

/** Where and how to send: the stored HipChat notifier configuration of a target. */
export interface NotifierTarget {
  apiUrl: string;
  roomName: string;
  token: string;
  rate: Rate;
  caFile?: string;
  insecure?: boolean;
  /** Where the shared rate limit lives: 'file' (the state folder, the default) or a Redis URL for a fleet. */
  rateLimitStore?: string;
}

export interface SendOptions {
  /** Folder of the rate-limit state shared by every process on the machine. */
  stateDir: string;
  /** Retries after a 5xx, a timeout or a connection error (429s are waited out instead). Default 3. */
  retries?: number;
  /** Longest total wait for one notification (rate limit and retries). Default 5 minutes. */
  maxWaitMs?: number;
  /** Connect + response timeout of one request. Default 10 s. */
  timeoutMs?: number;
  /** Where proxy variables are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Ends the waits (rate limit, backoff) at once, rejecting with signal.reason. A request already
   * sent is let finish (bounded by the timeout), so that what was delivered is known.
   */
  signal?: AbortSignal;
  /**
   * Told before every wait: what it waits for and how long. A rate-limit store that does not answer is one wait,
   * told once when it begins: `waitMs` is then the longest it may last (the store is tried again, every second at
   * most, until it answers), and `about` names the store and why (`redis://cache:6379 (connection refused)`).
   */
  onWait?: (waitMs: number, reason: WaitReason, about?: string) => void;
  /** Told before a retry, with the failure that caused it. */
  onRetry?: (error: HipChatError, attempt: number) => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 0..1, for the backoff jitter. */
  random?: () => number;
}

export interface SendResult {
  /** Requests made for this notification (1 when the first was accepted). */
  attempts: number;
  /** Time spent waiting for the rate limiter and between retries. */
  waitedMs: number;
}

/** Between retries after 5xx, timeouts and connection errors. */
const RETRY_BACKOFF: Backoff = { firstMs: 500, maxMs: 30_000, jitter: true };
/** Between attempts at a rate-limit store that does not answer (each attempt is bounded too). */
const STORE_BACKOFF: Backoff = { firstMs: 100, maxMs: 1000, jitter: true };

/** Sends notifications to one room over one kept-alive connection. Call close() when done. */
export class NotificationSender {
  private readonly client: HipChatClient;
  private readonly limiter: SharedRateLimiter;
  private readonly retries: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly target: NotifierTarget,
    private readonly options: SendOptions,
  ) {
    this.client = new HipChatClient({
      apiUrl: target.apiUrl,
      token: target.token,
      timeoutMs: options.timeoutMs,
      caFile: target.caFile,
      insecure: target.insecure,
      env: options.env,
    });
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.limiter = new SharedRateLimiter({
      store: limitStoreFor({
        rateLimitStore: target.rateLimitStore,
        apiUrl: target.apiUrl,
        token: target.token,
        stateDir: options.stateDir,
        now: this.now,
      }),
      room: target.roomName,
      rate: target.rate,
      now: this.now,
      sleep: this.sleep,
    });
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  }

  /** The request send() would make, token redacted. */
  describe(notification: RoomNotification) {
    return this.client.describeRequest(this.target.roomName, notification);
  }

  async send(notification: RoomNotification): Promise<SendResult> {
    const { signal } = this.options;
    let waitedMs = 0;
    let attempts = 0;
    let failures = 0;
    let rateLimitedAnswers = 0;

    // Every wait, the limiter's and the backoffs, counts against --maxWait.
    const account = (ms: number, reason: WaitReason, cause: string) => {
      if (waitedMs + ms > this.maxWaitMs) {
        throw new RateLimitError(
          `${cause}: the next attempt may go in ${formatDuration(ms)}, beyond --maxWait ${formatDuration(this.maxWaitMs)}; try again then`,
          ms,
        );
      }
      this.options.onWait?.(ms, reason);
      waitedMs += ms;
    };
    const wait = async (ms: number, reason: WaitReason, cause: string) => {
      account(ms, reason, cause);
      await this.sleep(ms, signal);
    };
    // A store that does not answer is tried again within the same budget: its failed attempts and the pauses
    // between them count as waiting. One wait, told once, for as long as the store stays away.
    let storeAttempts = 0;
    let storeWaitedMs = 0;
    const waitForStore = async (error: RateLimitStoreUnavailableError) => {
      storeAttempts++;
      storeWaitedMs += error.attemptMs;
      waitedMs += error.attemptMs;
      const left = this.maxWaitMs - waitedMs;
      if (left <= 0) {
        const attempts = `${storeAttempts} attempt${storeAttempts === 1 ? '' : 's'} in ${formatDuration(storeWaitedMs)}`;
        throw new RateLimitStoreUnavailableError(`${error.message} (${attempts})`, { store: error.store, problem: error.problem });
      }
      if (storeAttempts === 1) this.options.onWait?.(left, 'store', `${error.store} (${error.problem})`);
      // The last pause ends with the budget: one more attempt then, with what is left.
      const pause = Math.min(left, this.backoff(storeAttempts, STORE_BACKOFF));
      storeWaitedMs += pause;
      waitedMs += pause;
      await this.sleep(pause, signal);
    };

    for (;;) {
      // The limiter sleeps by itself; onWait only keeps the account and enforces the cap.
      try {
        await this.limiter.acquire({
          signal,
          onWait: (ms, reason) => account(ms, reason, usedUp(reason)),
          timeLeftMs: () => this.maxWaitMs - waitedMs,
        });
      } catch (error) {
        if (!(error instanceof RateLimitStoreUnavailableError)) throw error;
        await waitForStore(error);
        continue;
      }
      storeAttempts = 0;
      storeWaitedMs = 0;
      // Stopped while waiting for the limiter's last answer: send nothing more.
      signal?.throwIfAborted();
      attempts++;
      try {
        const outcome = await this.client.sendRoomNotification(this.target.roomName, notification);
        await this.limiter.observe(outcome.headers);
        return { attempts, waitedMs };
      } catch (error) {
        if (!(error instanceof HipChatError)) throw error;
        // A request that never left (HipChat down, unknown host) must not use up the shared limit; any other
        // was an answer, perhaps one that never came (it counts as used).
        if (error.neverSent) await this.limiter.release();
        else await this.limiter.observe(error.headers ?? {});
        if (!error.retryable) throw error;
        if (error.status === 429) {
          // With a believable reset the limiter now blocks until it; without one, back off.
          rateLimitedAnswers++;
          const believable = error.resetAt !== undefined && error.resetAt <= this.now() + HORIZON_MS;
          if (!believable) await wait(this.backoff(rateLimitedAnswers), 'ratelimit', error.message);
          this.options.onRetry?.(error, attempts);
          continue;
        }
        failures++;
        if (failures > this.retries) {
          throw new HipChatError(`${error.message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`, {
            status: error.status,
            hipchatMessage: error.hipchatMessage,
            retryable: true,
          });
        }
        this.options.onRetry?.(error, attempts);
        await wait(this.backoff(failures), 'retry', error.message);
      }
    }
  }

  /** Closes the connections, then reports to the shared limit what it does not know yet (best effort). */
  async close(): Promise<void> {
    this.client.close();
    await this.limiter.close().catch(() => {});
  }

  private backoff(failure: number, backoff = RETRY_BACKOFF): number {
    return backoffDelay(failure, backoff, this.random);
  }
}

/** One notification, one connection: the simplest way to send from a program. */
export async function sendNotification(target: NotifierTarget, notification: RoomNotification, options: SendOptions): Promise<SendResult> {
  const sender = new NotificationSender(target, options);
  try {
    return await sender.send(notification);
  } finally {
    await sender.close();
  }
}
