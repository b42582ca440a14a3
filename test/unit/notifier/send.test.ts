// NotificationSender's retry and --maxWait budget, with a fake clock: its waits are recorded instead of
// slept, against a real HipChat-compatible server and a real state folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HipChatError, RateLimitError } from '../../../src/notifier/errors.js';
import type { RoomNotification } from '../../../src/notifier/message.js';
import type { NotificationSender, NotifierTarget, SendOptions } from '../../../src/notifier/send.js';
import { startHipChatServer, type HipChatTestServer } from '../../support/hipchat-server.js';
import { clockedSender, fakeClock, type FakeClock } from '../../support/send-clock.js';

const T0 = 1_700_000_000_000;
const NOTE: RoomNotification = { message: 'hello', messageFormat: 'text', color: 'green', notify: false };

let stateDir: string;
let server: HipChatTestServer;
const senders: NotificationSender[] = [];
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'notifier-send-'));
  server = await startHipChatServer();
});
afterEach(async () => {
  for (const sender of senders.splice(0)) sender.close();
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
});

function sender(clock: FakeClock, options: Partial<SendOptions> = {}, target: Partial<NotifierTarget> = {}): NotificationSender {
  const created = clockedSender(clock, { apiUrl: server.url, stateDir }, options, target);
  senders.push(created);
  return created;
}

describe('NotificationSender', () => {
  it("waits for a 429's reset, then sends: one wait, for HipChat's window, of exactly the time left", async () => {
    const clock = fakeClock(T0);
    server.injectFaults({ kind: 'rateLimited', withHeaders: true });
    // The fault's windows end on the next whole second of the real clock; put the fake one there too.
    const started = (clock.time = Date.now());
    const result = await sender(clock).send(NOTE);
    const elapsed = Date.now() - started;
    expect(result.attempts).toBe(2);
    expect(server.delivered()).toHaveLength(1);
    expect(server.requests.map((request) => request.status)).toEqual([429, 204]);
    expect(clock.waits).toHaveLength(1);
    expect(clock.waits[0]!.reason).toBe('ratelimit');
    expect(clock.waits[0]!.ms).toBeGreaterThan(0);
    // At most one window, counted from the fake clock's start (the request may reach the server a little later).
    expect(clock.waits[0]!.ms).toBeLessThanOrEqual(1000 + elapsed);
    // The wait ends exactly on the window's reset (whole Unix seconds), no earlier and no later.
    expect(clock.time % 1000).toBe(0);
    expect(result.waitedMs).toBe(clock.waits[0]!.ms);
  });

  it('backs off after 5xx answers, doubling with jitter, and then succeeds', async () => {
    const clock = fakeClock(T0);
    server.injectFaults({ kind: 'status', status: 503 }, { kind: 'status', status: 502 });
    const result = await sender(clock).send(NOTE);
    expect(result).toEqual({ attempts: 3, waitedMs: 375 + 750 });
    expect(clock.waits).toEqual([
      { ms: 375, reason: 'retry' },
      { ms: 750, reason: 'retry' },
    ]);
    expect(server.requests.map((request) => request.status)).toEqual([503, 502, 204]);
  });

  it('gives up after --retries failures with the last answer and how many attempts it made', async () => {
    const clock = fakeClock(T0);
    server.injectFaults(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    const error = await sender(clock, { retries: 2 })
      .send(NOTE)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HipChatError);
    expect((error as HipChatError).message).toBe('HipChat answered 503 Service Unavailable (gave up after 3 attempts)');
    expect((error as HipChatError).retryable).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('stops before a wait that would go beyond --maxWait, counting every wait so far', async () => {
    const clock = fakeClock(T0);
    server.injectFaults(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    const error = await sender(clock, { maxWaitMs: 1000 })
      .send(NOTE)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    // 375 ms waited; the next backoff of 750 ms would make 1125 ms.
    expect((error as RateLimitError).retryAfterMs).toBe(750);
    expect((error as Error).message).toBe(
      'HipChat answered 503 Service Unavailable: the next attempt may go in 750 ms, beyond --maxWait 1.0 s; try again then',
    );
    expect(clock.slept).toEqual([375]);
    expect(server.requests).toHaveLength(2);
  });

  it("counts the limiter's waits against --maxWait too", async () => {
    const clock = fakeClock(T0);
    const slow = { rate: { count: 1, perMs: 60_000 } };
    await sender(clock, {}, slow).send(NOTE);
    const error = await sender(clock, { maxWaitMs: 30_000 }, slow)
      .send(NOTE)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toBe(
      'The configured rate limit is used up: the next attempt may go in 1 min, beyond --maxWait 30 s; try again then',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('gives the unit of a request that never left back to the shared limit', async () => {
    const clock = fakeClock(T0);
    const port = server.port;
    await server.close();
    const slow = { rate: { count: 1, perMs: 60_000 } };
    const error = await sender(clock, { retries: 0 }, slow)
      .send(NOTE)
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/^Cannot reach HipChat at 127\.0\.0\.1:\d+: connection refused \(gave up after 1 attempt\)$/);
    // HipChat is back: the one unit per minute is still there, so this sends without waiting.
    server = await startHipChatServer({ port });
    const result = await sender(clock, { maxWaitMs: 1 }, slow).send(NOTE);
    expect(result).toEqual({ attempts: 1, waitedMs: 0 });
    expect(clock.slept).toEqual([]);
  });
});
