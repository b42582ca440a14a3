// HipChat's two limits: flood control per room and the rate limit per token. Both are fixed windows aligned
// on multiples of the window length since the epoch, so that the Reset header is a whole Unix second and
// every client computes the same window.
import { parseRate } from '../util/rate.js';
import { durationText, quote } from './duration.js';
import { LocalHipChatOptionError } from './errors.js';

export interface WindowLimit {
  /** Requests allowed per window (0 refuses everything). */
  limit: number;
  /** Window length in milliseconds, a positive multiple of 1000. */
  windowMs: number;
}

/** HipChat Cloud: 30 messages or notifications per minute per room. */
export const DEFAULT_FLOOD_LIMIT: Readonly<WindowLimit> = Object.freeze({ limit: 30, windowMs: 60_000 });
/** HipChat Cloud: 500 requests per 5 minutes per token. */
export const DEFAULT_TOKEN_LIMIT: Readonly<WindowLimit> = Object.freeze({ limit: 500, windowMs: 300_000 });

const MAX_COUNT = 1_000_000_000;
const MAX_WINDOW_MS = 86_400_000;

/** Throws a one-line LocalHipChatOptionError unless `limit` is a usable window (undefined/null: no limit). */
export function checkLimit(name: string, limit: WindowLimit | null | undefined): void {
  if (limit === undefined || limit === null) return;
  if (!Number.isInteger(limit.limit) || limit.limit < 0 || limit.limit > MAX_COUNT) {
    throw new LocalHipChatOptionError(`${name}.limit must be an integer from 0 to ${MAX_COUNT}`);
  }
  if (!Number.isInteger(limit.windowMs) || limit.windowMs <= 0 || limit.windowMs % 1000 !== 0 || limit.windowMs > MAX_WINDOW_MS) {
    throw new LocalHipChatOptionError(`${name}.windowMs must be a positive multiple of 1000, at most 24 hours`);
  }
}

/**
 * Parses `COUNT/DURATION` (`30/60s`, `500/5m`, `100/300` in seconds) for `--floodLimit`/`--tokenLimit`,
 * with notifier's one rate parser (util/rate.ts, as `--rateLimit` reads it: COUNT from 1); HipChat's
 * windows add whole seconds, at most 24 hours. `off` (or `none`) gives null: no limit. Throws
 * LocalHipChatOptionError with a one-line message.
 */
export function parseLimit(text: string, label = 'limit'): WindowLimit | null {
  if (/^\s*(off|none)\s*$/i.test(text)) return null;
  const rate = parseRate(text);
  if (rate === undefined) {
    throw new LocalHipChatOptionError(`Invalid ${label} ${quote(text)}: expected COUNT/DURATION such as 30/60s or 500/5m, or off`);
  }
  if (rate.count > MAX_COUNT) throw new LocalHipChatOptionError(`Invalid ${label} ${quote(text)}: at most ${MAX_COUNT} per window`);
  if (rate.perMs % 1000 !== 0 || rate.perMs > MAX_WINDOW_MS) {
    throw new LocalHipChatOptionError(`Invalid ${label} ${quote(text)}: the window must be a whole number of seconds, from 1s to 24h`);
  }
  return { limit: rate.count, windowMs: rate.perMs };
}

/** `30/60s`, `500/5m` or `off`; round-trips through parseLimit. */
export function formatLimit(limit: WindowLimit | null | undefined): string {
  if (!limit) return 'off';
  // One minute reads better as 60s (HipChat's docs say "30 per 60 seconds"); longer whole minutes as 5m.
  const duration = limit.windowMs <= 60_000 ? `${limit.windowMs / 1000}s` : durationText(limit.windowMs);
  return `${limit.limit}/${duration}`;
}

export interface WindowState {
  limit: number;
  remaining: number;
  /** Unix time in seconds when the window refills. */
  reset: number;
}

export function windowStart(limit: WindowLimit, now: number): number {
  return Math.floor(now / limit.windowMs) * limit.windowMs;
}

export function windowHeaders(prefix: string, state: WindowState): Record<string, string> {
  return {
    [`${prefix}-Limit`]: String(state.limit),
    [`${prefix}-Remaining`]: String(state.remaining),
    [`${prefix}-Reset`]: String(state.reset),
  };
}

/** Counts per key (a token, a room) in the current fixed window; keys of past windows are pruned. */
export class WindowCounter {
  private readonly counts = new Map<string, { start: number; used: number }>();
  private pruneAt = 10_000;

  constructor(readonly limit: WindowLimit) {}

  private used(key: string, now: number): number {
    const entry = this.counts.get(key);
    return entry !== undefined && entry.start === windowStart(this.limit, now) ? entry.used : 0;
  }

  full(key: string, now: number): boolean {
    return this.used(key, now) >= this.limit.limit;
  }

  consume(key: string, now: number): void {
    const start = windowStart(this.limit, now);
    const entry = this.counts.get(key);
    if (entry !== undefined && entry.start === start) {
      entry.used += 1;
      return;
    }
    this.counts.set(key, { start, used: 1 });
    // Bounded memory whatever the number of keys: entries of ended windows are worth nothing.
    if (this.counts.size > this.pruneAt) {
      for (const [k, e] of this.counts) if (e.start !== start) this.counts.delete(k);
      this.pruneAt = Math.max(10_000, this.counts.size * 2);
    }
  }

  /** Looks without creating an entry, so unknown tokens or rooms cost no memory. */
  state(key: string, now: number): WindowState {
    return {
      limit: this.limit.limit,
      remaining: Math.max(0, this.limit.limit - this.used(key, now)),
      reset: (windowStart(this.limit, now) + this.limit.windowMs) / 1000,
    };
  }

  headers(prefix: string, key: string, now: number): Record<string, string> {
    return windowHeaders(prefix, this.state(key, now));
  }
}
