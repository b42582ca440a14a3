import { describe, expect, it } from 'vitest';
import {
  createBucketState,
  isBucketState,
  observe,
  parseRateLimitHeaders,
  release,
  take,
  withRate,
  type BucketState,
  type ServerWindows,
} from '../../../../src/notifier/rate-limit/token-bucket.js';

const T0 = 1_700_000_000_000; // a multiple of 2000 ms
const PER_MINUTE_30 = { count: 30, perMs: 60_000 };

/** Takes as many units as allowed at `now`; returns how many and the state after. */
function drain(state: BucketState, now: number): { taken: number; state: BucketState } {
  let taken = 0;
  for (;;) {
    const result = take(state, now);
    state = result.state;
    if (result.waitMs > 0) return { taken, state };
    taken++;
  }
}

function window(limit: number, remaining: number, resetAt: number) {
  return { limit, remaining, resetAt };
}

describe('local token bucket', () => {
  it('allows a burst of its capacity, then one unit per refill interval', () => {
    const { taken, state } = drain(createBucketState(PER_MINUTE_30, T0), T0);
    expect(taken).toBe(30);
    const blocked = take(state, T0);
    expect(blocked).toMatchObject({ waitMs: 2000, reason: 'local' });
    // Not yet refilled a millisecond before.
    expect(take(state, T0 + 1999).waitMs).toBe(1);
    const next = take(state, T0 + 2000);
    expect(next.waitMs).toBe(0);
    expect(take(next.state, T0 + 2000)).toMatchObject({ waitMs: 2000, reason: 'local' });
    // Refill is continuous and capped at the capacity.
    expect(drain(state, T0 + 10_000).taken).toBe(5);
    expect(drain(state, T0 + 10 * 60_000).taken).toBe(30);
  });

  it('waiting exactly the announced time is always enough (no floating-point shortfall)', () => {
    let state = createBucketState({ count: 3, perMs: 1000 }, T0);
    let now = T0;
    for (let sent = 0; sent < 100;) {
      const result = take(state, now);
      state = result.state;
      if (result.waitMs === 0) {
        sent++;
        continue;
      }
      now += result.waitMs;
      const retry = take(state, now);
      expect(retry.waitMs).toBe(0);
      state = retry.state;
      sent++;
    }
    // 3 at once, then 97 at 3 per second.
    expect(now - T0).toBeLessThanOrEqual(Math.ceil((97 * 1000) / 3) + 1);
  });

  it('is used only while no server window is known', () => {
    let state = drain(createBucketState(PER_MINUTE_30, T0), T0).state;
    expect(take(state, T0).waitMs).toBeGreaterThan(0);
    // 29 answers without rate-limit headers, then one that shows room for more: the empty local bucket no
    // longer matters.
    for (let i = 0; i < 29; i++) state = observe(state, {}, T0);
    expect(take(state, T0).waitMs).toBeGreaterThan(0);
    state = observe(state, { flood: window(30, 5, T0 + 60_000) }, T0);
    const { taken } = drain(state, T0);
    expect(taken).toBe(5);
  });

  it('release gives a unit back, never beyond the capacity', () => {
    const full = createBucketState({ count: 2, perMs: 1000 }, T0);
    const empty = drain(full, T0).state;
    expect(drain(release(empty, T0), T0).taken).toBe(1);
    expect(drain(release(release(release(empty, T0), T0), T0), T0).taken).toBe(2);
    expect(drain(release(full, T0), T0).taken).toBe(2);
  });

  it('withRate switches to a new rate without granting a burst', () => {
    const empty = drain(createBucketState(PER_MINUTE_30, T0), T0).state;
    const faster = withRate(empty, { count: 60, perMs: 60_000 }, T0);
    expect(faster.local.rate).toEqual({ count: 60, perMs: 60_000 });
    expect(take(faster, T0)).toMatchObject({ waitMs: 1000, reason: 'local' });
    const slower = withRate(createBucketState(PER_MINUTE_30, T0), { count: 5, perMs: 60_000 }, T0);
    expect(drain(slower, T0).taken).toBe(5);
    expect(withRate(empty, { ...PER_MINUTE_30 }, T0)).toBe(empty);
  });
});

describe('server windows', () => {
  it('block at remaining 0 until the reset, then allow the whole limit', () => {
    let state = observe(createBucketState(PER_MINUTE_30, T0), { ratelimit: window(100, 3, T0 + 5000) }, T0);
    const first = drain(state, T0);
    expect(first.taken).toBe(3);
    state = first.state;
    expect(take(state, T0 + 1000)).toMatchObject({ waitMs: 4000, reason: 'ratelimit' });
    expect(take(state, T0 + 4999)).toMatchObject({ waitMs: 1, reason: 'ratelimit' });
    const afterReset = drain(state, T0 + 5000);
    expect(afterReset.taken).toBe(100);
    // The new window's end is unknown until an answer shows it.
    expect(afterReset.state.server.ratelimit).toMatchObject({ remaining: 0, resetAt: null, startedAt: T0 + 5000 });
  });

  it('counts sends made before the first answer of a new window against it', () => {
    let state = observe(createBucketState(PER_MINUTE_30, T0), { flood: window(10, 0, T0 + 2000) }, T0);
    state = drain(state, T0 + 2000).state;
    state = release(release(release(state, T0 + 2000), T0 + 2000), T0 + 2000); // 7 taken, none answered yet
    // The first answer of the new window: the server has seen only 4 of them so far.
    state = observe(state, { flood: window(10, 6, T0 + 4000) }, T0 + 2100);
    expect(state.server.flood).toEqual({ limit: 10, remaining: 3, resetAt: T0 + 4000 });
    // Another client used one more.
    state = observe(state, { flood: window(10, 2, T0 + 4000) }, T0 + 2100);
    expect(drain(state, T0 + 2100).taken).toBe(2);
  });

  it('counts sends still unanswered against a window first shown by an answer', () => {
    let state = createBucketState({ count: 10, perMs: 2000 }, T0);
    for (let i = 0; i < 5; i++) state = take(state, T0).state;
    // The first of 5 requests is answered; the other 4 may not be counted by the server yet.
    state = observe(state, { flood: window(10, 9, T0 + 2000) }, T0 + 100);
    expect(state.server.flood?.remaining).toBe(5);
    state = observe(state, { flood: window(10, 8, T0 + 2000) }, T0 + 100);
    expect(drain(state, T0 + 100).taken).toBe(5);
    // Sends whose answer never came stop counting once no answer can still come.
    state = createBucketState({ count: 10, perMs: 2000 }, T0);
    for (let i = 0; i < 5; i++) state = take(state, T0).state;
    state = observe(state, { flood: window(10, 9, T0 + 62_000) }, T0 + 60_001);
    expect(state.server.flood?.remaining).toBe(9);
  });

  it('never waits forever when no answer shows the new window', () => {
    let state = observe(createBucketState({ count: 10, perMs: 2000 }, T0), { flood: window(10, 0, T0 + 2000) }, T0);
    state = drain(state, T0 + 2000).state;
    // All 10 requests failed without headers: the configured period stands in for the unknown window.
    expect(take(state, T0 + 2500)).toMatchObject({ waitMs: 1500, reason: 'flood' });
    expect(drain(state, T0 + 4000).taken).toBe(10);
    // Also after a long silence: the window that holds now, not one per skipped period.
    const later = drain(state, T0 + 61_000);
    expect(later.taken).toBe(10);
    expect(take(later.state, T0 + 61_500)).toMatchObject({ waitMs: 500, reason: 'flood' });
  });

  it('keeps the lower remaining of out-of-order answers for one window; a later window replaces it', () => {
    const reset = T0 + 60_000;
    let state = createBucketState(PER_MINUTE_30, T0);
    state = observe(state, { flood: window(30, 25, reset) }, T0);
    state = observe(state, { flood: window(30, 27, reset) }, T0 + 10); // an older answer arriving late
    expect(state.server.flood).toEqual(window(30, 25, reset));
    state = observe(state, { flood: window(30, 24, reset) }, T0 + 20);
    expect(state.server.flood).toEqual(window(30, 24, reset));
    // A late answer about the previous window changes nothing.
    state = observe(state, { flood: window(30, 0, T0 - 1000) }, T0 + 30);
    state = observe(state, { flood: window(30, 1, T0 + 1000) }, T0 + 30);
    expect(state.server.flood).toEqual(window(30, 24, reset));
    state = observe(state, { flood: window(30, 29, reset + 60_000) }, reset + 5);
    expect(state.server.flood).toEqual(window(30, 29, reset + 60_000));
  });

  it('an answer about a window already over still makes its kind known', () => {
    const state = observe(createBucketState({ count: 1, perMs: 60_000 }, T0), { flood: window(5, 0, T0 - 1) }, T0);
    expect(drain(state, T0).taken).toBe(5);
  });

  it('with both kinds, each must allow the send and the longest wait wins', () => {
    let state = createBucketState(PER_MINUTE_30, T0);
    state = observe(state, { ratelimit: window(100, 2, T0 + 300_000), flood: window(30, 5, T0 + 60_000) }, T0);
    const first = drain(state, T0);
    expect(first.taken).toBe(2);
    expect(take(first.state, T0)).toMatchObject({ waitMs: 300_000, reason: 'ratelimit' });
    expect(first.state.server.flood?.remaining).toBe(3);

    state = observe(
      createBucketState(PER_MINUTE_30, T0),
      {
        ratelimit: window(100, 0, T0 + 10_000),
        flood: window(30, 0, T0 + 60_000),
      },
      T0,
    );
    expect(take(state, T0)).toMatchObject({ waitMs: 60_000, reason: 'flood' });
    // A blocked take consumes nothing.
    state = observe(state, { flood: window(30, 1, T0 + 120_000) }, T0 + 60_000);
    const afterBoth = drain(state, T0 + 60_000);
    expect(afterBoth.taken).toBe(1);
    expect(afterBoth.state.server.ratelimit?.remaining).toBe(99);
  });

  it('release gives one unit back to each known window, never beyond its limit', () => {
    let state = observe(
      createBucketState(PER_MINUTE_30, T0),
      {
        ratelimit: window(100, 100, T0 + 300_000),
        flood: window(30, 1, T0 + 60_000),
      },
      T0,
    );
    state = take(state, T0).state;
    state = release(state, T0);
    expect(state.server).toEqual({ ratelimit: window(100, 100, T0 + 300_000), flood: window(30, 1, T0 + 60_000) });
  });

  it('a steady stream against a 10-per-2 s server window sends exactly 10 per window', () => {
    // A fake server with fixed windows [k*2000, (k+1)*2000) that answers after a delay.
    const sentPerWindow = new Map<number, number>();
    const answer = (at: number): ServerWindows => {
      const index = Math.floor(at / 2000);
      const count = (sentPerWindow.get(index) ?? 0) + 1;
      sentPerWindow.set(index, count);
      return { flood: window(10, Math.max(0, 10 - count), (index + 1) * 2000) };
    };
    const latencyMs = 150;
    const pending: { at: number; windows: ServerWindows }[] = [];
    let state = createBucketState({ count: 10, perMs: 2000 }, T0);
    let now = T0;
    const end = T0 + 20 * 2000;
    while (now < end) {
      while (pending.length > 0 && pending[0]!.at <= now) state = observe(state, pending.shift()!.windows, now);
      const result = take(state, now);
      state = result.state;
      if (result.waitMs === 0) {
        pending.push({ at: now + latencyMs, windows: answer(now) });
        now += 20; // the stream wants one send every 20 ms, far more than allowed
      } else {
        now = Math.min(now + result.waitMs, pending[0]?.at ?? Infinity);
      }
    }
    const counts = [...sentPerWindow.entries()].sort(([a], [b]) => a - b).map(([, count]) => count);
    expect(counts).toEqual(Array.from({ length: 20 }, () => 10));
  });
});

describe('state', () => {
  it('keeps its behaviour through a JSON round trip', () => {
    let state = createBucketState(PER_MINUTE_30, T0);
    state = drain(state, T0).state;
    const localCopy = JSON.parse(JSON.stringify(state)) as unknown;
    expect(isBucketState(localCopy)).toBe(true);
    expect(take(localCopy as BucketState, T0 + 1000)).toEqual(take(state, T0 + 1000));

    state = observe(state, { flood: window(30, 0, T0 + 2000) }, T0);
    state = drain(state, T0 + 2000).state; // a window of unknown end
    const serverCopy = JSON.parse(JSON.stringify(state)) as BucketState;
    expect(isBucketState(serverCopy)).toBe(true);
    expect(serverCopy).toEqual(state);
    for (const now of [T0 + 2000, T0 + 30_000, T0 + 62_000]) {
      expect(drain(serverCopy, now)).toEqual(drain(state, now));
    }
  });

  it('isBucketState rejects damaged states', () => {
    const good = createBucketState(PER_MINUTE_30, T0);
    expect(isBucketState(good)).toBe(true);
    for (const bad of [
      null,
      [],
      '{}',
      {},
      { ...good, local: { ...good.local, rate: { count: 0, perMs: 1 } } },
      { ...good, local: { ...good.local, tokens: -1 } },
      { ...good, inFlight: undefined },
      { ...good, inFlight: { count: -1, lastSentAt: T0 } },
      { ...good, server: { other: window(1, 1, T0) } },
      { ...good, server: { flood: { limit: 1, remaining: 1, resetAt: null } } },
      { ...good, server: { flood: { limit: 1, remaining: 1, resetAt: '1' } } },
    ]) {
      expect(isBucketState(bad)).toBe(false);
    }
  });
});

describe('parseRateLimitHeaders', () => {
  it('reads both windows, whatever the case of the names', () => {
    expect(
      parseRateLimitHeaders({
        'X-Ratelimit-Limit': '100',
        'x-ratelimit-remaining': '99',
        'X-RATELIMIT-RESET': '1700000300',
        'X-FloodControl-Limit': ['30'],
        'X-FloodControl-Remaining': '0',
        'X-FloodControl-Reset': '1700000060.5',
        'content-type': 'application/json',
      }),
    ).toEqual({
      ratelimit: { limit: 100, remaining: 99, resetAt: 1_700_000_300_000 },
      flood: { limit: 30, remaining: 0, resetAt: 1_700_000_060_500 },
    });
  });

  it('leaves out windows with missing or malformed values', () => {
    const reset = { 'x-ratelimit-reset': '1700000300' };
    expect(parseRateLimitHeaders({})).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '100', ...reset })).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': 'many', 'x-ratelimit-remaining': '1', ...reset })).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '-1', ...reset })).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '0', 'x-ratelimit-remaining': '0', ...reset })).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '1.5', ...reset })).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': 'soon' })).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': undefined, ...reset })).toEqual({});
    // A remaining above the limit is capped.
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '50', ...reset })).toEqual({
      ratelimit: { limit: 10, remaining: 10, resetAt: 1_700_000_300_000 },
    });
  });
});
