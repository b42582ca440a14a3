// Which store a target's shared limits live in: the state folder (one machine), or Redis (a fleet). The Redis
// store, and the Redis client with it, is loaded only when a target uses it.
import { parseRedisUrl } from '../../util/redis-url.js';
import { RateLimitStateError } from '../errors.js';
import { FileLimitStore } from './file-store.js';
import type { ApplyOptions, LimitStore } from './limiter.js';
import type { LimitUpdate, TakeOutcome } from './limits.js';

export interface LimitStoreOptions {
  /** 'file' (the default) or redis://[:password@]host[:port][/db] (rediss:// for TLS). */
  rateLimitStore?: string;
  apiUrl: string;
  token: string;
  stateDir: string;
  now: () => number;
}

export function limitStoreFor(options: LimitStoreOptions): LimitStore {
  const { rateLimitStore = 'file', apiUrl, token, now } = options;
  if (rateLimitStore === 'file') return new FileLimitStore({ stateDir: options.stateDir, apiUrl, token, now });
  const target = parseRedisUrl(rateLimitStore);
  if ('problem' in target) throw new RateLimitStateError(`Invalid rate-limit store: ${target.problem}`);
  return new LoadedOnFirstUse(async () => {
    const { RedisLimitStore } = await import('./redis-store.js');
    return new RedisLimitStore({ target, apiUrl, token, now });
  });
}

/** A store made the first time it is used. */
class LoadedOnFirstUse implements LimitStore {
  private store: Promise<LimitStore> | undefined;

  constructor(private readonly load: () => Promise<LimitStore>) {}

  async apply(update: LimitUpdate, options?: ApplyOptions): Promise<TakeOutcome | undefined> {
    this.store ??= this.load();
    return (await this.store).apply(update, options);
  }

  async close(): Promise<void> {
    await (await this.store)?.close();
  }
}
