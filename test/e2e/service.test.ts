// The notification service end to end: the configure commands, start/stop-notification-service and
// the local HipChat-compatible server, as an operator would run them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturedOutputs, CLI, createSandbox, hasStackTrace, type Sandbox } from '../support/cli.js';
import {
  startHipChatServer,
  TEST_TOKEN,
  type HipChatServerOptions,
  type HipChatTestServer,
  type RecordedRequest,
} from '../support/hipchat-server.js';

let sandbox: Sandbox;
let servers: HipChatTestServer[];
let services: ChildProcess[];

beforeEach(() => {
  sandbox = createSandbox();
  servers = [];
  services = [];
});
afterEach(async () => {
  for (const service of services) if (service.exitCode === null) service.kill('SIGKILL');
  await Promise.all(servers.map((server) => server.close()));
  sandbox.remove();
});
afterAll(() => {
  expect(capturedOutputs.filter((output) => output.includes(TEST_TOKEN))).toEqual([]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(options: HipChatServerOptions = {}): Promise<HipChatTestServer> {
  const server = await startHipChatServer(options);
  servers.push(server);
  return server;
}

async function cli(...args: string[]): Promise<void> {
  const result = await sandbox.run(args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
}

/** The seed scenario's configuration: the HipChat notifier, the notification service, the health check and the CPU checker. */
async function configureAll(
  server: HipChatTestServer,
  checker: string[] = ['--time', '1', '--unit', 'SECONDS'],
  hipchat: string[] = [],
): Promise<void> {
  const tokenFile = join(sandbox.dir, 'token');
  writeFileSync(tokenFile, TEST_TOKEN);
  await cli(
    'notification-hipchat-configure',
    '--enabled',
    '--roomName',
    'ops',
    '--tokenFile',
    tokenFile,
    '--apiUrl',
    server.url,
    ...hipchat,
  );
  await cli('notification-configure', '--enabled');
  await cli('healthcheck-configure', '--enabled');
  await cli('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled', ...checker);
}

interface RunningService {
  child: ChildProcess;
  log(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stoppedInMs: number }>;
}

function startService(...args: string[]): RunningService {
  const child = spawn(process.execPath, [CLI, 'start-notification-service', ...args], {
    env: sandbox.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  services.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  exited.then(() => capturedOutputs.push(output));
  return {
    child,
    log: () => output,
    async waitForLog(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in the service log:\n${output}`);
        await sleep(25);
      }
    },
    async stop(signal = 'SIGTERM') {
      const started = Date.now();
      child.kill(signal);
      const code = await exited;
      return { code, stoppedInMs: Date.now() - started };
    },
  };
}

function messages(requests: RecordedRequest[]): string[] {
  return requests.map((request) => (request.body as { message: string }).message);
}

async function waitForDeliveries(server: HipChatTestServer | (() => RecordedRequest[]), count: number, timeoutMs = 15_000): Promise<void> {
  const delivered = typeof server === 'function' ? server : () => server.delivered();
  const deadline = Date.now() + timeoutMs;
  while (delivered().length < count) {
    if (Date.now() > deadline) throw new Error(`only ${delivered().length} of ${count} notifications arrived`);
    await sleep(25);
  }
}

const HEALTH_MESSAGE =
  /^Health Check notification with severity level: (SEVERE|WARNING|INFO|FINE)\. \(host:[^,]+, server:server\)\nCPUC:Health Check Result:\[\[status=(CRITICAL|WARNING|GOOD|FINE), message='CPU%: \d+\.\d\d, Time CPU used: \d+ seconds \d+ milliseconds'\]\]$/;
const COLOR_OF_LEVEL: Record<string, string> = { SEVERE: 'red', WARNING: 'yellow', INFO: 'green', FINE: 'gray' };

describe('the seed scenario', () => {
  it('sends a CPU health check about every second, with the right text and colour, and stops cleanly', async () => {
    const server = await startServer();
    await configureAll(server);
    const service = startService();
    await waitForDeliveries(server, 4);
    const { code, stoppedInMs } = await service.stop();
    expect(code).toBe(0);
    expect(stoppedInMs).toBeLessThan(5000);
    expect(hasStackTrace(service.log())).toBe(false);
    expect(service.log()).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {4}notification service for target server starting/m);

    const delivered = server.delivered();
    for (const request of delivered) {
      const body = request.body as { message: string; color: string; message_format: string };
      const match = HEALTH_MESSAGE.exec(body.message);
      expect(match, body.message).not.toBeNull();
      expect(body.color).toBe(COLOR_OF_LEVEL[match![1]!]);
      expect(body.message_format).toBe('text');
    }
    // First run at once, then every second.
    const gaps = delivered.slice(1, 4).map((request, index) => request.receivedAt - delivered[index]!.receivedAt);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(700);
      expect(gap).toBeLessThan(1500);
    }
  });
});

describe('a disabled piece anywhere in the chain', () => {
  const pieces: [string, string[]][] = [
    ['the HipChat notifier', ['notification-hipchat-configure', '--enabled=false', '--roomName=', '--token=']],
    ['the notification service', ['notification-configure', '--enabled=false']],
    ['the health check service', ['healthcheck-configure', '--enabled=false']],
    ["the health check's HipChat notifier", ['healthcheck-hipchat-notifier-configure', '--enabled=false']],
    ['the checker', ['healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false']],
  ];

  it.each(pieces)('%s off: nothing is sent, and the log says why', async (_piece, disable) => {
    const server = await startServer();
    await configureAll(server, ['--time', '200', '--unit', 'MILLISECONDS']);
    await cli(...disable);
    const service = startService();
    await service.waitForLog(/nothing will be sent: |nothing new to send/);
    await sleep(1000);
    expect((await service.stop()).code).toBe(0);
    expect(server.requests).toHaveLength(0);
  });
});

describe('noisy', () => {
  // A good threshold of 100 makes every memory result FINE (below "good"; memory use never reaches 100%).
  it.each([
    ['true', 'sends FINE results, in gray'],
    ['false', 'drops FINE results'],
  ])('--noisy=%s %s', async (noisy) => {
    const server = await startServer();
    await configureAll(server);
    await cli('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false');
    await cli(
      'healthcheck-configure-service',
      '--serviceName',
      'healthcheck-machinemem',
      '--enabled',
      '--time',
      '200',
      '--unit',
      'MILLISECONDS',
    );
    await cli(
      'healthcheck-configure-service-threshold',
      '--serviceName',
      'healthcheck-machinemem',
      '--thresholdCritical',
      '100',
      '--thresholdWarning',
      '100',
      '--thresholdGood',
      '100',
    );
    await cli('healthcheck-hipchat-notifier-configure', '--enabled', `--noisy=${noisy}`);
    const service = startService();
    if (noisy === 'true') await waitForDeliveries(server, 2);
    else await sleep(1200);
    expect((await service.stop()).code).toBe(0);
    if (noisy === 'false') expect(server.requests).toHaveLength(0);
    for (const request of server.delivered()) {
      expect(request.body).toMatchObject({
        color: 'gray',
        message: expect.stringMatching(
          /^Health Check notification with severity level: FINE\..*\nMEMM:Health Check Result:\[\[status=FINE, /,
        ),
      });
    }
  });
});

describe('configuration changes', () => {
  it('applies a --dynamic=true change without a restart, and a plain one only at the next start', async () => {
    const server = await startServer();
    await configureAll(server, ['--time', '5', '--unit', 'MINUTES']);
    const service = startService();
    await waitForDeliveries(server, 1);

    // Stored, but not applied: the checker still runs every 5 minutes.
    await cli('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled', '--time', '250', '--unit', 'MILLISECONDS');
    await sleep(2000);
    expect(server.delivered()).toHaveLength(1);

    await cli(
      'healthcheck-configure-service',
      '--serviceName',
      'healthcheck-cpu',
      '--enabled',
      '--time',
      '250',
      '--unit',
      'MILLISECONDS',
      '--dynamic=true',
    );
    const applied = Date.now();
    await waitForDeliveries(server, 4, 3000);
    expect(server.delivered()[1]!.receivedAt - applied).toBeLessThan(2000);
    expect((await service.stop()).code).toBe(0);
  });

  it('picks up a stored change at the next start', async () => {
    const server = await startServer();
    await configureAll(server, ['--time', '5', '--unit', 'MINUTES']);
    let service = startService();
    await waitForDeliveries(server, 1);
    await cli('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled', '--time', '250', '--unit', 'MILLISECONDS');
    await service.stop();
    const before = server.delivered().length;
    service = startService();
    await waitForDeliveries(server, before + 4, 3000);
    expect((await service.stop()).code).toBe(0);
  });
});

describe('nothing is lost', () => {
  // A generous --rateLimit: these tests are about outages, not about the limiter.
  const UNLIMITED = ['--rateLimit', '100/1s'];

  it('keeps notifications while HipChat is down for 10 s and delivers every one, in order, when it is back', async () => {
    const first = await startServer();
    await configureAll(first, ['--time', '500', '--unit', 'MILLISECONDS'], UNLIMITED);
    const service = startService();
    await waitForDeliveries(first, 2);
    const port = first.port;
    await first.close();
    await sleep(10_000);
    const second = await startServer({ port });
    await service.waitForLog(/next try in/);
    await cli('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false', '--dynamic=true');
    await service.waitForLog(/no health checker is enabled/);
    const queued = () => [...service.log().matchAll(/ queued: (.*)$/gm)].map((match) => match[1]);
    expect(queued().length).toBeGreaterThan(20);
    await waitForDeliveries(() => [...first.delivered(), ...second.delivered()], queued().length, 40_000);
    expect((await service.stop()).code).toBe(0);

    // Every result the service queued arrived, once, in the order it was measured.
    const delivered = messages([...first.delivered(), ...second.delivered()]).map((message) => message.split('\n')[1]);
    expect(delivered).toEqual(queued());
  }, 60_000);

  it('delivers a spooled backlog after a kill -9 and a restart', async () => {
    const first = await startServer();
    await configureAll(first, ['--time', '200', '--unit', 'MILLISECONDS'], UNLIMITED);
    const port = first.port;
    await first.close();
    const service = startService();
    await service.waitForLog(/next try in/);
    await sleep(1500);
    await service.stop('SIGKILL');
    const spool = join(sandbox.stateDir, 'services', 'server', 'spool');
    const backlog = readdirSync(spool).filter((name) => name.endsWith('.json')).length;
    expect(backlog).toBeGreaterThanOrEqual(5);

    const second = await startServer({ port });
    await cli('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false');
    const restarted = startService();
    await restarted.waitForLog(new RegExp(`${backlog} notifications waiting in the spool from before`));
    await waitForDeliveries(second, backlog);
    expect((await restarted.stop()).code).toBe(0);
    expect(second.delivered()).toHaveLength(backlog);
    expect(readdirSync(spool).filter((name) => name.endsWith('.json'))).toEqual([]);
  }, 30_000);

  it('bounds the spool: drops the oldest, logs it and sends one summary', async () => {
    const first = await startServer();
    await configureAll(first, ['--time', '100', '--unit', 'MILLISECONDS'], UNLIMITED);
    const port = first.port;
    await first.close();
    const service = startService('--spoolLimit=3');
    await service.waitForLog(/spool full: dropped the 1 oldest/);
    await sleep(500);
    await cli('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false', '--dynamic=true');
    await service.waitForLog(/no health checker is enabled/);
    const second = await startServer({ port });
    await waitForDeliveries(second, 4, 40_000);
    await sleep(300);
    expect((await service.stop()).code).toBe(0);
    // One summary, then the 3 the spool kept (plus, at most, the one that was being retried when it was
    // dropped from the spool: it was already on its way, and is delivered rather than lost).
    const received = messages(second.delivered());
    const summaries = received.filter((message) =>
      /^notifier dropped \d+ health check notification\(s\) of target server: its spool was full \(limit 3\)/.test(message),
    );
    expect(summaries).toHaveLength(1);
    const health = received.filter((message) => HEALTH_MESSAGE.test(message));
    expect(health.length + summaries.length).toBe(received.length);
    expect(health.length).toBeGreaterThanOrEqual(3);
    expect(health.length).toBeLessThanOrEqual(4);
  }, 60_000);
});

describe('the shared rate limit', () => {
  it('a 0.2-s checker against a 5-per-2-s HipChat: zero 429s, the backlog grows and then drains', async () => {
    const limit = { limit: 5, windowMs: 2000 };
    const server = await startServer({ tokenLimit: limit, floodLimit: limit });
    await configureAll(server, ['--time', '200', '--unit', 'MILLISECONDS'], ['--rateLimit', '5/2s']);
    const service = startService();
    await sleep(4000);
    await cli('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false', '--dynamic=true');
    const spool = join(sandbox.stateDir, 'services', 'server', 'spool');
    const backlog = readdirSync(spool).filter((name) => name.endsWith('.json')).length;
    expect(backlog).toBeGreaterThan(3);
    await waitForDeliveries(server, server.delivered().length + backlog, 20_000);
    expect((await service.stop()).code).toBe(0);
    expect(server.count(429)).toBe(0);
    // Never more than 5 in one of the server's 2-s windows.
    const perWindow = new Map<number, number>();
    for (const request of server.delivered())
      perWindow.set(Math.floor(request.receivedAt / 2000), (perWindow.get(Math.floor(request.receivedAt / 2000)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(5);
  }, 40_000);
});

describe('start, stop, detach and the pid file', () => {
  it('runs in the background, refuses a second start, stops, and stopping again is harmless', async () => {
    const server = await startServer();
    await configureAll(server, ['--time', '5', '--unit', 'MINUTES']);
    const detached = await sandbox.run(['start-notification-service', '--detach']);
    expect(detached.code, detached.stderr).toBe(0);
    const pid = Number(/\(pid (\d+)\)/.exec(detached.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const pidFile = join(sandbox.stateDir, 'services', 'server', 'service.pid');
    expect(existsSync(pidFile)).toBe(true);
    await waitForDeliveries(server, 1);

    const second = await sandbox.run(['start-notification-service']);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `A notification service for target server is already running (pid ${pid}, since ${JSON.parse(readFileSync(pidFile, 'utf8')).startedAt})\nCommand start-notification-service failed.\n`,
    );

    const stopped = await sandbox.run(['stop-notification-service']);
    expect(stopped).toMatchObject({
      code: 0,
      stdout: `Notification service for target server stopped (pid ${pid})\nCommand stop-notification-service executed successfully.\n`,
    });
    expect(existsSync(pidFile)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();

    const again = await sandbox.run(['stop-notification-service']);
    expect(again).toMatchObject({ code: 0, stderr: 'Warning: No notification service is running for target server\n' });
    const log = join(sandbox.stateDir, 'services', 'server', 'service.log');
    expect(existsSync(log)).toBe(true);
  });

  it('replaces the pid file of a service that was killed', async () => {
    const server = await startServer();
    await configureAll(server, ['--time', '5', '--unit', 'MINUTES']);
    const first = startService();
    await waitForDeliveries(server, 1);
    await first.stop('SIGKILL');
    const second = startService();
    await waitForDeliveries(server, 2);
    expect((await second.stop()).code).toBe(0);
  });
});
