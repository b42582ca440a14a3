// The shared rate limit under the hostile cases of issue 14 (#12, #16–#19 and the minor ones): many processes
// at once, a server whose windows change, resets that cannot be true, and limits that must hold whatever the
// server says. Each case runs the built CLI against a HipChat-compatible server that enforces its windows.
import { describe, expect, it, type TestContext } from 'vitest';
import type { RunResult, Sandbox } from '../support/cli.js';
import { startHipChatServer, type HipChatServerOptions, type HipChatTestServer } from '../support/hipchat-server.js';
import {
  checkSecretsAfterAll,
  deliveredMessages,
  failureReason,
  ndjsonBatch,
  scannedSandbox,
  SEND,
  writeConfig,
} from '../support/reliability.js';

checkSecretsAfterAll();

interface Setup {
  box: Sandbox;
  server: HipChatTestServer;
}

async function setUp(
  context: TestContext,
  serverOptions: HipChatServerOptions,
  rateLimit: string,
  others?: Parameters<typeof writeConfig>[3],
): Promise<Setup> {
  const server = await startHipChatServer(serverOptions);
  context.onTestFinished(() => server.close());
  const box = scannedSandbox(context.onTestFinished);
  writeConfig(box, server, rateLimit, others);
  return { box, server };
}

const expectAllSucceeded = (results: RunResult[]) =>
  expect(results.filter((result) => result.code !== 0).map((result) => result.stderr)).toEqual([]);

/** The most notifications the server accepted in one of its windows of `windowMs`. */
function mostPerWindow(server: HipChatTestServer, windowMs: number): number {
  const counts = new Map<number, number>();
  for (const request of server.delivered())
    counts.set(Math.floor(request.receivedAt / windowMs), (counts.get(Math.floor(request.receivedAt / windowMs)) ?? 0) + 1);
  return Math.max(...counts.values());
}

describe('many senders at the server’s own limit', () => {
  const perSecond = { limit: 10, windowMs: 1000 };

  it('issue 14 #16: 30 one-shot processes at once get every notification through with zero 429s', async (context) => {
    const { box, server } = await setUp(context, { tokenLimit: perSecond, floodLimit: perSecond }, '10/1s');
    const results = await Promise.all(Array.from({ length: 30 }, (_, index) => box.run([SEND, `one-shot ${index}`])));
    expectAllSucceeded(results);
    expect(server.count(429)).toBe(0);
    expect(server.delivered()).toHaveLength(30);
    expect(mostPerWindow(server, 1000)).toBeLessThanOrEqual(10);
  });

  it('issue 14 #16: 5 --ndjson batches started together get every line through with zero 429s', async (context) => {
    const { box, server } = await setUp(context, { tokenLimit: perSecond, floodLimit: perSecond }, '10/1s');
    const batches = Array.from({ length: 5 }, (_, index) => ndjsonBatch(6, `batch ${index}`));
    const results = await Promise.all(batches.map(({ input }) => box.run([SEND, '--ndjson'], { input })));
    expectAllSucceeded(results);
    expect(server.count(429)).toBe(0);
    expect(new Set(deliveredMessages(server))).toEqual(new Set(batches.flatMap(({ messages }) => messages)));
  });
});

describe('windows that change, and resets that cannot be true', () => {
  it('issue 14 #12: an answer with a reset 10 years ahead (or 20 digits) blocks nobody afterwards', async (context) => {
    const { box, server } = await setUp(context, {}, '100/1s');
    const tenYears = String(Math.floor(Date.now() / 1000) + 10 * 365 * 86_400);
    for (const reset of [tenYears, '99999999999999999999']) {
      const headers = { 'X-Ratelimit-Limit': '100', 'X-Ratelimit-Remaining': '0', 'X-Ratelimit-Reset': reset };
      server.injectFaults({ kind: 'status', status: 204, headers });
      expect((await box.run([SEND, `told to wait until ${reset}`])).code).toBe(0);
      const next = await box.run([SEND, '--maxWait=1s', 'right after']);
      expect(next.code, next.stderr).toBe(0);
    }
    // Every one answered 204: the two told to wait, and the two after them.
    expect(server.requests.map((request) => request.status)).toEqual([204, 204, 204, 204]);
  });

  it('issue 14 #17: a window that gets shorter (30/60 s → 5/2 s) is followed at once: zero 429s', async (context) => {
    const { box, server } = await setUp(context, { floodLimit: { limit: 30, windowMs: 60_000 } }, '100/1s');
    expect((await box.run([SEND, 'under the long window'])).code).toBe(0);
    server.setLimits({ floodLimit: { limit: 5, windowMs: 2000 } });
    const { input, messages } = ndjsonBatch(8, 'short window');
    const result = await box.run([SEND, '--ndjson'], { input });
    expect(result.code, result.stderr).toBe(0);
    expect(server.count(429)).toBe(0);
    expect(deliveredMessages(server).slice(1)).toEqual(messages);
  });

  it('issue 14 #18: a window of unknown end is looked at again soon, not after the configured 60 s', async (context) => {
    // 3 per 2 s at the server, 30 per minute configured: the window's end is known only from answers.
    const { box, server } = await setUp(context, { floodLimit: { limit: 3, windowMs: 2000 } }, '30/60s');
    // Within --maxWait 10 s: none waits the configured 60 s once an answer has shown the 2-s window. (Senders
    // that start together before any answer may each meet a 429 first: nobody knows the server's limit yet.)
    const results = await Promise.all(Array.from({ length: 7 }, (_, index) => box.run([SEND, '--maxWait=10s', `sender ${index}`])));
    expectAllSucceeded(results);
    expect(server.delivered()).toHaveLength(7);
    expect(mostPerWindow(server, 2000)).toBeLessThanOrEqual(3);
  });

  it('issue 14 #19: --rateLimit 2/60s is an upper bound, however much the server allows', async (context) => {
    const { box, server } = await setUp(context, { floodLimit: { limit: 5, windowMs: 2000 } }, '2/60s');
    const result = await box.run([SEND, '--ndjson', '--maxWait=1s'], { input: ndjsonBatch(5, 'bounded').input });
    expect(result.code).toBe(75);
    expect(result.stdout).toBe('sent 2, failed 0\n');
    // The configured minute, less the time the first two took (seconds on a loaded machine): not the server's 2 s.
    expect(failureReason(result.stderr, SEND)).toEqual([
      'Stopped at line 3; the lines after it were not sent.',
      expect.stringMatching(
        /^The configured rate limit is used up: the next attempt may go in (5\d|60) s, beyond --maxWait 1\.0 s; try again then$/,
      ),
    ]);
    expect(server.delivered()).toHaveLength(2);
  });
});

describe('what the limits are keyed on', () => {
  it("one token's window is shared by all its rooms", async (context) => {
    const { box, server } = await setUp(context, {}, '100/1s', { other: { roomName: 'another room' } });
    const reset = String(Math.floor(Date.now() / 1000) + 600);
    server.injectFaults({
      kind: 'status',
      status: 204,
      headers: { 'X-Ratelimit-Limit': '100', 'X-Ratelimit-Remaining': '0', 'X-Ratelimit-Reset': reset },
    });
    expect((await box.run([SEND, 'uses up the token'])).code).toBe(0);
    const other = await box.run([SEND, '--target=other', '--maxWait=1s', 'to another room']);
    expect(other.code).toBe(75);
    expect(failureReason(other.stderr, SEND)).toEqual([
      expect.stringMatching(
        /^HipChat's rate limit for this token is used up: the next attempt may go in \d+ min( \d+ s)?, beyond --maxWait 1\.0 s; try again then$/,
      ),
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it('127.0.0.1 and localhost are one HipChat: one configured limit', async (context) => {
    const { box, server } = await setUp(context, {}, '1/60s');
    writeConfig(box, server, '1/60s', { loopback: { apiUrl: server.url.replace('127.0.0.1', 'localhost') } });
    expect((await box.run([SEND, 'via 127.0.0.1'])).code).toBe(0);
    const again = await box.run([SEND, '--target=loopback', '--maxWait=1s', 'via localhost']);
    expect(again.code).toBe(75);
    expect(failureReason(again.stderr, SEND)).toEqual([expect.stringMatching(/^The configured rate limit is used up: /)]);
    expect(server.requests).toHaveLength(1);
  });
});
