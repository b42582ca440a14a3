// A sender whose rate-limit store (Redis) does not answer: the store is tried again within the notification's
// one --maxWait budget, as one wait told once (naming host and port, never the password), and the send then fails
// as temporary. A fake clock moves only when the sender waits; Redis and HipChat are real.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitStoreUnavailableError } from '../../../src/notifier/errors.js';
import type { RoomNotification } from '../../../src/notifier/message.js';
import type { NotifierTarget, SendOptions } from '../../../src/notifier/send.js';
import { startHipChatServer, type HipChatTestServer } from '../../support/hipchat-server.js';
import { clockedSender, fakeClock, type FakeClock } from '../../support/send-clock.js';
import { freePort, startRedis, type RedisServer } from '../../support/redis.js';

const NOTE: RoomNotification = { message: 'hello', messageFormat: 'text', color: 'green', notify: false };
const PASSWORD = 'Send-Store-Secret-9';

let stateDir: string;
let server: HipChatTestServer;
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
});
afterAll(async () => {
  await redis.close();
});
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'notifier-send-store-'));
  server = await startHipChatServer();
});
afterEach(async () => {
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function send(clock: FakeClock, options: Partial<SendOptions>, target: Partial<NotifierTarget>) {
  const sender = clockedSender(clock, { apiUrl: server.url, stateDir }, options, target);
  try {
    return await sender.send(NOTE);
  } finally {
    await sender.close();
  }
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('a rate-limit store that does not answer', () => {
  it('is tried again within --maxWait as one wait, told once with the host and port only, then the send fails as temporary', async () => {
    const port = await freePort();
    const clock = fakeClock(Date.now());
    const error = await send(clock, { maxWaitMs: 20_000 }, { rateLimitStore: `redis://:${PASSWORD}@127.0.0.1:${port}` }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RateLimitStoreUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^rate-limit store redis://127\\.0\\.0\\.1:${port} is unreachable: connection refused \\((\\d+) attempts in 20 s\\)$`),
    );
    expect(clock.waits).toEqual([
      { ms: expect.closeTo(20_000, -3), reason: 'store', about: `redis://127.0.0.1:${port} (connection refused)` },
    ]);
    // Every pause came out of the one budget, the first of them short.
    expect(sum(clock.slept)).toBeLessThanOrEqual(20_000);
    expect(clock.slept[0]).toBe(75);
    expect(JSON.stringify({ error: String(error), waits: clock.waits })).not.toContain(PASSWORD);
    expect(server.requests).toEqual([]);
  });

  it("shares the budget with the limiter's waits: Redis gone during a wait for the configured rate", async () => {
    const rate = { count: 1, perMs: 2000 };
    const target = { rate, rateLimitStore: redis.url };
    await send(fakeClock(Date.now()), {}, target);
    let stopped = false;
    const clock = fakeClock(Date.now(), async () => {
      if (stopped) return;
      stopped = true;
      await redis.stop();
    });
    try {
      const error = await send(clock, { maxWaitMs: 3000 }, target).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RateLimitStoreUnavailableError);
      // The configured rate took 2 s of the 3 s: the store had what was left.
      expect(clock.waits.map(({ reason }) => reason)).toEqual(['local', 'store']);
      expect(clock.waits[1]!.ms).toBeLessThanOrEqual(3000 - clock.waits[0]!.ms);
      expect((error as Error).message).toMatch(/is unreachable: connection refused \(\d+ attempts in 1\.\d s\)$/);
      expect(sum(clock.slept)).toBeLessThanOrEqual(3000);
      expect(server.requests).toHaveLength(1);
    } finally {
      await redis.restart();
    }
  });

  it('a store back within the wait: the notification goes, and the wait was told once', async () => {
    const port = redis.port;
    await redis.stop();
    let pauses = 0;
    const clock = fakeClock(Date.now(), async () => {
      if (++pauses === 3) await redis.restart();
    });
    const result = await send(clock, { maxWaitMs: 60_000 }, { rateLimitStore: redis.url });
    expect(result.attempts).toBe(1);
    expect(clock.waits).toEqual([
      { ms: expect.closeTo(60_000, -3), reason: 'store', about: `redis://127.0.0.1:${port} (connection refused)` },
    ]);
    // Its pauses (and its failed attempts) counted as waiting.
    expect(result.waitedMs).toBeGreaterThanOrEqual(sum(clock.slept));
    expect(clock.slept).toEqual([75, 150, 300]);
    expect(server.delivered()).toHaveLength(1);
  });
});
