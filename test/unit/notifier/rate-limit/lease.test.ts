// Leases: a fast sender takes several units per locked update of the shared state. The limit must stay exact
// (token-bucket envelope, server windows) and a slow limit must still go one unit at a time.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SharedRateLimiter } from '../../../../src/notifier/rate-limit/file-store.js';
import { createBucketState, isBucketState, observe, take, type BucketState } from '../../../../src/notifier/rate-limit/token-bucket.js';
import type { Rate } from '../../../../src/util/rate.js';

const T0 = 1_700_000_000_000; // a multiple of 2000 ms
const FAST = { count: 1000, perMs: 1000 };

/** Every interval of the send times holds at most capacity + what refills in it: the intervals that do not. */
function beyondBucket(sendTimes: number[], rate: Rate): string[] {
  const sorted = [...sendTimes].sort((a, b) => a - b);
  const excess: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) {
      const allowed = rate.count + Math.floor(((sorted[j]! - sorted[i]!) * rate.count) / rate.perMs);
      if (j - i + 1 > allowed) excess.push(`${j - i + 1} sends in ${sorted[j]! - sorted[i]!} ms`);
    }
  }
  return excess;
}

describe('take with a lease', () => {
  it('takes up to the units wanted, never more than the rate refills in the hold time', () => {
    const state = createBucketState(FAST, T0);
    expect(take(state, T0, 64, 100)).toMatchObject({ waitMs: 0, units: 64, until: T0 + 100 });
    expect(take(state, T0, 500, 100)).toMatchObject({ units: 100 });
    // 10 per 2 s refills 0.5 units in 100 ms: one at a time.
    expect(take(createBucketState({ count: 10, perMs: 2000 }, T0), T0, 64, 100)).toMatchObject({ units: 1 });
  });

  it('takes only what the bucket holds', () => {
    const state = take(createBucketState(FAST, T0), T0, 100, 100).state;
    expect(take(state, T0, 2000, 2000)).toMatchObject({ units: 900 });
  });

  it('never leases from a server window: its count governs every send', () => {
    const state = observe(createBucketState(FAST, T0), { flood: { limit: 500, remaining: 40, resetAt: T0 + 60_000 } }, T0);
    const taken = take(state, T0, 64, 100);
    expect(taken).toMatchObject({ units: 1 });
    expect(taken.state.server.flood?.remaining).toBe(39);
  });

  it('leased units take up room in the bucket until the lease ends, and free it only from then', () => {
    // Full bucket of 100; a lease of 50 leaves 50 with room for no more until it ends at +500 ms.
    const rate = { count: 100, perMs: 1000 };
    const leased = take(createBucketState(rate, T0), T0, 50, 500).state;
    expect(leased.local.tokens).toBe(50);
    expect(take(leased, T0 + 400, 1000, 1000)).toMatchObject({ units: 50 });
    // 50 ms after the end (+500 ms) 5 more have come, not the 50 that 550 ms of refill would give.
    expect(take(leased, T0 + 550, 1000, 1000)).toMatchObject({ units: 55 });
  });

  it('stays exact when a lease is sent at its last moment, after the others found the bucket refilled', () => {
    const rate = { count: 100, perMs: 1000 };
    const lease = take(createBucketState(rate, T0), T0, 50, 500);
    if (lease.reason !== undefined) throw new Error('no lease');
    let state = lease.state;
    const sendTimes: number[] = [];
    // A sends its 50 just before its lease ends; B, idle until +400 ms, then sends whatever the bucket holds.
    for (let now = T0 + 400; now <= T0 + 2000; now += 5) {
      if (now === lease.until - 5) sendTimes.push(...Array<number>(lease.units).fill(now));
      for (let result = take(state, now); result.reason === undefined; result = take(state, now)) {
        state = result.state;
        sendTimes.push(now);
      }
    }
    expect(beyondBucket(sendTimes, rate)).toEqual([]);
  });

  it('a sender leasing without a pause, below the rate, never waits: ended leases stop taking up room', () => {
    let state = createBucketState(FAST, T0);
    // 25 units every 50 ms (500 per second) for a minute, each lease overlapping the next.
    for (let now = T0; now < T0 + 60_000; now += 50) {
      const lease = take(state, now, 25, 100);
      expect(lease).toMatchObject({ waitMs: 0, units: 25 });
      state = lease.state;
    }
    expect(state.local.leases).toHaveLength(2);
  });

  it('a stored state with leases is read back; a damaged lease record is not', () => {
    const state = take(createBucketState(FAST, T0), T0, 64, 100).state;
    const copy = JSON.parse(JSON.stringify(state)) as BucketState;
    expect(isBucketState(copy)).toBe(true);
    expect(copy.local.leases).toEqual([{ count: 64, until: T0 + 100 }]);
    for (const leases of [null, { count: 1, until: T0 }, [{ count: 0, until: T0 }], [{ count: 1 }], [{ count: 1, until: 'soon' }]]) {
      expect(isBucketState({ ...copy, local: { ...copy.local, leases } })).toBe(false);
    }
  });
});

describe('SharedRateLimiter leases', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'notifier-lease-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const key = { apiUrl: 'https://hipchat.example.com', room: 'Build room', token: 'a token' };
  const limiter = (rate: Rate, now: () => number, sleep = async (_ms: number) => {}) =>
    new SharedRateLimiter({ stateDir: root, key, rate, now, sleep });

  /** Read synchronously, so that a flush queued for the next turn of the event loop has not run yet. */
  function stored(): BucketState {
    const folder = join(root, 'buckets');
    const [file] = readdirSync(folder).filter((name) => name.endsWith('.json'));
    return JSON.parse(readFileSync(join(folder, file!), 'utf8')) as BucketState;
  }

  it('a sender that uses its units up in time doubles its lease: one update per lease', async () => {
    const instance = limiter(FAST, () => T0);
    const takenAfter: number[] = [];
    for (let sent = 1; sent <= 31; sent++) {
      await instance.acquire();
      takenAfter.push(FAST.count - stored().local.tokens);
    }
    // Leases of 1, 2, 4, 8 and 16: the stored state changes only when one begins.
    expect(takenAfter.filter((taken, index) => taken !== takenAfter[index - 1])).toEqual([1, 3, 7, 15, 31]);
  });

  it('a sender that sends now and then takes one unit at a time, and so does any slow limit', async () => {
    let time = T0;
    const instance = limiter(FAST, () => time);
    for (let i = 0; i < 3; i++) {
      await instance.acquire();
      time += 1000;
    }
    expect(stored().local.leases).toBeUndefined();
    const slow = limiter({ count: 10, perMs: 2000 }, () => T0 + 10_000);
    for (let i = 0; i < 5; i++) await slow.acquire();
    expect(stored().local.tokens).toBe(5);
  });

  it('units left when a lease ends are not sent, and no longer count as in flight', async () => {
    let time = T0;
    const instance = limiter(FAST, () => time);
    for (let i = 0; i < 4; i++) await instance.acquire(); // leases of 1, 2 and 4: 3 of the last left
    expect(stored().inFlight.count).toBe(7);
    time += 200;
    await instance.acquire();
    // Only one unit asked for: the last lease showed that one was used.
    expect(stored().inFlight.count).toBe(7 - 3 + 1);
  });

  it('ends its lease when an answer shows a server window, and then waits for it', async () => {
    const instance = limiter(FAST, () => T0);
    for (let i = 0; i < 4; i++) await instance.acquire(); // leases of 1, 2 and 4: 3 of the last left
    await instance.observe({
      'X-FloodControl-Limit': '30',
      'X-FloodControl-Remaining': '0',
      'X-FloodControl-Reset': String((T0 + 1000) / 1000),
    });
    const waits: [number, string][] = [];
    const giveUp = (ms: number, reason: string) => {
      waits.push([ms, reason]);
      throw new Error('would wait');
    };
    await expect(instance.acquire({ onWait: giveUp })).rejects.toThrow('would wait');
    expect(waits).toEqual([[1000, 'flood']]);
    // The 3 units it will not send no longer count as in flight.
    expect(stored().inFlight.count).toBe(7 - 1 - 3);
  });

  it('two instances, one leasing, never send more than the bucket allows', async () => {
    const rate = { count: 200, perMs: 1000 };
    let time = T0;
    const clock = {
      now: () => time,
      sleep: async (ms: number) => {
        await new Promise((resolve) => setImmediate(resolve));
        time += ms;
      },
    };
    const sendTimes: number[] = [];
    const fast = limiter(rate, clock.now, clock.sleep);
    const steady = limiter(rate, clock.now, clock.sleep);
    await Promise.all([
      (async () => {
        for (let i = 0; i < 600; i++) {
          await fast.acquire();
          sendTimes.push(time);
          await fast.observe({});
        }
      })(),
      (async () => {
        for (let i = 0; i < 300; i++) {
          await steady.acquire();
          sendTimes.push(time);
          time += 1;
        }
      })(),
    ]);
    expect(sendTimes).toHaveLength(900);
    expect(beyondBucket(sendTimes, rate)).toEqual([]);
  });

  it('records answers without rate-limit headers with its next update, or soon after the last one', async () => {
    const instance = limiter({ count: 10, perMs: 2000 }, () => T0);
    await instance.acquire();
    await instance.acquire();
    await instance.observe({});
    expect(stored().inFlight.count).toBe(2);
    await vi.waitFor(() => expect(stored().inFlight.count).toBe(1));
  });
});
