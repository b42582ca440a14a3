// The notification service end to end, as an operator runs it: the configure commands,
// start/stop-notification-service and a HipChat-compatible server. The schedule and each disabled link
// of the chain are tested in-process with fake timers (test/unit/service/service.test.ts).
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturedOutputs, createSandbox, hasStackTrace, type Sandbox } from '../../support/cli.js';
import { startHipChatServer, TEST_TOKEN, type HipChatServerOptions, type HipChatTestServer } from '../../support/hipchat-server.js';
import { cli, COLOR_OF_LEVEL, configureAll, HEALTH_MESSAGE, startService, waitForDeliveries } from '../../support/service.js';

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

async function startServer(options: HipChatServerOptions = {}): Promise<HipChatTestServer> {
  const server = await startHipChatServer(options);
  servers.push(server);
  return server;
}

describe('the seed scenario', () => {
  it('sends CPU health checks with the right text and colour, and stops cleanly', async () => {
    const server = await startServer();
    await configureAll(sandbox, server, ['--time', '200', '--unit', 'MILLISECONDS']);
    const service = startService(sandbox, services);
    await waitForDeliveries(server, 4);
    expect(await service.stop()).toBe(0);
    expect(hasStackTrace(service.log())).toBe(false);
    expect(service.log()).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {4}notification service for target server starting/m);
    expect(service.log()).toMatch(/^.* INFO {4}configuration applied; running healthcheck-cpu every 200 ms$/m);

    for (const request of server.delivered()) {
      const body = request.body as { message: string; color: string; message_format: string };
      const match = HEALTH_MESSAGE.exec(body.message);
      expect(match, body.message).not.toBeNull();
      expect(body.color).toBe(COLOR_OF_LEVEL[match![1]!]);
      expect(body.message_format).toBe('text');
    }
  });
});

describe('configuration changes', () => {
  it('applies a --dynamic=true change without a restart, and a plain one only at the next start', async () => {
    const server = await startServer();
    await configureAll(sandbox, server, ['--time', '200', '--unit', 'MILLISECONDS']);
    const service = startService(sandbox, services);
    await waitForDeliveries(server, 1);

    // Stored, but not applied: four more results arrive after the change was written, so the service
    // polled for a reload request many times and found none.
    await cli(sandbox, 'healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false');
    const afterPlainChange = server.delivered().length;
    await waitForDeliveries(server, afterPlainChange + 4);

    await cli(sandbox, 'healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false', '--dynamic=true');
    await service.waitForLog(/configuration applied; no health checker is enabled/);
    expect(await service.stop()).toBe(0);
    // Nothing was measured after the change was applied.
    const log = service.log();
    expect(log.slice(log.indexOf('no health checker is enabled'))).not.toMatch(/ queued: /);
  });

  it('picks up a stored change at the next start', async () => {
    const server = await startServer();
    await configureAll(sandbox, server, ['--time', '5', '--unit', 'MINUTES']);
    let service = startService(sandbox, services);
    await waitForDeliveries(server, 1);
    await cli(
      sandbox,
      'healthcheck-configure-service',
      '--serviceName',
      'healthcheck-cpu',
      '--enabled',
      '--time',
      '200',
      '--unit',
      'MILLISECONDS',
    );
    await service.stop();
    const before = server.delivered().length;
    service = startService(sandbox, services);
    await waitForDeliveries(server, before + 4);
    expect(await service.stop()).toBe(0);
  });
});

describe('start, stop, detach and the pid file', () => {
  it('runs in the background, refuses a second start, stops, and stopping again is harmless', async () => {
    const server = await startServer();
    await configureAll(sandbox, server, ['--time', '5', '--unit', 'MINUTES']);
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
    await configureAll(sandbox, server, ['--time', '5', '--unit', 'MINUTES']);
    const first = startService(sandbox, services);
    await waitForDeliveries(server, 1);
    await first.stop('SIGKILL');
    const second = startService(sandbox, services);
    await waitForDeliveries(server, 2);
    expect(await second.stop()).toBe(0);
  });
});
