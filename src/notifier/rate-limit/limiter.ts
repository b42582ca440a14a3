// A sender's side of the shared rate limit: takes units from a store (the state folder, or Redis for a fleet),
// waits when they are used up, and reports answers back.
//
// Every change of the shared state costs a store round trip (a locked file update, a Redis call). So a sender
// that goes fast takes several units per change (a lease, see take() in limits.ts), doubling while it uses them
// up in time, and answers are reported with the sender's next change rather than one by one: only an answer
// that others must know at once (HipChat's window nearly used up, or a window they do not know yet) is reported
// immediately, and a sender holding no lease reports its answers as soon as it is idle.
import { abortableSleep } from '../../util/sleep.js';
import { RateLimitStoreUnavailableError } from '../errors.js';
import type { Rate } from '../../util/rate.js';
import {
  mergeWindows,
  parseRateLimitHeaders,
  sameWindow,
  type LimitReason,
  type LimitUpdate,
  type ServerWindows,
  type TakeOutcome,
} from './limits.js';

/**
 * Where the shared state lives: it applies one update atomically, by its own clock (a Redis server's for a
 * fleet), and answers with what was taken, if the update asked. One call is one attempt: a store that does not
 * answer throws RateLimitStoreUnavailableError, and trying again is the sender's to decide (its --maxWait).
 */
export interface LimitStore {
  apply(update: LimitUpdate, options?: ApplyOptions): Promise<TakeOutcome | undefined>;
  close(): Promise<void>;
}

export interface ApplyOptions {
  /** The attempt may take no longer than this (what is left of the caller's wait), when the store can bound it. */
  timeoutMs?: number;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Told before each wait for a limit; may give up by throwing (the error is acquire's). */
  onWait?: (waitMs: number, reason: LimitReason) => void;
  /** How long the caller may still wait: no store attempt lasts longer. */
  timeLeftMs?: () => number;
}

export interface RateLimiterOptions {
  store: LimitStore;
  room: string;
  rate: Rate;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** How long a lease may be used: a bound on what it holds back from other senders. */
const LEASE_MS = 100;
/** Enough to make the shared state's cost per message small (one change per 64 sends). */
const MAX_LEASE = 64;
/** An answer showing less than this many leases' worth left in a window is reported at once. */
const URGENT_LEASES = 4;

export class SharedRateLimiter {
  private readonly store: LimitStore;
  private readonly room: string;
  private readonly rate: Rate;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Units this instance took ahead: `left` of the `size` taken (when `takenAt`) may still be sent, until `until`
   * (this process's clock); `grantedUntil` is that end in the store's clock, which names the grant when units go back.
   */
  private lease = { left: 0, size: 0, takenAt: Number.NEGATIVE_INFINITY, until: 0, grantedUntil: 0 };
  private pendingAnswers = 0;
  private pendingWindows: ServerWindows = {};
  private pendingReleases: { units: number; until: number }[] = [];
  /** The windows this instance last saw, to tell an answer about a window others may not know yet. */
  private knownWindows: ServerWindows = {};
  private flushQueued = false;
  private flushing: Promise<unknown> | undefined;

  constructor(options: RateLimiterOptions) {
    this.store = options.store;
    this.room = options.room;
    this.rate = { count: options.rate.count, perMs: options.rate.perMs };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /**
   * Resolves when one notification may be sent (a unit taken in the shared state). Calls onWait(waitMs, reason)
   * before each sleep, so that callers can show progress or give up (by throwing: the error is acquire's). A store
   * that does not answer rejects with RateLimitStoreUnavailableError: the caller may try again.
   */
  async acquire(options: AcquireOptions = {}): Promise<void> {
    const { signal, onWait, timeLeftMs } = options;
    for (;;) {
      signal?.throwIfAborted();
      if (this.leaseUsable()) {
        this.lease.left--;
        return;
      }
      const want = this.nextLeaseSize();
      const asked = this.now();
      const taken = (await this.update({ take: { want, holdMs: LEASE_MS } }, timeLeftMs?.()))!;
      if (taken.reason === undefined) {
        // Counted from before the store was asked: the lease ends no later here than it does there.
        this.lease = {
          left: taken.units - 1,
          size: taken.units,
          takenAt: asked,
          until: asked + (taken.until - taken.at),
          grantedUntil: taken.until,
        };
        return;
      }
      onWait?.(taken.waitMs, taken.reason);
      // Others may take the unit we waited for: then we wait again.
      await this.sleep(taken.waitMs, signal);
    }
  }

  /**
   * Records an answer (any status) and the rate-limit headers it carried. A store that does not answer is no
   * failure here (the notification went): what it did not get goes with the next change, and until then the send
   * counts as in flight, which is stricter.
   */
  async observe(headers: Record<string, string | string[] | undefined>): Promise<void> {
    const windows = parseRateLimitHeaders(headers, this.now());
    this.pendingAnswers++;
    this.pendingWindows = mergeWindows(this.pendingWindows, windows);
    if (this.urgent(windows)) {
      // From now on the server's count governs: the units leased before it may not fit in it.
      this.endLease();
      await this.reportNow();
      return;
    }
    // Within a lease the next change reports it; otherwise the next acquire() does, which a sender makes at once,
    // or, when none comes by the next turn of the event loop (the last message), a flush.
    if (!this.leaseUsable()) this.queueFlush();
  }

  /**
   * Gives back a unit that acquire() took but that was not used (the request never left). As observe(), never fails
   * for a store that does not answer.
   */
  async release(): Promise<void> {
    this.pendingReleases.push({ units: 1, until: this.lease.grantedUntil });
    await this.reportNow();
  }

  /**
   * Reports what is still pending (answers, units of the lease that will not be sent) before the sender goes away,
   * then closes the store (a Redis connection would keep the process alive).
   */
  async close(): Promise<void> {
    this.endLease();
    try {
      await this.flushing;
      if (this.hasPending()) await this.update({});
    } finally {
      await this.store.close();
    }
  }

  private async update(ask: Pick<LimitUpdate, 'take'>, timeoutMs?: number): Promise<TakeOutcome | undefined> {
    const update: LimitUpdate = { room: this.room, rate: this.rate, ...ask };
    const answers = this.pendingAnswers;
    const windows = this.pendingWindows;
    const releases = this.pendingReleases;
    if (answers > 0 || Object.keys(windows).length > 0) update.answers = { count: answers, windows };
    if (releases.length > 0) update.released = releases;
    this.pendingAnswers = 0;
    this.pendingWindows = {};
    this.pendingReleases = [];
    try {
      return await this.store.apply(update, timeoutMs === undefined ? {} : { timeoutMs });
    } catch (error) {
      if (error instanceof RateLimitStoreUnavailableError) {
        // The windows go with the next change in any case: a window stated twice is the same window. Counts that
        // may have reached the store are not reported again (counted once at most, the limit only gets stricter;
        // a send counted in flight counts as lost after ANSWER_MAX_MS); those that certainly did not, go again.
        this.pendingWindows = mergeWindows(windows, this.pendingWindows);
        if (!error.mayHaveApplied) {
          this.pendingAnswers += answers;
          this.pendingReleases = [...releases, ...this.pendingReleases];
        }
      }
      throw error;
    }
  }

  /** Reports what is pending now; a store that does not answer gets it with the next change. */
  private async reportNow(): Promise<void> {
    try {
      await this.update({});
    } catch (error) {
      if (!(error instanceof RateLimitStoreUnavailableError)) throw error;
    }
  }

  /** True for an answer that other senders must know now: a window nearly used up, or one this sender had not seen. */
  private urgent(windows: ServerWindows): boolean {
    let urgent = false;
    for (const [kind, window] of Object.entries(windows) as [keyof ServerWindows, NonNullable<ServerWindows['flood']>][]) {
      const known = this.knownWindows[kind];
      if (known === undefined || !sameWindow(known, window)) urgent = true;
      this.knownWindows[kind] = window;
      if (window.remaining < URGENT_LEASES * Math.max(1, this.lease.size)) urgent = true;
    }
    return urgent;
  }

  private hasPending(): boolean {
    return this.pendingAnswers > 0 || this.pendingReleases.length > 0 || Object.keys(this.pendingWindows).length > 0;
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      if (!this.hasPending()) return;
      // Nobody awaits a flush: a failure shows again in the next acquire(), and on its own only leaves the sends
      // counted in flight until they count as lost (ANSWER_MAX_MS).
      this.flushing = this.update({}).catch(() => {});
    });
  }

  private leaseUsable(): boolean {
    return this.lease.left > 0 && this.now() < this.lease.until;
  }

  /** Units of the lease that will not be sent go back with the next change. */
  private endLease(): void {
    if (this.lease.left > 0) this.pendingReleases.push({ units: this.lease.left, until: this.lease.grantedUntil });
    this.lease.left = 0;
  }

  /**
   * How many units to ask for: twice the last lease when that was used up within a lease's time (a sender going
   * fast), else one, so that a sender that sends now and then takes one at a time.
   */
  private nextLeaseSize(): number {
    const { left, size, takenAt } = this.lease;
    if (left === 0) return this.now() < takenAt + LEASE_MS ? Math.min(MAX_LEASE, 2 * size) : 1;
    // Ended before it was used up: those units will never be sent. Ask for what was used.
    this.endLease();
    return Math.max(1, size - left);
  }
}
