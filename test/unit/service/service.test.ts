// The notification service in-process, with fake timers: when checkers run, and which links of the chain
// stop results from being sent. Real config file, real spool, real HipChat-compatible server; only the
// service's timers are fake, so ten periods pass in no time and "nothing was sent" is exact.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationService, type LogLevel } from '../../../src/service/service.js';
import { requestReload } from '../../../src/service/control.js';
import { startHipChatServer, TEST_TOKEN, type HipChatTestServer } from '../../support/hipchat-server.js';

const PERIOD_MS = 1000;

let dir: string;
let server: HipChatTestServer;
let service: NotificationService | undefined;
let log: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'notifier-service-'));
  server = await startHipChatServer();
  log = [];
  // Only the service's own timers: the sockets, the file lock and Date stay real.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(async () => {
  await service?.stop();
  service = undefined;
  vi.useRealTimers();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Chain {
  notification: boolean;
  hipchat: boolean;
  healthcheck: boolean;
  healthcheckHipchat: boolean;
  checker: boolean;
  noisy: boolean;
  /** The machine-memory checker with every threshold at 100%: all its results are FINE. */
  fineOnly: boolean;
}

const ALL_ON: Chain = {
  notification: true,
  hipchat: true,
  healthcheck: true,
  healthcheckHipchat: true,
  checker: true,
  noisy: true,
  fineOnly: false,
};

function writeConfig(chain: Chain, periodMs = PERIOD_MS): string {
  const path = join(dir, 'config.json');
  const checker = { enabled: chain.checker, time: periodMs, unit: 'MILLISECONDS' };
  const checkers = chain.fineOnly
    ? { 'healthcheck-machinemem': { ...checker, checkerName: 'MEMM', thresholds: { critical: 100, warning: 100, good: 100 } } }
    : { 'healthcheck-cpu': { ...checker, checkerName: 'CPUC' } };
  const target = {
    hipchat: {
      enabled: chain.hipchat,
      roomName: 'ops',
      token: TEST_TOKEN,
      dynamic: false,
      noisy: true,
      apiUrl: server.url,
      rateLimit: '1000/1s',
    },
    notification: { enabled: chain.notification },
    healthcheck: {
      enabled: chain.healthcheck,
      historicalTraceEnabled: false,
      historicalTraceStoreSize: 20,
      hipchatNotifier: { enabled: chain.healthcheckHipchat, noisy: chain.noisy },
      checkers,
    },
  };
  writeFileSync(path, JSON.stringify({ version: 1, targets: { server: target } }));
  return path;
}

async function start(chain: Chain): Promise<void> {
  const configPath = writeConfig(chain);
  service = new NotificationService({
    configPath,
    stateDir: join(dir, 'state'),
    target: 'server',
    env: {},
    log: (level: LogLevel, message: string) => log.push(`${level} ${message}`),
  });
  await service.start();
}

const queued = () => log.filter((line) => line.startsWith('INFO queued: '));

/** Lets real I/O (a delivery in flight) make progress while fake time stands still. */
async function deliveries(count: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (server.delivered().length < count) {
    if (performance.now() > deadline) throw new Error(`only ${server.delivered().length} of ${count} delivered`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the checker schedule', () => {
  it('runs a checker at once and then at its fixed rate', async () => {
    await start(ALL_ON);
    expect(queued()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(PERIOD_MS - 1);
    expect(queued()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(queued()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3 * PERIOD_MS);
    expect(queued()).toHaveLength(5);
    await deliveries(5);
    expect(log).toContain(`INFO configuration applied; running healthcheck-cpu every ${PERIOD_MS} ms`);
  });
});

describe('a disabled link anywhere in the chain', () => {
  it.each([
    ['the HipChat notifier', { hipchat: false }, 'the HipChat notifier is disabled (notification-hipchat-configure --enabled)'],
    ['the notification service', { notification: false }, 'the notification service is disabled (notification-configure --enabled)'],
    ['the health check service', { healthcheck: false }, 'the health check service is disabled (healthcheck-configure --enabled)'],
    [
      "the health check's HipChat notifier",
      { healthcheckHipchat: false },
      "the health check's HipChat notifier is disabled (healthcheck-hipchat-notifier-configure --enabled)",
    ],
  ])('%s off: nothing is checked or sent through ten periods, and the log says why', async (_link, off, why) => {
    await start({ ...ALL_ON, ...off });
    await vi.advanceTimersByTimeAsync(10 * PERIOD_MS);
    await service!.stop();
    service = undefined;
    expect(log).toContain(`INFO configuration applied; nothing will be sent: ${why}`);
    expect(queued()).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it('the checker off: nothing is checked or sent through ten periods, and the log says why', async () => {
    await start({ ...ALL_ON, checker: false });
    await vi.advanceTimersByTimeAsync(10 * PERIOD_MS);
    await service!.stop();
    service = undefined;
    expect(log).toContain(
      'INFO configuration applied; no health checker is enabled (healthcheck-configure-service --enabled): nothing new to send',
    );
    expect(queued()).toEqual([]);
    expect(server.requests).toEqual([]);
  });
});

describe('noisy', () => {
  it('noisy=true sends FINE results, in gray', async () => {
    await start({ ...ALL_ON, fineOnly: true });
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    await deliveries(2);
    for (const request of server.delivered()) {
      expect(request.body).toMatchObject({
        color: 'gray',
        message: expect.stringMatching(
          /^Health Check notification with severity level: FINE\..*\nMEMM:Health Check Result:\[\[status=FINE, /,
        ),
      });
    }
  });

  it('noisy=false drops FINE results: ten periods, nothing queued or sent', async () => {
    await start({ ...ALL_ON, fineOnly: true, noisy: false });
    await vi.advanceTimersByTimeAsync(10 * PERIOD_MS);
    await service!.stop();
    service = undefined;
    expect(queued()).toEqual([]);
    expect(server.requests).toEqual([]);
  });
});

describe('configuration changes', () => {
  it('a stored change waits for a reload request, which is applied at the next poll', async () => {
    await start(ALL_ON);
    writeConfig({ ...ALL_ON, checker: false });
    await vi.advanceTimersByTimeAsync(10 * PERIOD_MS);
    // Not applied: the checker ran on, once a period.
    expect(queued()).toHaveLength(11);
    requestReload(join(dir, 'state'), 'server');
    await vi.advanceTimersByTimeAsync(250);
    expect(log).toContain(
      'INFO configuration applied; no health checker is enabled (healthcheck-configure-service --enabled): nothing new to send',
    );
    await vi.advanceTimersByTimeAsync(10 * PERIOD_MS);
    expect(queued()).toHaveLength(11);
  });
});
