// Keeps the token-bucket state in the state folder, one file per (API URL, room, token), so that every process
// on the machine draws from the same bucket. Each change is a read-modify-write under a file lock, synchronous
// inside it so that the lock is held for the least time; waiting happens outside the lock.
//
// Each change costs a lock, a read and an atomic write (its rename the dearest part); two per message were most
// of a fast sender's time. So a sender that goes fast takes several units per change (a lease, see take()),
// doubling while it uses them up in time, and answers that report no window are recorded by its next change
// rather than by one of their own.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { removeOrphanTempFiles, writeFileAtomic } from '../../util/atomic-write.js';
import { LockTimeoutError } from '../../util/errors.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../../util/file-modes.js';
import { withFileLock } from '../../util/lock.js';
import type { Rate } from '../../util/rate.js';
import { abortableSleep } from '../../util/sleep.js';
import { RateLimitStateError } from '../errors.js';
import {
  createBucketState,
  isBucketState,
  observe,
  parseRateLimitHeaders,
  release,
  settle,
  take,
  withRate,
  type BucketState,
  type LimitReason,
} from './token-bucket.js';
/** How long a lease may be used: a bound on what it holds back from other senders (see take()). */
const LEASE_MS = 100;
/** Enough to make the shared state's cost per message small (one change per 64 sends). */
const MAX_LEASE = 64;

export interface RateLimiterOptions {
  stateDir: string;
  key: { apiUrl: string; room: string; token: string };
  rate: Rate;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class SharedRateLimiter {
  private readonly folder: string;
  private readonly file: string;
  private readonly rate: Rate;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private folderReady = false;
  /**
   * Sends no longer in flight that the shared state still counts: answered without rate-limit headers (see
   * observe) or leased units that will never be sent.
   */
  private settled = 0;
  private flushQueued = false;
  /** Units this instance took ahead: `left` of the `size` taken may still be sent, until `until`. */
  private lease = { left: 0, size: 0, until: 0 };

  constructor(options: RateLimiterOptions) {
    this.folder = join(resolve(options.stateDir), 'buckets');
    this.file = join(this.folder, `${stateFileName(options.key)}.json`);
    this.rate = { count: options.rate.count, perMs: options.rate.perMs };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /**
   * Resolves when one notification may be sent (unit consumed in the shared state). Throws the error from onWait
   * if it throws. Calls onWait(waitMs, reason) before each sleep so callers can show progress or give up (e.g.
   * beyond a max wait).
   */
  async acquire(options: { signal?: AbortSignal; onWait?: (waitMs: number, reason: LimitReason) => void } = {}): Promise<void> {
    const { signal, onWait } = options;
    for (;;) {
      signal?.throwIfAborted();
      if (this.leaseUsable()) {
        this.lease.left--;
        return;
      }
      const want = this.nextLeaseSize();
      const result = await this.update((state, now) => {
        const taken = take(state, now, want, LEASE_MS);
        return [taken.state, taken];
      });
      if (result.reason === undefined) {
        // Only concurrent acquire() calls leave units in the lease replaced here.
        this.settled += this.lease.left;
        this.lease = { left: result.units - 1, size: result.units, until: result.until };
        return;
      }
      onWait?.(result.waitMs, result.reason);
      // Others may take the unit we waited for: then we wait again.
      await this.sleep(result.waitMs, signal);
    }
  }

  /** Records the rate-limit headers of an answer (any status). */
  async observe(headers: Record<string, string | string[] | undefined>): Promise<void> {
    const windows = parseRateLimitHeaders(headers);
    if (windows.ratelimit !== undefined || windows.flood !== undefined) {
      // From now on the server's count governs every send: the units leased before it may not fit in it.
      this.settled += this.lease.left;
      this.lease.left = 0;
      await this.update((state, now) => [observe(state, windows, now), undefined]);
      return;
    }
    // Such an answer only lowers the count of sends in flight: the next update records it. Within a lease that
    // is the one that takes the next lease. Otherwise it is the next acquire()'s, which a sender makes at once,
    // or, when none comes by the next turn of the event loop (the last message), a flush.
    this.settled++;
    if (!this.leaseUsable()) this.queueFlush();
  }

  /** Gives back a unit that acquire() took but that was not used. */
  async release(): Promise<void> {
    await this.update((state, now) => [release(state, now), undefined]);
  }

  private async update<T>(change: (state: BucketState, now: number) => [BucketState, T]): Promise<T> {
    this.createFolder();
    try {
      return await withFileLock(this.file, async () => {
        removeOrphanTempFiles(this.folder, basename(this.file));
        const now = this.now();
        const settled = this.settled;
        const [next, result] = change(settle(withRate(this.read(now), this.rate, now), settled, now), now);
        // A cache: losing the last update in a power cut costs at most one early send, not worth an fsync per message.
        writeFileAtomic(this.file, `${JSON.stringify(next)}\n`, { mode: PRIVATE_FILE_MODE, durable: false });
        this.settled -= settled;
        return result;
      });
    } catch (err) {
      // A lock timeout explains itself; file system errors are reported against the folder.
      if (err instanceof LockTimeoutError) throw err;
      throw new RateLimitStateError(`Cannot write the rate-limit state in ${this.folder}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The stored state; a missing, unreadable or damaged file is only a lost cache: start afresh. */
  private read(now: number): BucketState {
    try {
      const stored: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      if (isBucketState(stored)) return stored;
    } catch {
      // fall through
    }
    return createBucketState(this.rate, now);
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      if (this.settled === 0) return;
      // Nobody awaits a flush: a failure shows again in the next acquire(), and on its own only leaves the
      // in-flight count high until those sends count as lost (ANSWER_MAX_MS).
      this.update((state) => [state, undefined]).catch(() => {});
    });
  }

  private leaseUsable(): boolean {
    return this.lease.left > 0 && this.now() < this.lease.until;
  }

  /**
   * How many units to ask for: twice the last lease when that was used up before it ended (a sender going
   * fast), else one, so that a sender that sends now and then takes one at a time.
   */
  private nextLeaseSize(): number {
    const { left, size, until } = this.lease;
    if (left === 0) return this.now() < until ? Math.min(MAX_LEASE, 2 * size) : 1;
    // Ended before it was used up: those units will never be sent. Ask for what was used.
    this.settled += left;
    this.lease.left = 0;
    return Math.max(1, size - left);
  }

  private createFolder(): void {
    if (this.folderReady) return;
    try {
      makePrivateFolder(this.folder);
    } catch (err) {
      throw new RateLimitStateError(`Cannot create the rate-limit state folder ${this.folder}: ${(err as Error).message}`, { cause: err });
    }
    this.folderReady = true;
  }
}

/** Never the token itself, not even in a file name: only its hash goes into the key. */
function stateFileName(key: RateLimiterOptions['key']): string {
  const token = createHash('sha256').update(key.token).digest('hex');
  return createHash('sha256').update(`${key.apiUrl}\n${key.room}\n${token}`).digest('hex');
}
