// Many runners, one limit (issue 12): simulated machines (each its own HOME and state folder, one of them with
// its clock 30 s ahead under faketime) share one token's rate limit through a real redis-server, against a
// HipChat-compatible server that enforces 5 per 2 s. And what happens when Redis is down or refuses the password
// (waited for within --maxWait, saying so, then exit 75) or refuses us otherwise (a certificate it cannot verify:
// exit 1 at once).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { RunOptions, RunResult, Sandbox } from '../support/cli.js';
import { startHipChatServer, type HipChatTestServer } from '../support/hipchat-server.js';
import { REDIS_TLS_CERT, startRedis, type RedisServer } from '../support/redis.js';
import {
  checkSecretsAfterAll,
  deliveredMessages,
  failureReason,
  ndjsonBatch,
  scannedSandbox,
  SEND,
  startCli,
  writeConfig,
} from '../support/reliability.js';
import { waitFor } from '../support/wait.js';

checkSecretsAfterAll();

const PASSWORD = 'Fleet-Redis-Secret-7';
const FIVE_PER_TWO_SECONDS = { limit: 5, windowMs: 2000 };
/** The clock of machine C: 30 s ahead of the others (and of Redis, and of HipChat). */
const AHEAD: RunOptions = { under: ['faketime', '-f', '+30s'] };

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
});
afterAll(async () => {
  await redis.close();
});

interface Fleet {
  server: HipChatTestServer;
  machines: Sandbox[];
}

/** A HipChat at 5 per 2 s, and `count` machines configured for it with the same token, at its limit, on Redis. */
async function fleet(context: TestContext, count: number, store = redis.url, serverOptions = {}): Promise<Fleet> {
  const server = await startHipChatServer({ tokenLimit: FIVE_PER_TWO_SECONDS, floodLimit: FIVE_PER_TWO_SECONDS, ...serverOptions });
  context.onTestFinished(() => server.close());
  const machines = Array.from({ length: count }, () => scannedSandbox(context.onTestFinished));
  for (const machine of machines) writeConfig(machine, server, '5/2s', {}, store);
  return { server, machines };
}

function mostPerWindow(server: HipChatTestServer, windowMs: number): number {
  const counts = new Map<number, number>();
  for (const request of server.delivered())
    counts.set(Math.floor(request.receivedAt / windowMs), (counts.get(Math.floor(request.receivedAt / windowMs)) ?? 0) + 1);
  return Math.max(...counts.values());
}

const failed = (results: RunResult[]) => results.filter((result) => result.code !== 0).map((result) => result.stderr);

describe('three machines, one token', () => {
  // 10 senders on each machine and a batch of 3 (issue 12): 33 notifications through 5 per 2 s, at least 11.2 s.
  const SENDERS = 10;
  it('10 senders on each (one machine 30 s ahead) and a batch: every notification delivered, zero 429s', async (context) => {
    const { server, machines } = await fleet(context, 3);
    const batch = ndjsonBatch(3, 'batch');
    // The last to go waits its turn for at least 11 s, longer on a loaded machine: more than a run's usual 30 s.
    const patient = { timeoutMs: 80_000 };
    const runs = machines.flatMap((machine, index) =>
      Array.from({ length: SENDERS }, (_, sender) =>
        machine.run([SEND, `machine ${index} sender ${sender}`], index === 2 ? { ...AHEAD, ...patient } : patient),
      ),
    );
    runs.push(machines[0]!.run([SEND, '--ndjson'], { input: batch.input, ...patient }));
    const results = await Promise.all(runs);
    expect(failed(results)).toEqual([]);
    expect(server.count(429)).toBe(0);
    expect(server.delivered()).toHaveLength(3 * SENDERS + 3);
    expect(new Set(deliveredMessages(server))).toEqual(
      new Set([
        ...machines.flatMap((_, index) => Array.from({ length: SENDERS }, (__, sender) => `machine ${index} sender ${sender}`)),
        ...batch.messages,
      ]),
    );
    expect(mostPerWindow(server, 2000)).toBeLessThanOrEqual(5);
    // Nothing of the limit on the machines themselves: it is all in Redis.
    for (const machine of machines) expect(existsSync(`${machine.stateDir}/limits`)).toBe(false);
  }, 100_000);

  it("HipChat's answer on one machine blocks the others: its window is shared", async (context) => {
    const { server, machines } = await fleet(context, 2, redis.url, { tokenLimit: undefined, floodLimit: undefined });
    const reset = String(Math.floor(Date.now() / 1000) + 600);
    server.injectFaults({
      kind: 'status',
      status: 204,
      headers: { 'X-Ratelimit-Limit': '100', 'X-Ratelimit-Remaining': '0', 'X-Ratelimit-Reset': reset },
    });
    expect((await machines[0]!.run([SEND, 'uses the token up'])).code).toBe(0);
    const other = await machines[1]!.run([SEND, '--maxWait=1s', 'from another machine']);
    expect(other.code).toBe(75);
    expect(failureReason(other.stderr, SEND)).toEqual([
      expect.stringMatching(
        /^HipChat's rate limit for this token is used up: the next attempt may go in \d+ min( \d+ s)?, beyond --maxWait 1\.0 s; try again then$/,
      ),
    ]);
    expect(server.requests).toHaveLength(1);
  });
});

describe('when Redis fails', () => {
  it('Redis stopped before a send: exit 75 saying so, and nothing sent', async (context) => {
    const own = await startRedis();
    context.onTestFinished(() => own.close());
    const { server, machines } = await fleet(context, 1, own.url);
    await own.stop();
    const result = await machines[0]!.run([SEND, '--maxWait=1s', 'never sent']);
    expect(result.code).toBe(75);
    // --maxWait 1 s: too short a wait for a line of its own. How many attempts fit in it depends on the machine's
    // load (one, on a runner starved long enough), and so does the time it took.
    expect(failureReason(result.stderr, SEND)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^rate-limit store redis://127\\.0\\.0\\.1:${own.port} is unreachable: connection refused \\(\\d+ attempts? in \\d+(\\.\\d)? s\\)$`,
        ),
      ),
    ]);
    expect(server.requests).toEqual([]);
  });

  it('Redis away when a send starts, back a moment later: one line says what it waits for, then the notification goes', async (context) => {
    const own = await startRedis({ password: PASSWORD });
    context.onTestFinished(() => own.close());
    const { server, machines } = await fleet(context, 1, own.url, { tokenLimit: undefined, floodLimit: undefined });
    await own.stop();
    const { child, result } = startCli(machines[0]!, [SEND, '--maxWait=2m', 'after the outage']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(
      () => stderr.includes('\n'),
      () => `the wait line (stderr so far: ${JSON.stringify(stderr)})`,
    );
    await own.restart();
    const sent = await result;
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toMatch(
      new RegExp(
        `^Waiting up to (2 min|1 min \\d+ s) for the rate-limit store redis://127\\.0\\.0\\.1:${own.port} \\(connection refused\\); ` +
          'giving up at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n',
      ),
    );
    expect(sent.stderr).not.toContain(PASSWORD);
    expect(deliveredMessages(server)).toEqual(['after the outage']);
  });

  it('Redis stopped mid-batch: the batch stops with 75; rerun with the lines not sent, nothing goes twice', async (context) => {
    const own = await startRedis();
    context.onTestFinished(() => own.close());
    const { server, machines } = await fleet(context, 1, own.url, { tokenLimit: undefined, floodLimit: undefined });
    writeConfig(machines[0]!, server, '4/1s', {}, own.url);
    const batch = ndjsonBatch(12, 'batch');
    const running = machines[0]!.run([SEND, '--ndjson', '--maxWait=1s'], { input: batch.input });
    await waitFor(
      () => server.delivered().length >= 3,
      () => 'three delivered',
    );
    await own.stop();
    const stopped = await running;
    expect(stopped.code).toBe(75);
    const sent = Number(/^sent (\d+), failed 0$/m.exec(stopped.stdout)?.[1]);
    const line = Number(/^Stopped at line (\d+); the lines after it were not sent\.$/m.exec(stopped.stderr)?.[1]);
    expect(line).toBe(sent + 1);
    expect(stopped.stderr).toMatch(new RegExp(`rate-limit store redis://127\\.0\\.0\\.1:${own.port} is unreachable: `));
    expect(deliveredMessages(server)).toEqual(batch.messages.slice(0, sent));

    await own.restart();
    const rest = batch.input
      .split('\n')
      .slice(line - 1)
      .join('\n');
    const rerun = await machines[0]!.run([SEND, '--ndjson'], { input: rest });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(deliveredMessages(server)).toEqual(batch.messages);
  });

  it('a wrong password: as Redis away, exit 75 after --maxWait saying why, nothing sent, and the password in no output', async (context) => {
    const { server, machines } = await fleet(context, 1, `redis://:wrong-${PASSWORD}@127.0.0.1:${redis.port}`);
    const result = await machines[0]!.run([SEND, '--maxWait=1s', 'never sent']);
    expect(result.code).toBe(75);
    expect(failureReason(result.stderr, SEND)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^rate-limit store redis://127\\.0\\.0\\.1:${redis.port} is unreachable: WRONGPASS .+ \\(check the password in the store's URL\\) \\(\\d+ attempts? in \\d+(\\.\\d)? s\\)$`,
        ),
      ),
    ]);
    expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
    expect(server.requests).toEqual([]);
  });

  it('rediss:// with a certificate it cannot verify: exit 1 at once, pointing to NODE_EXTRA_CA_CERTS; with it, delivered', async (context) => {
    const tls = await startRedis({ password: PASSWORD, tls: true });
    context.onTestFinished(() => tls.close());
    const { server, machines } = await fleet(context, 1, tls.url, { tokenLimit: undefined, floodLimit: undefined });
    const untrusted = await machines[0]!.run([SEND, 'never sent']);
    expect(untrusted.code).toBe(1);
    expect(failureReason(untrusted.stderr, SEND)).toEqual([
      `Cannot verify the TLS certificate of the rate-limit store rediss://localhost:${tls.port}: it is self-signed ` +
        '(DEPTH_ZERO_SELF_SIGNED_CERT). Trust the CA that signed it (or the certificate itself) with NODE_EXTRA_CA_CERTS=FILE.',
    ]);
    expect(server.requests).toEqual([]);
    const trusted = await machines[0]!.run([SEND, 'over TLS'], { env: { NODE_EXTRA_CA_CERTS: REDIS_TLS_CERT } });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(deliveredMessages(server)).toEqual(['over TLS']);
    expect(`${untrusted.stderr}${trusted.stdout}${trusted.stderr}`).not.toContain(PASSWORD);
  });
});

describe('choosing the store', () => {
  it('configure stores it, get shows it with the password masked, the environment overrides it', async (context) => {
    const { server, machines } = await fleet(context, 1, 'file', { tokenLimit: undefined, floodLimit: undefined });
    const [machine] = machines;
    const configured = await machine!.run([
      'notification-hipchat-configure',
      '--enabled',
      '--roomName=',
      '--token=',
      `--rateLimitStore=${redis.url}`,
    ]);
    expect(configured.code, configured.stderr).toBe(0);
    const shown = JSON.parse((await machine!.run(['get-hipchat-notifier-configuration', '--json', '--maskToken'])).stdout);
    expect(shown.rateLimitStore).toBe(`redis://:****@127.0.0.1:${redis.port}`);
    expect((await machine!.run([SEND, 'through Redis'])).code).toBe(0);
    // The environment wins: a store that is not there, and the send says so.
    const overridden = await machine!.run([SEND, '--maxWait=1s', 'never sent'], {
      env: { NOTIFIER_RATE_LIMIT_STORE: 'redis://127.0.0.1:1' },
    });
    expect(overridden.code).toBe(75);
    expect(overridden.stderr).toMatch(/^rate-limit store redis:\/\/127\.0\.0\.1:1 is unreachable: /);
    const refused = await machine!.run([
      'notification-hipchat-configure',
      '--enabled',
      '--roomName=',
      '--token=',
      `--rateLimitStore=memcached://x`,
    ]);
    expect(refused.code).toBe(2);
    expect(failureReason(refused.stderr, 'notification-hipchat-configure')).toEqual([
      'Invalid --rateLimitStore: memcached: is not supported (expected redis:// or rediss://)',
    ]);
    expect(server.requests).toHaveLength(1);
  });
});
