// The seed scenario (the notification service sending CPU health checks, test/e2e/service/lifecycle.test.ts)
// against a server started with `start-local-hipchat --detach --configure`, as a newcomer would run it:
// what the service posts is read back through the test API a CI job would use.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../support/cli.js';
import { COLOR_OF_LEVEL, HEALTH_MESSAGE, startService } from '../../support/service.js';
import { call, shutDown, type Started } from './support.js';

let sandbox: Sandbox;
let services: ChildProcess[];
let server: Started | undefined;

beforeEach(() => {
  sandbox = createSandbox();
  services = [];
  server = undefined;
});
afterEach(async () => {
  for (const service of services) if (service.exitCode === null) service.kill('SIGKILL');
  if (server) await shutDown(server);
  sandbox.remove();
});

interface Item {
  seq: number;
  message: string;
  color: string;
  message_format: string;
}

it('the notification service sends CPU health checks to a start-local-hipchat server, read back through /_local/wait', async () => {
  const start = await sandbox.run(['start-local-hipchat', '--detach', '--configure', '--roomName', 'ops', '--port', '0', '--json']);
  expect(start.code, start.stderr).toBe(0);
  server = JSON.parse(start.stdout) as Started;

  // The rest of the seed's configuration (the notification service, the health check and its CPU checker),
  // written as notification-configure, healthcheck-configure and healthcheck-configure-service write it
  // (those commands have their own tests): beside what --configure wrote, which is kept.
  const config = JSON.parse(readFileSync(sandbox.configPath, 'utf8')) as {
    targets: { server: { notification?: unknown; healthcheck: { enabled: boolean; checkers: Record<string, unknown> } } };
  };
  const target = config.targets.server;
  target.notification = { enabled: true };
  target.healthcheck.enabled = true;
  target.healthcheck.checkers['healthcheck-cpu'] = { enabled: true, time: 200, unit: 'MILLISECONDS', checkerName: 'CPUC' };
  writeFileSync(sandbox.configPath, JSON.stringify(config));

  const service = startService(sandbox, services);
  // Long polls, as a CI job waits: the first result, then the one after it.
  const first = await call(server, '/_local/wait?room=ops&after=0&timeout=20s');
  expect(first.status, service.log()).toBe(200);
  const second = await call(server, `/_local/wait?room=ops&after=${(first.json as Item).seq}&timeout=20s`);
  expect(second.status, service.log()).toBe(200);
  expect(await service.stop()).toBe(0);

  for (const item of [first.json, second.json] as Item[]) {
    const match = HEALTH_MESSAGE.exec(item.message);
    expect(match, item.message).not.toBeNull();
    expect(item.color).toBe(COLOR_OF_LEVEL[match![1]!]);
    expect(item.message_format).toBe('text');
  }
  const stop = await sandbox.run(['stop-local-hipchat']);
  expect(stop.code, stop.stderr).toBe(0);
});
