// Keeps the token-bucket state in the state folder, one file per (API URL, room, token), so that every process
// on the machine draws from the same bucket. Each change is a read-modify-write under a file lock; waiting
// happens outside the lock.

import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../../errors.js';
import { removeOrphanTempFiles, writeFileAtomic } from '../../fsutil/atomic-write.js';
import { withFileLock } from '../../fsutil/lock.js';
import {
  createBucketState,
  isBucketState,
  observe,
  parseRateLimitHeaders,
  release,
  take,
  withRate,
  type BucketState,
  type LimitReason,
  type RateSpec,
} from './token-bucket.js';

const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;

export interface RateLimiterOptions {
  stateDir: string;
  key: { apiUrl: string; room: string; token: string };
  rate: RateSpec;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class SharedRateLimiter {
  private readonly folder: string;
  private readonly file: string;
  private readonly rate: RateSpec;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private folderReady: Promise<void> | undefined;

  constructor(options: RateLimiterOptions) {
    this.folder = join(resolve(options.stateDir), 'buckets');
    this.file = join(this.folder, `${stateFileName(options.key)}.json`);
    this.rate = { count: options.rate.count, perMs: options.rate.perMs };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
  }

  /**
   * Resolves when one notification may be sent (unit consumed in the shared state). Throws the error from onWait
   * if it throws. Calls onWait(waitMs, reason) before each sleep so callers can show progress or give up (e.g.
   * beyond a max wait).
   */
  async acquire(
    options: { signal?: AbortSignal; onWait?: (waitMs: number, reason: LimitReason) => void } = {},
  ): Promise<void> {
    const { signal, onWait } = options;
    for (;;) {
      signal?.throwIfAborted();
      const result = await this.update((state, now) => {
        const taken = take(state, now);
        return [taken.state, taken];
      });
      if (result.reason === undefined) return;
      onWait?.(result.waitMs, result.reason);
      // Others may take the unit we waited for: then we wait again.
      await this.sleep(result.waitMs, signal);
    }
  }

  /** Records the rate-limit headers of an answer (any status). */
  async observe(headers: Record<string, string | string[] | undefined>): Promise<void> {
    const windows = parseRateLimitHeaders(headers);
    await this.update((state, now) => [observe(state, windows, now), undefined]);
  }

  /** Gives back a unit that acquire() took but that was not used. */
  async release(): Promise<void> {
    await this.update((state, now) => [release(state, now), undefined]);
  }

  private async update<T>(change: (state: BucketState, now: number) => [BucketState, T]): Promise<T> {
    this.folderReady ??= this.createFolder();
    await this.folderReady;
    try {
      return await withFileLock(this.file, async () => {
        removeOrphanTempFiles(this.folder, basename(this.file));
        const now = this.now();
        const [next, result] = change(withRate(await this.read(now), this.rate, now), now);
        // A cache: losing the last update in a power cut costs at most one early send, not worth an fsync per message.
        writeFileAtomic(this.file, `${JSON.stringify(next)}\n`, { mode: FILE_MODE, durable: false });
        return result;
      });
    } catch (err) {
      // A lock timeout explains itself (and has no cause); file system errors are reported against the folder.
      if (err instanceof ConfigError && err.cause === undefined) throw err;
      const cause = err instanceof ConfigError ? err.cause : err;
      throw new ConfigError(`Cannot write the rate-limit state in ${this.folder}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /** The stored state; a missing, unreadable or damaged file is only a lost cache: start afresh. */
  private async read(now: number): Promise<BucketState> {
    try {
      const stored: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      if (isBucketState(stored)) return stored;
    } catch {
      // fall through
    }
    return createBucketState(this.rate, now);
  }

  private async createFolder(): Promise<void> {
    try {
      const first = await mkdir(this.folder, { recursive: true, mode: FOLDER_MODE });
      // mkdir's mode is filtered by the umask: set it on every folder created here, and only on those.
      const created = first === undefined ? '..' : relative(first, this.folder);
      if (!created.startsWith('..') && !isAbsolute(created)) {
        let folder = first!;
        await chmod(folder, FOLDER_MODE);
        for (const part of created.split(sep).filter(Boolean)) {
          folder = join(folder, part);
          await chmod(folder, FOLDER_MODE);
        }
      }
    } catch (err) {
      this.folderReady = undefined;
      throw new ConfigError(`Cannot create the rate-limit state folder ${this.folder}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

/** Never the token itself, not even in a file name: only its hash goes into the key. */
function stateFileName(key: RateLimiterOptions['key']): string {
  const token = createHash('sha256').update(key.token).digest('hex');
  return createHash('sha256').update(`${key.apiUrl}\n${key.room}\n${token}`).digest('hex');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
