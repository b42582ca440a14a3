// The notification service in-process, with fake timers: when checkers run, which links of the chain
// stop results from being sent, and what it does when the disk, the spool or HipChat misbehave. Real
// config file, real spool, real HipChat-compatible server; only the service's timers are fake, so ten
// periods pass in no time and "nothing was sent" is exact.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimitError, RateLimitStoreUnavailableError } from '../../../src/notifier/errors.js';
import type { SendOptions } from '../../../src/notifier/send.js';
import { prepareServiceFolder, requestReload, serviceFolder } from '../../../src/service/control.js';
import { historyFile, readHistory } from '../../../src/service/history.js';
import { NotificationService, type LogLevel, type ServiceOptions } from '../../../src/service/service.js';
import { startHipChatServer, TEST_TOKEN, type HipChatTestServer } from '../../support/hipchat-server.js';
import { cpuTimeUsedMs } from '../../support/service.js';

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
  /** 'unset': no notification section at all (a target that never ran notification-configure). */
  notification: boolean | 'unset';
  hipchat: boolean;
  healthcheck: boolean;
  healthcheckHipchat: boolean;
  checker: boolean;
  noisy: boolean;
  /** The machine-memory checker with every threshold at 100%: all its results are FINE. */
  fineOnly: boolean;
  /** The machine-memory checker (first result at once) rather than the CPU checker (first after one period). */
  memory?: boolean;
  /** healthcheck-configure --historicalTraceEnabled --historicalTraceStoreSize N */
  historySize?: number;
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

interface Setup {
  periodMs?: number;
  rateLimit?: string;
  /** The target's name in the config and the service's. */
  target?: string;
  /** More checkers, by service name, next to the chain's. */
  moreCheckers?: Record<string, unknown>;
}

function writeConfig(chain: Chain, setup: Setup = {}): string {
  const periodMs = setup.periodMs ?? PERIOD_MS;
  const path = join(dir, 'config.json');
  const checker = { enabled: chain.checker, time: periodMs, unit: 'MILLISECONDS' };
  const checkers = chain.fineOnly
    ? { 'healthcheck-machinemem': { ...checker, checkerName: 'MEMM', thresholds: { critical: 100, warning: 100, good: 100 } } }
    : chain.memory
      ? { 'healthcheck-machinemem': { ...checker, checkerName: 'MEMM' } }
      : { 'healthcheck-cpu': { ...checker, checkerName: 'CPUC' } };
  const target = {
    hipchat: {
      enabled: chain.hipchat,
      roomName: 'ops',
      token: TEST_TOKEN,
      dynamic: false,
      noisy: true,
      apiUrl: server.url,
      rateLimit: setup.rateLimit ?? '1000/1s',
    },
    ...(chain.notification === 'unset' ? {} : { notification: { enabled: chain.notification } }),
    healthcheck: {
      enabled: chain.healthcheck,
      historicalTraceEnabled: chain.historySize !== undefined,
      historicalTraceStoreSize: chain.historySize ?? 20,
      hipchatNotifier: { enabled: chain.healthcheckHipchat, noisy: chain.noisy },
      checkers: { ...checkers, ...setup.moreCheckers },
    },
  };
  // Built as text: a target named '__proto__' must be a key, not the prototype of an object literal.
  const targetName = setup.target ?? 'server';
  writeFileSync(path, `{"version": 1, "targets": {${JSON.stringify(targetName)}: ${JSON.stringify(target)}}}`, { mode: 0o600 });
  return path;
}

const serviceId = (target = 'server') => ({ stateDir: join(dir, 'state'), configPath: join(dir, 'config.json'), target });

async function start(chain: Chain, setup: Setup = {}, options: Partial<ServiceOptions> = {}): Promise<void> {
  const configPath = writeConfig(chain, setup);
  service = new NotificationService({
    ...serviceId(setup.target),
    configPath,
    env: {},
    log: (level: LogLevel, message: string) => log.push(`${level} ${message}`),
    ...options,
  });
  await service.start();
}

/** Stops the running service (and forgets it, so that afterEach does not stop it again). */
async function stop(): Promise<void> {
  await service!.stop();
  service = undefined;
}

/** Lets fake time pass in small steps, with real I/O (requests, their answers) in between, until the condition holds. */
async function until(condition: () => boolean, what: string, stepMs = 5): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; the log:\n${log.join('\n')}`);
    await vi.advanceTimersByTimeAsync(stepMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const messages = () => server.delivered().map((request) => (request.body as { message: string }).message);
const SUMMARY = /^notifier dropped (\d+) health check notification\(s\) of target server: its spool was full \(limit (\d+)\)/;
/** The total of the 'spool full: dropped the N oldest' lines. */
const droppedInLog = () =>
  log.map((line) => /^WARNING spool full: dropped the (\d+) oldest/.exec(line)?.[1]).reduce((sum, count) => sum + Number(count ?? 0), 0);
const serverError = (count: number) => Array.from({ length: count }, () => ({ kind: 'status' as const, status: 500 }));

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
    await start({ ...ALL_ON, memory: true });
    expect(queued()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(PERIOD_MS - 1);
    expect(queued()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(queued()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3 * PERIOD_MS);
    expect(queued()).toHaveLength(5);
    await deliveries(5);
    expect(log).toContain(`INFO configuration applied; running healthcheck-machinemem every ${PERIOD_MS} ms`);
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
    // Not applied: the checker ran on, once a period (the CPU checker's first result after one).
    expect(queued()).toHaveLength(10);
    requestReload(serviceId());
    await vi.advanceTimersByTimeAsync(250);
    expect(log).toContain(
      'INFO configuration applied; no health checker is enabled (healthcheck-configure-service --enabled): nothing new to send',
    );
    await vi.advanceTimersByTimeAsync(10 * PERIOD_MS);
    expect(queued()).toHaveLength(10);
  });
});

describe('the CPU checker', () => {
  it("issue 10: its first result covers its first interval (not the time since boot): after one period, 'Time CPU used' ≤ the period", async () => {
    await start(ALL_ON);
    expect(queued()).toEqual([]);
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    expect(queued()).toHaveLength(1);
    // Summed over all cores: at most the period on each.
    expect(cpuTimeUsedMs(queued()[0]!)).toBeLessThanOrEqual(PERIOD_MS * cpus().length);
  });
});

describe('a spool the disk refuses', () => {
  it('issue 14 #4: a write error is logged and retried, the notification waits in memory (and is still sent); never a crash', async () => {
    await start({ ...ALL_ON, memory: true });
    await deliveries(1);
    // Every write into the spool now fails (ENOTDIR), as with a full or read-only disk; and HipChat
    // fails for a while, so that what waits in memory is still there when the disk is back.
    const spool = join(serviceFolder(serviceId()), 'spool');
    rmSync(spool, { recursive: true });
    writeFileSync(spool, '');
    server.injectFaults(...serverError(4));
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    expect(log).toContain(
      `WARNING cannot write the spool ${spool}: a parent of it is not a directory; 1 notification kept in memory until it can be, next try in 1.0 s`,
    );

    rmSync(spool);
    mkdirSync(spool, { mode: 0o700 });
    await until(
      () => log.includes('INFO the spool can be written again: every waiting notification is on disk'),
      'the spool written again',
    );
    expect(readdirSync(spool).filter((name) => name.endsWith('.json')).length).toBeGreaterThan(0);
    // HipChat back: what waited is delivered, in order.
    await until(() => server.delivered().length >= 3, '3 deliveries');
    await stop();
    expect(log.filter((line) => line.startsWith('SEVERE'))).toEqual([]);
  });

  it('issue 14 #4: notifications that could never be written are reported as lost at the stop (and the stop completes)', async () => {
    server.injectFaults(...serverError(100));
    await start({ ...ALL_ON, memory: true });
    const spool = join(serviceFolder(serviceId()), 'spool');
    rmSync(spool, { recursive: true });
    writeFileSync(spool, '');
    await vi.advanceTimersByTimeAsync(2 * PERIOD_MS);
    await stop();
    expect(log).toContainEqual(
      expect.stringMatching(
        /^SEVERE 2 notifications could not be written to the spool \(a parent of it is not a directory\) and are lost$/,
      ),
    );
    expect(log.at(-1)).toBe('INFO stopped; 1 notifications kept in the spool');
  });
});

describe('spool items that cannot be read', () => {
  it('issue 14 #5: are moved to spool/bad/ and logged, not deleted; the good ones are sent', async () => {
    const spool = prepareServiceFolder(serviceId(), 'spool');
    const good = { message: 'kept from before', messageFormat: 'text', color: 'green', notify: false };
    writeFileSync(join(spool, '000000000001.json'), '{"message": "cut sh', { mode: 0o600 });
    writeFileSync(join(spool, '000000000002.json'), JSON.stringify(good), { mode: 0o600 });
    writeFileSync(join(spool, '000000000003.json'), '{"message": 5}', { mode: 0o600 });
    writeFileSync(join(dir, 'elsewhere.json'), JSON.stringify(good));
    symlinkSync(join(dir, 'elsewhere.json'), join(spool, '000000000004.json'));

    await start({ ...ALL_ON, checker: false });
    await deliveries(1);
    await until(() => log.filter((line) => line.includes('cannot be read')).length === 3, 'three items moved aside');
    await stop();
    expect(messages()).toEqual(['kept from before']);
    const bad = readdirSync(join(spool, 'bad')).sort();
    expect(bad.map((name) => name.slice(0, 17))).toEqual(['000000000001.json', '000000000003.json', '000000000004.json']);
    expect(readFileSync(join(spool, 'bad', bad[0]!), 'utf8')).toBe('{"message": "cut sh');
    for (const [index, reason] of [
      [1, 'it is not valid JSON'],
      [3, 'it is not a notification'],
      [4, `Spool item ${join(spool, '000000000004.json')} is a symbolic link; notifier does not follow links here: remove it`],
    ] as const) {
      const file = join(spool, `00000000000${index}.json`);
      expect(log).toContain(
        `WARNING spool item ${file} cannot be read (${reason}): moved to ${join(
          spool,
          'bad',
          bad.find((name) => name.startsWith(`00000000000${index}`))!,
        )}`,
      );
    }
    // The file the link pointed to is untouched.
    expect(JSON.parse(readFileSync(join(dir, 'elsewhere.json'), 'utf8'))).toEqual(good);
  });
});

describe('dropped notifications', () => {
  it('issue 14 #6: the dropped count survives a restart, and the room is told after it', async () => {
    server.injectFaults(...serverError(1000));
    await start({ ...ALL_ON, memory: true }, {}, { spoolLimit: 2 });
    await until(() => droppedInLog() >= 3, '3 dropped');
    await stop();
    const dropped = droppedInLog();

    // Restarted, HipChat healthy again (a new server), no checker: only what waits goes out.
    await server.close();
    server = await startHipChatServer();
    log = [];
    await start({ ...ALL_ON, checker: false }, {}, { spoolLimit: 2 });
    expect(log).toContain(`INFO ${dropped} notifications dropped before this start, not yet reported: a summary will tell the room`);
    await deliveries(3);
    await until(() => log.some((line) => line.endsWith('(0 waiting)')), 'nothing left waiting');
    const summaries = messages().filter((message) => SUMMARY.test(message));
    expect(summaries).toHaveLength(1);
    expect(SUMMARY.exec(summaries[0]!)!.slice(1)).toEqual([String(dropped), '2']);
  });

  it('issue 10: one outage, one summary, also when results keep coming while HipChat comes back', async () => {
    // Ten failures: HipChat comes back in the middle of a retry, while drops go on.
    server.injectFaults(...serverError(10));
    await start({ ...ALL_ON, memory: true }, { periodMs: 200 }, { spoolLimit: 3 });
    await until(() => server.count(500) === 10 && server.delivered().length >= 1, 'HipChat back');
    // Well after the outage: the backlog is out and new results flow.
    await until(() => server.delivered().length >= 12, '12 deliveries');
    await stop();
    const summaries = messages().filter((message) => SUMMARY.test(message));
    expect(summaries).toHaveLength(1);
    // Its count is the whole outage's.
    expect(Number(SUMMARY.exec(summaries[0]!)![1])).toBe(droppedInLog());
    expect(droppedInLog()).toBeGreaterThan(3);
  });
});

describe('waits', () => {
  it.each([
    // Bounded: asked again after 15 minutes.
    ['30 days', 30 * 86_400_000, '15 min', 2],
    ['Infinity', Infinity, '15 min', 2],
    // Meaningless: the backoff instead (1 s, 2 s, … 30 s), about 35 tries in 15 minutes.
    ['NaN', NaN, '1.0 s', 40],
    ['-1', -1, '1.0 s', 40],
  ])(
    'issue 14 #13: a rate-limit answer asking for %s: one try, one line, no busy loop; asked again after a bounded wait',
    async (_what, retryAfterMs, next, most) => {
      let calls = 0;
      const failing = {
        send: async () => {
          calls++;
          throw new RateLimitError('HipChat says wait', retryAfterMs);
        },
        close: async () => {},
      };
      await start({ ...ALL_ON, memory: true }, { periodMs: 3_600_000 }, { createSender: () => failing });
      await vi.advanceTimersByTimeAsync(500);
      expect(calls).toBe(1);
      expect(log.filter((line) => line.startsWith('WARNING'))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^WARNING HipChat says wait; 1 waiting, next try in ${next.replace('.', '\\.')} \\(at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)$`,
          ),
        ),
      ]);
      await vi.advanceTimersByTimeAsync(15 * 60_000);
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(calls).toBeLessThanOrEqual(most);
    },
  );

  it('issue 10: a wait inside the sender is logged: the reason, how many wait, and when it resumes', async () => {
    await start({ ...ALL_ON, memory: true }, { rateLimit: '1/20s' });
    await deliveries(1);
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    await until(() => log.some((line) => line.startsWith('INFO holding')), 'the wait line');
    expect(log.find((line) => line.startsWith('INFO holding'))).toMatch(
      /^INFO holding 1 notification back for the configured rate limit; resuming in (1\d(\.\d)?|20) s \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/,
    );
  });
});

describe('a rate-limit store that does not answer', () => {
  it('its wait is logged once, naming the store (never its password) and when the send gives up', async () => {
    let calls = 0;
    const createSender = (_target: unknown, options: SendOptions) => ({
      send: async () => {
        calls++;
        options.onWait?.(300_000, 'store', 'redis://cache.internal:6379 (connection refused)');
        throw new RateLimitStoreUnavailableError(
          'rate-limit store redis://cache.internal:6379 is unreachable: connection refused (300 attempts in 5 min)',
        );
      },
      close: async () => {},
    });
    await start({ ...ALL_ON, memory: true }, { periodMs: 3_600_000 }, { createSender });
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toBe(1);
    expect(log.filter((line) => !line.startsWith('INFO') || line.startsWith('INFO holding'))).toEqual([
      expect.stringMatching(
        /^INFO holding 1 notification back for the rate-limit store redis:\/\/cache\.internal:6379 \(connection refused\); giving up in 5 min \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/,
      ),
      expect.stringMatching(
        /^WARNING rate-limit store redis:\/\/cache\.internal:6379 is unreachable: connection refused \(300 attempts in 5 min\); 1 waiting, next try in /,
      ),
    ]);
  });
});

describe('names a user chose', () => {
  it("issue 14 #21: target '__proto__' with a checker named 'constructor': plain data, its own configuration runs", async () => {
    const constructorChecker = { enabled: true, time: 1, unit: 'SECONDS', checkerName: 'X' };
    await start({ ...ALL_ON, memory: true }, { target: '__proto__', moreCheckers: { constructor: constructorChecker } });
    expect(log).toContain('WARNING constructor is enabled but notifier does not provide it: not run');
    await deliveries(1);
    expect(messages()[0]).toMatch(
      /^Health Check notification with severity level: \w+\. \(host:[^,]+, server:__proto__, domain:notifier,instance:__proto__\)\nMEMM:/,
    );
    expect(({} as Record<string, unknown>).hipchat).toBeUndefined();
    expect(existsSync(serviceFolder(serviceId('__proto__')))).toBe(true);
  });
});

describe('the notification service flag', () => {
  it("is on when never configured, as in Payara's domain template: results are sent", async () => {
    await start({ ...ALL_ON, notification: 'unset' });
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    await deliveries(1);
    expect(log).toContain(`INFO configuration applied; running healthcheck-cpu every ${PERIOD_MS} ms`);
  });
});

describe('the health-check history', () => {
  const history = () => readHistory(historyFile(serviceId()), { size: 100, timeoutSeconds: undefined }, 100);
  const RESULT =
    /^CPUC:Health Check Result:\[\[status=(GOOD|WARNING|CRITICAL), message='CPU%: (?:[1-9]\d*)?\.\d\d, Time CPU used: [^']*''\]'\]$/;

  it('records every result, keeps the newest within the store size, and a restarted service goes on with it', async () => {
    await start({ ...ALL_ON, historySize: 3 });
    await vi.advanceTimersByTimeAsync(4 * PERIOD_MS);
    await stop();
    // The CPU checker's first result comes after one period.
    expect(queued()).toHaveLength(4);
    const before = history();
    expect(before).toHaveLength(3);
    for (const entry of before) {
      expect(entry.subject).toBe(`Health Check notification with severity level: ${entry.level}`);
      expect(entry.message).toMatch(RESULT);
    }
    const path = historyFile(serviceId());
    expect([statSync(path).mode & 0o777, statSync(join(path, '..')).mode & 0o777]).toEqual([0o600, 0o700]);

    const restartedAt = Date.now();
    await start({ ...ALL_ON, historySize: 3 });
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    const after = history();
    // Newest first: the result of the restarted service, then the two newest of the first run.
    expect(after).toHaveLength(3);
    expect(after[0]!.time).toBeGreaterThanOrEqual(restartedAt);
    expect(after.slice(1)).toEqual(before.slice(0, 2));
  });

  it('keeps FINE results that noisy=false does not send', async () => {
    await start({ ...ALL_ON, fineOnly: true, noisy: false, historySize: 5 });
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    await stop();
    expect(history().map((entry) => entry.level)).toEqual(['FINE', 'FINE']);
    expect(server.requests).toEqual([]);
  });

  it('keeps nothing while the historical trace is off', async () => {
    await start(ALL_ON);
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    await deliveries(1);
    expect(history()).toEqual([]);
  });
});
