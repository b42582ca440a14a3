// The shared rate limit's arithmetic, pure: the configured limit as a true upper bound, HipChat's windows, sends
// in flight, leases, and what a store reads back.
import { describe, expect, it } from 'vitest';
import {
  ANSWER_MAX_MS,
  applyUpdate,
  createLimitState,
  exhaustedLimitState,
  HORIZON_MS,
  isLimitState,
  mergeWindows,
  observe,
  parseRateLimitHeaders,
  readLimitState,
  release,
  take,
  UNKNOWN_END_RECHECK_MS,
  type LimitState,
  type ServerWindows,
  type TakeResult,
} from '../../../../src/notifier/rate-limit/limits.js';
import type { Rate } from '../../../../src/util/rate.js';

const T0 = 1_700_000_000_000; // a multiple of 60 s
const ROOM = 'ops';
const PER_MINUTE_30: Rate = { count: 30, perMs: 60_000 };
const FAST: Rate = { count: 1000, perMs: 1000 };

function takeOne(state: LimitState, now: number, rate = PER_MINUTE_30, room = ROOM): TakeResult {
  return take(state, { room, rate }, now);
}

/** Takes one unit and, when granted, records its answer at once: a send as a sender makes it. */
function sendOne(state: LimitState, now: number, rate = PER_MINUTE_30, room = ROOM): TakeResult {
  const result = takeOne(state, now, rate, room);
  return result.waitMs > 0 ? result : { ...result, state: observe(result.state, room, {}, now) };
}

/**
 * Takes single units at `now` until one is refused (left in flight, or answered at once with `sendOne`): how many
 * were taken, and the state.
 */
function drain(
  state: LimitState,
  now: number,
  rate = PER_MINUTE_30,
  room = ROOM,
  step = takeOne,
): { taken: number; state: LimitState; refused: TakeResult } {
  let taken = 0;
  for (;;) {
    const result = step(state, now, rate, room);
    if (result.waitMs > 0) return { taken, state: result.state, refused: result };
    state = result.state;
    taken++;
  }
}

/** Every run of `rate.perMs` holds at most `rate.count` of the times: the runs that hold more. */
function beyondLimit(times: number[], rate: Rate): string[] {
  const sorted = [...times].sort((a, b) => a - b);
  const excess: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const inWindow = sorted.filter((time) => time >= sorted[i]! && time < sorted[i]! + rate.perMs).length;
    if (inWindow > rate.count) excess.push(`${inWindow} from ${sorted[i]! - T0} ms`);
  }
  return excess;
}

const window = (limit: number, remaining: number, resetAt: number) => ({ limit, remaining, resetAt });

describe('the configured limit', () => {
  it('allows a burst of its count, then nothing until the oldest grant leaves the period', () => {
    const { taken, state, refused } = drain(createLimitState(), T0);
    expect(taken).toBe(30);
    expect(refused).toMatchObject({ waitMs: 60_000, reason: 'local' });
    expect(takeOne(state, T0 + 59_999).waitMs).toBe(1);
    const next = takeOne(state, T0 + 60_000);
    expect(next.waitMs).toBe(0);
    expect(drain(state, T0 + 60_000).taken).toBe(30);
  });

  it('is an upper bound in every period: a sender waiting as told never has more than COUNT in any DURATION', () => {
    const rate: Rate = { count: 5, perMs: 1000 };
    let state = createLimitState();
    let now = T0;
    const times: number[] = [];
    while (times.length < 40) {
      const result = sendOne(state, now, rate);
      state = result.state;
      if (result.waitMs > 0) now += result.waitMs;
      else {
        times.push(now);
        // An irregular sender: sometimes at once, sometimes a little later.
        now += [0, 130, 0, 410, 7][times.length % 5]!;
      }
    }
    expect(beyondLimit(times, rate)).toEqual([]);
    // And not slower than needed: eight full periods for 40.
    expect(times.at(-1)! - T0).toBeLessThan(8 * rate.perMs);
  });

  it('still governs once HipChat shows its windows: the server can only make it stricter (issue 14 #19)', () => {
    const rate: Rate = { count: 2, perMs: 60_000 };
    let state = createLimitState();
    const roomy: ServerWindows = { flood: window(5, 5, T0 + 2000), ratelimit: window(100, 100, T0 + 300_000) };
    const times: number[] = [];
    for (let now = T0; now < T0 + 2300; now += 100) {
      const result = takeOne(state, now, rate);
      state = result.state;
      if (result.waitMs > 0) continue;
      times.push(now);
      state = observe(state, ROOM, roomy, now);
    }
    expect(times).toEqual([T0, T0 + 100]);
  });

  it('waiting exactly the announced time is always enough', () => {
    for (const rate of [
      { count: 3, perMs: 1000 },
      { count: 7, perMs: 60_000 },
      { count: 30, perMs: 60_000 },
    ]) {
      let state = createLimitState();
      let now = T0 + 0.1;
      for (let i = 0; i < 20; i++) {
        state = drain(state, now, rate, ROOM, sendOne).state;
        const refused = sendOne(state, now, rate);
        expect(refused.waitMs).toBeGreaterThan(0);
        now += refused.waitMs;
        const granted = sendOne(refused.state, now, rate);
        expect(granted.waitMs).toBe(0);
        state = granted.state;
        now += [1, 333.3, 17][i % 3]!;
      }
    }
  });

  it('a changed configuration counts the grants already made against its own limit', () => {
    const { state } = drain(createLimitState(), T0, { count: 1, perMs: 60_000 }, ROOM, sendOne);
    expect(takeOne(state, T0, { count: 2, perMs: 60_000 }).waitMs).toBe(0);
    expect(takeOne(state, T0 + 1000, { count: 1, perMs: 1000 }).waitMs).toBe(0);
  });

  it('each room has its own configured limit', () => {
    const { state } = drain(createLimitState(), T0);
    expect(takeOne(state, T0, PER_MINUTE_30, 'other room').waitMs).toBe(0);
  });

  it("a damaged state counts the room's limit as used up now, never as free", () => {
    const state = exhaustedLimitState(ROOM, PER_MINUTE_30, T0);
    expect(takeOne(state, T0)).toMatchObject({ waitMs: 60_000, reason: 'local' });
    expect(drain(state, T0 + 60_000).taken).toBe(30);
  });
});

describe('a unit counts until a period after its answer (a send that left late lands in a later server window)', () => {
  const TWO_PER_SECOND: Rate = { count: 2, perMs: 1000 };

  it('the whole burst answered late: the next burst waits a period from the answers, not from the takes', () => {
    const { state } = drain(createLimitState(), T0, TWO_PER_SECOND);
    const answered = observe(state, ROOM, {}, T0 + 900, 2);
    expect(takeOne(answered, T0 + 1000, TWO_PER_SECOND)).toMatchObject({ waitMs: 900, reason: 'local' });
    expect(drain(answered, T0 + 1900, TWO_PER_SECOND).taken).toBe(2);
  });

  it('an answer is the oldest send in flight: that one counts from its answer, the newer one from its take', () => {
    let state = takeOne(createLimitState(), T0, TWO_PER_SECOND).state;
    state = takeOne(state, T0 + 500, TWO_PER_SECOND).state;
    state = observe(state, ROOM, {}, T0 + 600, 1);
    // Counted from the take, the first unit would be free at T0 + 1000; from its answer, at T0 + 1500.
    expect(takeOne(state, T0 + 1000, TWO_PER_SECOND)).toMatchObject({ waitMs: 500, reason: 'local' });
  });

  it('a send answered more than a period after its take counts from its answer', () => {
    let state = takeOne(createLimitState(), T0, TWO_PER_SECOND).state;
    state = observe(state, ROOM, {}, T0 + 1500, 1);
    expect(drain(state, T0 + 1500, TWO_PER_SECOND).taken).toBe(1);
  });

  it('a unit still unanswered a period after its take keeps counting until its answer, then a period more', () => {
    const { state } = drain(createLimitState(), T0, TWO_PER_SECOND);
    // Neither sent nor answered yet (a sender starved of CPU): the earliest they could be free is a period after an
    // answer that came now.
    expect(takeOne(state, T0 + 1500, TWO_PER_SECOND)).toMatchObject({ waitMs: 1000, reason: 'local' });
    let answered = observe(state, ROOM, {}, T0 + 1600, 1);
    // The answered one is free a period after its answer, the other a period after an answer now at the earliest.
    expect(takeOne(answered, T0 + 1700, TWO_PER_SECOND)).toMatchObject({ waitMs: 900, reason: 'local' });
    answered = observe(answered, ROOM, {}, T0 + 1700, 1);
    expect(takeOne(answered, T0 + 2599, TWO_PER_SECOND)).toMatchObject({ waitMs: 1, reason: 'local' });
    expect(drain(answered, T0 + 2600, TWO_PER_SECOND).taken).toBe(1);
    expect(drain(answered, T0 + 2700, TWO_PER_SECOND).taken).toBe(2);
  });

  it('a unit with no answer ANSWER_MAX_MS after its take failed without one (its sender was killed): it counts no more', () => {
    const { state } = drain(createLimitState(), T0, TWO_PER_SECOND);
    expect(takeOne(state, T0 + ANSWER_MAX_MS - 1, TWO_PER_SECOND)).toMatchObject({ waitMs: 1, reason: 'local' });
    expect(drain(state, T0 + ANSWER_MAX_MS, TWO_PER_SECOND).taken).toBe(2);
  });

  it("a lease's units, which count from its end, are not moved earlier by their answers", () => {
    const leased = take(createLimitState(), { room: ROOM, rate: FAST, want: 10, holdMs: 100 }, T0);
    expect(leased).toMatchObject({ units: 10, until: T0 + 100 });
    const answered = observe(leased.state, ROOM, {}, T0 + 50, 10);
    expect(drain(answered, T0 + 1099, FAST).taken).toBe(990);
    expect(drain(answered, T0 + 1100, FAST).taken).toBe(1000);
  });
});

describe('leases', () => {
  it('takes up to the units wanted, never more than the rate allows in the hold time', () => {
    const state = createLimitState();
    expect(take(state, { room: ROOM, rate: FAST, want: 64, holdMs: 100 }, T0)).toMatchObject({
      waitMs: 0,
      units: 64,
      at: T0,
      until: T0 + 100,
    });
    expect(take(state, { room: ROOM, rate: FAST, want: 500, holdMs: 100 }, T0)).toMatchObject({ units: 100 });
    // 10 per 2 s allows 0.5 units in 100 ms: one at a time, sent at once.
    expect(take(state, { room: ROOM, rate: { count: 10, perMs: 2000 }, want: 64, holdMs: 100 }, T0)).toMatchObject({ units: 1, until: T0 });
  });

  it('takes at most a quarter of what a server window has left, so that other senders are not starved', () => {
    const state = observe(createLimitState(), ROOM, { flood: window(500, 40, T0 + 60_000) }, T0, 0);
    const taken = take(state, { room: ROOM, rate: FAST, want: 64, holdMs: 100 }, T0);
    expect(taken).toMatchObject({ units: 10 });
    expect(taken.state.rooms[0]!.flood?.remaining).toBe(30);
    const low = observe(createLimitState(), ROOM, { flood: window(500, 3, T0 + 60_000) }, T0, 0);
    expect(take(low, { room: ROOM, rate: FAST, want: 64, holdMs: 100 }, T0)).toMatchObject({ units: 1 });
  });

  it("a lease's units count at its end, so the limit holds however late in the lease they go out", () => {
    const rate: Rate = { count: 100, perMs: 1000 };
    const leased = take(createLimitState(), { room: ROOM, rate, want: 100, holdMs: 1000 }, T0);
    expect(leased).toMatchObject({ units: 100, until: T0 + 1000 });
    // All sent at the last moment (T0 + 1000) and answered at once: a unit one period after the lease began would be
    // the 101st in 1000 ms.
    const answered = observe(leased.state, ROOM, {}, T0 + 1000, 100);
    expect(takeOne(answered, T0 + 1500, rate)).toMatchObject({ waitMs: 500, reason: 'local' });
    expect(takeOne(answered, T0 + 2000, rate).waitMs).toBe(0);
  });

  it('units given back return to the limit and to the windows, never beyond them', () => {
    const rate: Rate = { count: 10, perMs: 1000 };
    let state = observe(createLimitState(), ROOM, { ratelimit: window(100, 100, T0 + 300_000) }, T0, 0);
    const leased = take(state, { room: ROOM, rate, want: 10, holdMs: 1000 }, T0);
    expect(leased).toMatchObject({ units: 10, until: T0 + 1000 });
    state = release(leased.state, ROOM, 6, T0 + 1000, T0 + 10);
    expect(state.token?.remaining).toBe(96);
    expect(state.rooms[0]).toMatchObject({ grants: [[T0 + 1000, 4]], inFlight: [[T0 + 1000, 4]] });
    expect(drain(state, T0 + 10, rate).taken).toBe(6);
    state = release(state, ROOM, 50, T0 + 1000, T0 + 10);
    expect(state.token?.remaining).toBe(100);
  });
});

describe("HipChat's windows", () => {
  it('blocks at remaining 0 until the reset, then allows the whole limit', () => {
    let state = observe(createLimitState(), ROOM, { flood: window(30, 0, T0 + 45_000) }, T0, 0);
    expect(takeOne(state, T0, FAST)).toMatchObject({ waitMs: 45_000, reason: 'flood' });
    state = observe(state, ROOM, {}, T0 + 45_000, 0);
    expect(drain(state, T0 + 45_000, FAST).taken).toBe(30);
  });

  it('counts our sends down between answers, and keeps the lower remaining of out-of-order answers', () => {
    let state = observe(createLimitState(), ROOM, { flood: window(30, 10, T0 + 60_000) }, T0, 0);
    state = drain(state, T0, FAST).state;
    expect(state.rooms[0]!.flood?.remaining).toBe(0);
    // A late answer saying more remain does not give them back.
    state = observe(state, ROOM, { flood: window(30, 5, T0 + 60_000) }, T0 + 10);
    expect(takeOne(state, T0 + 10, FAST).reason).toBe('flood');
  });

  it("one token's window is shared by every room it sends to; flood control is per room", () => {
    let state = observe(createLimitState(), ROOM, { ratelimit: window(100, 2, T0 + 300_000), flood: window(30, 30, T0 + 60_000) }, T0, 0);
    state = drain(state, T0, FAST, 'other room').state;
    expect(takeOne(state, T0, FAST)).toMatchObject({ waitMs: 300_000, reason: 'ratelimit' });
    expect(state.rooms.find((room) => room.room === ROOM)!.flood?.remaining).toBe(30);
  });

  it('counts sends still in flight against the next window when the reset passes (issue 14 #16)', () => {
    let state = observe(createLimitState(), ROOM, { flood: window(5, 5, T0 + 2000) }, T0, 0);
    // Five taken just before the reset; their answers have not come back when it passes.
    state = drain(state, T0 + 1990, FAST).state;
    const after = takeOne(state, T0 + 2000, FAST);
    expect(after).toMatchObject({ waitMs: UNKNOWN_END_RECHECK_MS, reason: 'flood' });
    // Two answers show the new window with 4 left: the three still in flight may not be in that count yet.
    state = observe(state, ROOM, { flood: window(5, 4, T0 + 4000) }, T0 + 2010, 2);
    expect(drain(state, T0 + 2010, FAST).taken).toBe(1);
  });

  it('counts sends still unanswered against a window first shown by an answer', () => {
    let state = drain(createLimitState(), T0, { count: 4, perMs: 1000 }).state;
    // One of the four answers shows the window: the other three are not in its count yet.
    state = observe(state, ROOM, { flood: window(10, 9, T0 + 60_000) }, T0 + 5);
    expect(state.rooms[0]!.flood?.remaining).toBe(6);
  });

  it('a used-up window whose end no answer has shown is looked at again soon, not after the configured period (issue 14 #18)', () => {
    let state = observe(createLimitState(), ROOM, { flood: window(3, 3, T0 + 10_000) }, T0, 0);
    state = observe(state, ROOM, {}, T0 + 10_000, 0);
    state = drain(state, T0 + 10_000, PER_MINUTE_30).state;
    const refused = takeOne(state, T0 + 10_000);
    expect(refused).toMatchObject({ waitMs: UNKNOWN_END_RECHECK_MS, reason: 'flood' });
    // The answers come and show the window's end.
    state = observe(refused.state, ROOM, { flood: window(3, 0, T0 + 20_000) }, T0 + 10_050, 3);
    expect(takeOne(state, T0 + 10_100)).toMatchObject({ waitMs: 9_900, reason: 'flood' });
  });

  it('follows a window that gets shorter at once: an answer with an earlier reset replaces the one tracked (issue 14 #17)', () => {
    let state = observe(createLimitState(), ROOM, { flood: window(30, 0, T0 + 60_000) }, T0, 0);
    expect(takeOne(state, T0, FAST).waitMs).toBe(60_000);
    state = observe(state, ROOM, { flood: window(5, 4, T0 + 2000) }, T0 + 100);
    expect(drain(state, T0 + 100, FAST).taken).toBe(4);
  });

  it('an answer about a window already over only makes its kind known', () => {
    const state = observe(createLimitState(), ROOM, { ratelimit: window(100, 0, T0 - 1000) }, T0);
    expect(state.token).toEqual({ limit: 100, remaining: 100, resetAt: null });
  });

  it('with both kinds, each must allow the send and the longest wait wins', () => {
    const state = observe(createLimitState(), ROOM, { ratelimit: window(100, 0, T0 + 90_000), flood: window(30, 0, T0 + 30_000) }, T0, 0);
    expect(takeOne(state, T0, FAST)).toMatchObject({ waitMs: 90_000, reason: 'ratelimit' });
  });

  it('never believes a reset beyond the horizon: it is not stored (issue 14 #12)', () => {
    const tenYears = T0 + 10 * 365 * 86_400_000;
    const state = observe(
      createLimitState(),
      ROOM,
      { ratelimit: window(100, 0, tenYears), flood: window(30, 0, T0 + HORIZON_MS + 1) },
      T0,
      0,
    );
    expect(state.token).toBeUndefined();
    expect(takeOne(state, T0, FAST).waitMs).toBe(0);
  });

  it('forgets a state written under a clock that has since stepped back a year (issue 14 #12)', () => {
    const yearAhead = T0 + 365 * 86_400_000;
    let state = observe(createLimitState(), ROOM, { ratelimit: window(100, 0, yearAhead - 1000) }, yearAhead - 60_000, 0);
    state = drain(state, yearAhead - 60_000 + 1, PER_MINUTE_30).state;
    expect(drain(state, T0).taken).toBe(30);
  });

  it('a steady stream against a 10-per-2 s window (limit 10/2 s configured too) sends exactly 10 per window', () => {
    const rate: Rate = { count: 10, perMs: 2000 };
    let state = createLimitState();
    const perWindow = new Map<number, number>();
    let now = T0;
    let sent = 0;
    while (sent < 60) {
      const result = takeOne(state, now, rate);
      state = result.state;
      if (result.waitMs > 0) {
        now += result.waitMs;
        continue;
      }
      sent++;
      const start = Math.floor(now / 2000) * 2000;
      perWindow.set(start, (perWindow.get(start) ?? 0) + 1);
      // The server's answer, 5 ms later.
      const used = perWindow.get(start)!;
      state = observe(state, ROOM, { flood: window(10, 10 - used, start + 2000) }, now + 5);
      now += 5;
    }
    expect([...perWindow.values()]).toEqual([10, 10, 10, 10, 10, 10]);
  });
});

describe('answers about one window: named by their reset as HipChat states it', () => {
  /** An answer of a HipChat whose clock reads `serverNow`, about the flood window that resets at `reset` (Unix seconds). */
  const answer = (remaining: number, reset: number, serverNow: number) => ({
    date: new Date(serverNow).toUTCString(),
    'x-floodcontrol-limit': '5',
    'x-floodcontrol-remaining': String(remaining),
    'x-floodcontrol-reset': String(reset),
  });
  // A runner 30 s ahead of HipChat: its reads of one window's end differ by the time between them.
  const AHEAD = 30_000;

  it('a late, older answer never raises what remains, though the ends computed from the two differ', () => {
    const reset = T0 / 1000 + 10;
    let state = createLimitState();
    for (let sent = 0; sent < 2; sent++) state = takeOne(state, T0 + AHEAD, FAST).state;
    // The answer to the second send comes first: the server counted both (3 of 5 left).
    const first = T0 + AHEAD + 120;
    state = observe(state, ROOM, parseRateLimitHeaders(answer(3, reset, T0), first), first);
    // The answer to the first send, 350 ms later: older, it says 4 are left.
    const second = first + 350;
    const older = parseRateLimitHeaders(answer(4, reset, T0), second);
    expect(older.flood!.resetAt).not.toBe(parseRateLimitHeaders(answer(3, reset, T0), first).flood!.resetAt);
    state = observe(state, ROOM, older, second);
    const { taken, refused } = drain(state, second, FAST);
    // Never more than the server said remains.
    expect(taken).toBeLessThanOrEqual(3);
    expect(refused.reason).toBe('flood');
  });

  it('keeps the latest end of the two: nobody waits less than one of its readers measured', () => {
    const reset = T0 / 1000 + 10;
    const early = T0 + AHEAD;
    let state = observe(createLimitState(), ROOM, parseRateLimitHeaders(answer(0, reset, T0), early + 400), early + 400, 0);
    state = observe(state, ROOM, parseRateLimitHeaders(answer(0, reset, T0), early), early, 0);
    expect(takeOne(state, early, FAST)).toMatchObject({ reason: 'flood', waitMs: 10_000 + 400 });
  });

  it('an answer about the window that has ended by our clock leaves the next window alone', () => {
    const reset = T0 / 1000 + 2;
    let state = observe(createLimitState(), ROOM, parseRateLimitHeaders(answer(5, reset, T0), T0 + AHEAD), T0 + AHEAD, 0);
    // The window ends; five are sent in the next one, and answered without rate-limit headers (a proxy's 502s).
    const next = T0 + AHEAD + 2100;
    state = observe(drain(state, next, FAST).state, ROOM, {}, next, 5);
    expect(takeOne(state, next, FAST).reason).toBe('flood');
    // An answer about the window that ended, 2.1 s late: read now, its old Date makes its end look ahead.
    const late = parseRateLimitHeaders(answer(3, reset, T0), next);
    expect(late.flood!.resetAt).toBeGreaterThan(next);
    state = observe(state, ROOM, late, next);
    expect(takeOne(state, next, FAST).reason).toBe('flood');
  });
});

describe('headers and stored states', () => {
  it('reads both windows, whatever the case of the names', () => {
    expect(
      parseRateLimitHeaders(
        {
          'X-RateLimit-Limit': '100',
          'x-ratelimit-remaining': '42',
          'X-RATELIMIT-RESET': '1700000300',
          'X-FloodControl-Limit': '30',
          'X-FloodControl-Remaining': '29',
          'X-FloodControl-Reset': '1700000060.5',
        },
        T0,
      ),
    ).toEqual({
      ratelimit: { ...window(100, 42, 1_700_000_300_000), reset: 1_700_000_300 },
      flood: { ...window(30, 29, 1_700_000_060_500), reset: 1_700_000_060.5 },
    });
  });

  it('leaves out windows with missing or malformed values, and resets of more than 12 digits', () => {
    const reset = { 'x-ratelimit-reset': '1700000300' };
    expect(parseRateLimitHeaders({}, T0)).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '100', ...reset }, T0)).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': 'many', 'x-ratelimit-remaining': '1', ...reset }, T0)).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '-1', ...reset }, T0)).toEqual({});
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '0', 'x-ratelimit-remaining': '0', ...reset }, T0)).toEqual({});
    expect(
      parseRateLimitHeaders({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '99999999999999999999' }, T0),
    ).toEqual({});
  });

  it("moves the resets into our clock when the server's Date shows its clock 30 s behind ours", () => {
    const serverNow = T0 - 30_000;
    const headers = {
      date: new Date(serverNow).toUTCString(),
      'x-floodcontrol-limit': '5',
      'x-floodcontrol-remaining': '0',
      'x-floodcontrol-reset': String((serverNow + 2000) / 1000),
    };
    const reset = (serverNow + 2000) / 1000;
    expect(parseRateLimitHeaders(headers, T0)).toEqual({ flood: { ...window(5, 0, T0 + 2000), reset } });
    // Within a second and a half the two clocks are taken to agree (Date has whole seconds only).
    expect(parseRateLimitHeaders({ ...headers, date: new Date(T0 - 1000).toUTCString() }, T0)).toEqual({
      flood: { ...window(5, 0, serverNow + 2000), reset },
    });
  });

  it("merges one sender's answers: the newer window, the lower remaining for the same one", () => {
    const a: ServerWindows = { flood: window(30, 10, T0 + 60_000), ratelimit: window(100, 50, T0 + 300_000) };
    expect(mergeWindows(a, { flood: window(30, 12, T0 + 60_000) })).toEqual({ ...a, flood: window(30, 10, T0 + 60_000) });
    expect(mergeWindows(a, { flood: window(5, 4, T0 + 2000) })).toEqual({ ...a, flood: window(5, 4, T0 + 2000) });
    // Named by the server's reset, two reads of one window are one, though their computed ends differ.
    const named = { flood: { ...window(30, 10, T0 + 60_000), reset: T0 / 1000 + 60 } };
    expect(mergeWindows(named, { flood: { ...window(30, 12, T0 + 60_300), reset: T0 / 1000 + 60 } })).toEqual({
      flood: { ...window(30, 10, T0 + 60_300), reset: T0 / 1000 + 60 },
    });
  });

  it('keeps its behaviour through a JSON round trip, and applies an update as its parts would', () => {
    let state = observe(createLimitState(), ROOM, { ratelimit: window(100, 50, T0 + 300_000) }, T0, 0);
    state = drain(state, T0, { count: 3, perMs: 1000 }).state;
    const revived = JSON.parse(JSON.stringify(state)) as unknown;
    expect(isLimitState(revived)).toBe(true);
    expect(takeOne(revived as LimitState, T0 + 10)).toEqual(takeOne(state, T0 + 10));
    const update = applyUpdate(
      state,
      {
        room: ROOM,
        rate: PER_MINUTE_30,
        released: [{ units: 1, until: T0 }],
        answers: { count: 2, windows: {} },
        take: { want: 1, holdMs: 0 },
      },
      T0 + 10,
    );
    expect(update.taken).toEqual(
      take(observe(release(state, ROOM, 1, T0, T0 + 10), ROOM, {}, T0 + 10, 2), { room: ROOM, rate: PER_MINUTE_30 }, T0 + 10),
    );
  });

  it('reads a state written by notifier 0.1 (version 2): its units in flight as taken at its last take', () => {
    const rate: Rate = { count: 3, perMs: 1000 };
    const old = { version: 2, rooms: [{ room: ROOM, grants: [[T0, 2]], periodMs: 1000, inFlight: 2, lastTakenAt: T0 }] };
    const state = readLimitState(JSON.parse(JSON.stringify(old)))!;
    expect(state.rooms[0]).toMatchObject({ grants: [[T0, 2]], inFlight: [[T0, 2]] });
    expect(drain(state, T0 + 10, rate).taken).toBe(1);
    expect(readLimitState({ version: 2, rooms: [{ room: ROOM }] })).toBeUndefined();
  });

  it('rejects damaged states', () => {
    const good = drain(createLimitState(), T0, { count: 2, perMs: 1000 }).state;
    expect(isLimitState(good)).toBe(true);
    for (const damaged of [
      null,
      [],
      {},
      { version: 1, rooms: [] },
      { version: 3 },
      { version: 3, rooms: [{ room: 'x' }] },
      { ...good, token: { limit: 0, remaining: 1, resetAt: null } },
    ]) {
      expect(isLimitState(damaged)).toBe(false);
    }
    const badGrant = JSON.parse(JSON.stringify(good)) as LimitState;
    badGrant.rooms[0]!.grants[0]![1] = -3;
    expect(isLimitState(badGrant)).toBe(false);
  });

  it('drops a room with nothing left to track', () => {
    const state = drain(createLimitState(), T0, { count: 2, perMs: 1000 }).state;
    const answered = observe(state, ROOM, {}, T0 + 10, 2);
    expect(applyUpdate(answered, { room: 'elsewhere', rate: FAST }, T0 + 60_000).state.rooms.map((room) => room.room)).toEqual(['ops']);
    expect(applyUpdate(answered, { room: 'elsewhere', rate: FAST }, T0 + 3_600_001).state.rooms).toEqual([]);
  });
});
