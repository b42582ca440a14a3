// The Redis store against a real redis-server: its Lua script follows limits.ts to the letter (the same
// updates through both give the same answers, on one clock), and its failures are explicit, bounded and never
// show the password.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@redis/client';
import { RateLimitStateError, RateLimitStoreUnavailableError } from '../../../../src/notifier/errors.js';
import { limitKey } from '../../../../src/notifier/rate-limit/key.js';
import {
  applyUpdate,
  createLimitState,
  type LimitState,
  type LimitUpdate,
  parseRateLimitHeaders,
  readLimitState,
  type ServerWindows,
} from '../../../../src/notifier/rate-limit/limits.js';
import { SharedRateLimiter } from '../../../../src/notifier/rate-limit/limiter.js';
import { RedisLimitStore } from '../../../../src/notifier/rate-limit/redis-store.js';
import { parseRedisUrl, type RedisTarget } from '../../../../src/util/redis-url.js';
import { freePort, startRedis, type RedisServer } from '../../../support/redis.js';

const T0 = 1_700_000_000_000;
const API_URL = 'https://hipchat.example.com';
const PASSWORD = 'Sup3r-Secret-PW-42';

let redis: RedisServer;
let locked: RedisServer;
beforeAll(async () => {
  [redis, locked] = await Promise.all([startRedis(), startRedis({ password: PASSWORD })]);
});
afterAll(async () => {
  await Promise.all([redis.close(), locked.close()]);
});

function target(url: string): RedisTarget {
  const parsed = parseRedisUrl(url);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
}

let tokens = 0;

/** A store on its own token (its own key), with the script run by the test's clock. */
function storeOn(clock: { time: number }, options: { url?: string; token?: string } = {}) {
  const token = options.token ?? `token-${++tokens}`;
  return new RedisLimitStore({
    target: target(options.url ?? redis.url),
    apiUrl: API_URL,
    token,
    now: () => clock.time,
    scriptClock: () => clock.time,
  });
}

/** A random source that repeats: the same updates on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A random update of the kinds senders make: takes, leases, answers with and without windows, units given back. */
function randomUpdate(random: () => number, now: number, grants: number[]): LimitUpdate {
  const room = random() < 0.7 ? 'ops' : 'Build Status';
  const rate = random() < 0.8 ? { count: 5, perMs: 2000 } : { count: 50, perMs: 1000 };
  const update: LimitUpdate = { room, rate };
  const pick = random();
  if (pick < 0.45) update.take = { want: random() < 0.3 ? 1 + Math.floor(random() * 16) : 1, holdMs: 100 };
  if (pick >= 0.45 && pick < 0.85) {
    // HipChat's fixed windows, named by their reset (Unix seconds); the end a reader computes from it is off by up
    // to a few hundred ms (its clock, Date's whole seconds), differently for every answer.
    const named = (reset: number) => ({ reset, resetAt: reset * 1000 + Math.floor(random() * 600) - 300 });
    const windows: ServerWindows = {};
    if (random() < 0.6) {
      const reset = (Math.floor(now / 2000) + Math.floor(random() * 2)) * 2 + (random() < 0.1 ? -2 : 2);
      windows.flood = { limit: 5, remaining: Math.floor(random() * 6), ...named(reset) };
    }
    if (random() < 0.4)
      windows.ratelimit = { limit: 100, remaining: Math.floor(random() * 101), ...named((Math.floor(now / 300_000) + 1) * 300) };
    if (random() < 0.05) windows.flood = { limit: 5, remaining: 0, resetAt: now + 10 * 365 * 86_400_000 };
    // Now and then a window without its name (a library caller's): its computed end is all there is.
    if (random() < 0.05)
      windows.flood = { limit: 5, remaining: Math.floor(random() * 6), resetAt: now + Math.floor(random() * 4000) - 500 };
    update.answers = { count: 1 + Math.floor(random() * 3), windows };
  }
  if (pick >= 0.85 && grants.length > 0) update.released = [{ units: 1, until: grants[Math.floor(random() * grants.length)]! }];
  return update;
}

describe('the Lua script follows limits.ts', () => {
  /**
   * Applies each update (made at its step's time) through limits.ts and through the script: the same answers.
   * `stored` is what the state held before, as read back from storage.
   */
  async function compare(
    steps: number,
    next: (now: number, grants: number[]) => { afterMs: number; update: LimitUpdate },
    stored?: unknown,
  ) {
    const clock = { time: T0 };
    const token = `token-${++tokens}`;
    const store = storeOn(clock, { token });
    let state: LimitState = createLimitState();
    if (stored !== undefined) {
      state = readLimitState(stored)!;
      const client = createClient({ url: redis.url });
      await client.connect();
      await client.set(`notifier:limits:v2:${limitKey(API_URL, token)}`, JSON.stringify(stored));
      await client.close();
    }
    const grants: number[] = [];
    try {
      for (let step = 0; step < steps; step++) {
        const { afterMs, update } = next(clock.time, grants);
        clock.time += afterMs;
        const local = applyUpdate(state, update, clock.time);
        state = local.state;
        const fromRedis = await store.apply(update);
        const expected = local.taken === undefined ? undefined : { ...local.taken, state: undefined };
        if (expected) delete (expected as { state?: unknown }).state;
        expect(fromRedis, `step ${step}: ${JSON.stringify(update)}`).toEqual(expected);
        if (fromRedis?.reason === undefined && fromRedis !== undefined) grants.push(fromRedis.until);
      }
    } finally {
      await store.close();
    }
  }

  it('gives the same answers to 400 random updates, on one clock', async () => {
    const random = seeded(42);
    await compare(400, (now, grants) => {
      const afterMs = Math.floor(random() * 400);
      return { afterMs, update: randomUpdate(random, now + afterMs, grants) };
    });
  });

  /** Runs fixed steps, [ms after the previous one, update], through compare. */
  const compareSteps = (steps: [number, LimitUpdate][], stored?: unknown) => {
    let index = 0;
    return compare(
      steps.length,
      () => {
        const [afterMs, update] = steps[index++]!;
        return { afterMs, update };
      },
      stored,
    );
  };

  it('and to units still unanswered a period after their take, answered one by one', async () => {
    const rate = { count: 2, perMs: 1000 };
    const takeOne: LimitUpdate = { room: 'ops', rate, take: { want: 1, holdMs: 0 } };
    const answerOne: LimitUpdate = { room: 'ops', rate, answers: { count: 1, windows: {} } };
    await compareSteps([
      [0, takeOne],
      [0, takeOne],
      [1500, takeOne],
      [100, answerOne],
      [100, takeOne],
      [0, answerOne],
      [899, takeOne],
      [1, takeOne],
      [100, takeOne],
    ]);
  });

  it('and to a state written by notifier 0.1 (version 2), read as limits.ts reads it', async () => {
    const rate = { count: 3, perMs: 1000 };
    const old = { version: 2, rooms: [{ room: 'ops', grants: [[T0, 2]], periodMs: 1000, inFlight: 2, lastTakenAt: T0 }] };
    const takeOne: LimitUpdate = { room: 'ops', rate, take: { want: 1, holdMs: 0 } };
    await compareSteps(
      [
        [10, takeOne],
        [0, takeOne],
        [1500, takeOne],
      ],
      old,
    );
  });

  it("and to answers about a window that has ended by the store's clock, read as if it had not", async () => {
    const rate = { count: 100, perMs: 1000 };
    const reset = T0 / 1000 + 2;
    const flood = (remaining: number, resetAt: number) => ({ flood: { limit: 5, remaining, resetAt, reset } });
    const takeOne: LimitUpdate = { room: 'ops', rate, take: { want: 1, holdMs: 0 } };
    const steps: [number, LimitUpdate][] = [
      [0, { room: 'ops', rate, answers: { count: 1, windows: flood(5, T0 + 2000) } }],
      // The window ends; five go in the next one, answered without rate-limit headers.
      [2100, takeOne],
      ...Array.from({ length: 4 }, (): [number, LimitUpdate] => [0, takeOne]),
      [0, { room: 'ops', rate, answers: { count: 5, windows: {} } }],
      [0, takeOne],
      // A late answer about the window that ended, its end computed 600 ms ahead.
      [0, { room: 'ops', rate, answers: { count: 1, windows: flood(3, T0 + 2100 + 600) } }],
      [0, takeOne],
    ];
    await compareSteps(steps);
  });

  it("two runners, clocks 400 ms apart, on Redis's own clock: a late, older answer about one window never raises what remains", async () => {
    const token = `token-${++tokens}`;
    const runner = (offsetMs: number) =>
      new RedisLimitStore({ target: target(redis.url), apiUrl: API_URL, token, now: () => Date.now() + offsetMs });
    const [a, b] = [runner(0), runner(400)];
    const rate = { count: 100, perMs: 1000 };
    try {
      // HipChat's window: 5 per minute, ending on the next whole minute but one.
      const reset = (Math.floor(Date.now() / 60_000) + 2) * 60;
      const answer = (remaining: number, readAt: number) =>
        parseRateLimitHeaders(
          { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(reset) },
          readAt,
        );
      await a.apply({ room: 'ops', rate, take: { want: 1, holdMs: 0 } });
      await b.apply({ room: 'ops', rate, take: { want: 1, holdMs: 0 } });
      // b's request reached HipChat first (4 left), a's second (3 left); a's answer is reported first.
      await a.apply({ room: 'ops', rate, answers: { count: 1, windows: answer(3, Date.now()) } });
      await b.apply({ room: 'ops', rate, answers: { count: 1, windows: answer(4, Date.now() + 400) } });
      let granted = 0;
      for (;;) {
        const outcome = await a.apply({ room: 'ops', rate, take: { want: 1, holdMs: 0 } });
        if (outcome?.reason !== undefined) {
          expect(outcome.reason).toBe('ratelimit');
          break;
        }
        granted++;
      }
      // Never more than the server said remains.
      expect(granted).toBeLessThanOrEqual(3);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keys the state by the HipChat and a hash of the token, and lets it expire', async () => {
    const clock = { time: Date.now() };
    const store = storeOn(clock, { token: 'a-secret-token' });
    await store.apply({ room: 'ops', rate: { count: 5, perMs: 60_000 }, take: { want: 1, holdMs: 0 } });
    await store.close();
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys = await client.keys('*');
      const key = `notifier:limits:v2:${limitKey(API_URL, 'a-secret-token')}`;
      expect(keys).toContain(key);
      expect(keys.join(' ')).not.toContain('a-secret-token');
      const ttl = await client.pTTL(key);
      // The grant counts for a minute: the state expires soon after.
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(61_000);
    } finally {
      await client.close();
    }
  });

  it('loads the script again after Redis lost it (a restart, SCRIPT FLUSH)', async () => {
    const clock = { time: Date.now() };
    const store = storeOn(clock);
    const take = { room: 'ops', rate: { count: 5, perMs: 60_000 }, take: { want: 1, holdMs: 0 } };
    expect(await store.apply(take)).toMatchObject({ units: 1 });
    const client = createClient({ url: redis.url });
    await client.connect();
    await client.scriptFlush();
    await client.close();
    expect(await store.apply(take)).toMatchObject({ units: 1 });
    await store.close();
  });
});

/** One take through a fresh store at `url`: what it throws (or undefined), and the store, to close. */
async function failedTake(url: string, options: { timeoutMs?: number } = {}): Promise<unknown> {
  const store = storeOn({ time: Date.now() }, { url });
  try {
    await store.apply({ room: 'ops', rate: { count: 1, perMs: 1000 }, take: { want: 1, holdMs: 0 } }, options);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await store.close();
  }
}

describe('failures: each update is one attempt; an outage is worth another, a refusal is final', () => {
  it('a Redis that is not there: unreachable, certainly not applied, naming scheme, host and port only', async () => {
    const port = await freePort();
    const error = await failedTake(`redis://:${PASSWORD}@127.0.0.1:${port}`);
    expect(error).toBeInstanceOf(RateLimitStoreUnavailableError);
    expect(error).toMatchObject({
      message: `rate-limit store redis://127.0.0.1:${port} is unreachable: connection refused`,
      store: `redis://127.0.0.1:${port}`,
      problem: 'connection refused',
      mayHaveApplied: false,
    });
  });

  it('a Redis whose replies stop coming: the attempt ends with the time the caller has left, and may have applied', async () => {
    // Between the store and the real Redis: every command goes through, replies only until `mute`. Muted once the
    // store is connected, so the script is certainly sent (and run) and only its reply is lost, however slow
    // the machine is.
    let muted = false;
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(redis.port, '127.0.0.1');
      sockets.add(client).add(upstream);
      client.pipe(upstream);
      upstream.on('data', (reply) => muted || client.write(reply));
      for (const end of [client, upstream]) end.on('error', () => {}).on('close', () => (client.destroy(), upstream.destroy()));
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.address() as net.AddressInfo;
    const clock = { time: Date.now() };
    const store = storeOn(clock, { url: `redis://127.0.0.1:${port}` });
    const take = { room: 'ops', rate: { count: 5, perMs: 60_000 }, take: { want: 1, holdMs: 0 } };
    try {
      expect(await store.apply(take)).toMatchObject({ units: 1 });
      muted = true;
      const error = await store.apply(take, { timeoutMs: 300 }).catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(RateLimitStoreUnavailableError);
      expect(error).toMatchObject({ problem: 'no answer within 0.3 s', mayHaveApplied: true });
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      relay.close();
    }
  });

  it('a wrong password: unreachable as far as the sender goes (tried again within --maxWait), certainly not applied, and the password is in no message', async () => {
    const error = await failedTake(`redis://:not-${PASSWORD}@127.0.0.1:${locked.port}`);
    expect(error).toBeInstanceOf(RateLimitStoreUnavailableError);
    expect(error).toMatchObject({ mayHaveApplied: false });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^rate-limit store redis://127\\.0\\.0\\.1:${locked.port} is unreachable: WRONGPASS .+ \\(check the password in the store's URL\\)$`,
      ),
    );
    expect(`${(error as Error).message} ${(error as Error).stack}`).not.toContain(PASSWORD);
  });

  it('no password where one is needed: the same, saying so', async () => {
    const error = await failedTake(`redis://127.0.0.1:${locked.port}`);
    expect(error).toBeInstanceOf(RateLimitStoreUnavailableError);
    expect(error).toMatchObject({ mayHaveApplied: false });
    expect((error as Error).message).toMatch(/^rate-limit store redis:\/\/127\.0\.0\.1:\d+ is unreachable: NOAUTH .+password/);
  });

  it('a user without the script permission, or without SELECT for its db: refused at once, saying which', async () => {
    const admin = createClient({ url: locked.url });
    await admin.connect();
    try {
      await admin.sendCommand(['ACL', 'SETUSER', 'noscript', 'on', '>noscript-pw', '~*', '+get', '+set', '+time']);
      await admin.sendCommand(['ACL', 'SETUSER', 'nodb', 'on', '>nodb-pw', '~*', '+@scripting', '-select']);
    } finally {
      await admin.close();
    }
    const noScript = await failedTake(`redis://noscript:noscript-pw@127.0.0.1:${locked.port}`);
    expect(noScript).toBeInstanceOf(RateLimitStateError);
    expect((noScript as Error).message).toMatch(/: NOPERM .*evalsha/i);
    const noSelect = await failedTake(`redis://nodb:nodb-pw@127.0.0.1:${locked.port}/3`);
    expect(noSelect).toBeInstanceOf(RateLimitStateError);
    expect((noSelect as Error).message).toMatch(/: NOPERM .*select/i);
  });

  it('a TLS certificate that cannot be verified (self-signed): refused at once, pointing to NODE_EXTRA_CA_CERTS', async () => {
    const tls = await startRedis({ tls: true });
    try {
      const error = await failedTake(tls.url);
      expect(error).toBeInstanceOf(RateLimitStateError);
      expect((error as Error).message).toBe(
        `Cannot verify the TLS certificate of the rate-limit store rediss://localhost:${tls.port}: it is self-signed ` +
          '(DEPTH_ZERO_SELF_SIGNED_CERT). Trust the CA that signed it (or the certificate itself) with NODE_EXTRA_CA_CERTS=FILE.',
      );
    } finally {
      await tls.close();
    }
  });

  it('an answer the script refuses is final', async () => {
    const store = storeOn({ time: Date.now() });
    const error = await store
      .apply({ room: 'ops', rate: { count: 1, perMs: 1000 }, take: { want: Number.NaN, holdMs: 0 } })
      .catch((caught: unknown) => caught);
    await store.close();
    expect(error).toBeInstanceOf(RateLimitStateError);
    expect((error as Error).message).toMatch(/^rate-limit store redis:\/\/127\.0\.0\.1:\d+: /);
  });
});

describe('the limiter on a Redis that goes away after the send', () => {
  it('reporting a delivered notification neither fails nor waits; what Redis did not get goes with the next change', async () => {
    const own = await startRedis();
    const token = `token-${++tokens}`;
    const limiterOn = () =>
      new SharedRateLimiter({
        store: new RedisLimitStore({ target: target(own.url), apiUrl: API_URL, token }),
        room: 'ops',
        rate: { count: 100, perMs: 1000 },
      });
    const sender = limiterOn();
    try {
      await sender.acquire();
      await own.stop();
      // HipChat's answer shows the token's window used up: others must know at once, but Redis is away.
      const reset = String(Math.floor(Date.now() / 1000) + 60);
      await sender.observe({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
      await own.restart();
      // Closing reports it (Redis lost its data on the restart: only this report tells).
      await sender.close();
      const other = limiterOn();
      const reasons: string[] = [];
      const refused = await other
        .acquire({
          onWait: (_, reason) => {
            reasons.push(reason);
            throw new Error('would wait');
          },
        })
        .catch((caught: unknown) => caught);
      await other.close();
      expect((refused as Error).message).toBe('would wait');
      expect(reasons).toEqual(['ratelimit']);
    } finally {
      await own.close();
    }
  });
});
