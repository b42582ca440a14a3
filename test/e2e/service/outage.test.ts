// The notification service when HipChat is down, slow or strict: nothing is lost, the spool is bounded,
// the shared rate limit holds, and a stop never waits for a hung request.
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../support/cli.js';
import {
  cli,
  configureAll,
  HEALTH_MESSAGE,
  messages,
  spooled,
  startService,
  useServiceTestSetup,
  waitForDeliveries,
} from '../../support/service.js';
import { waitFor } from '../../support/wait.js';

const { sandbox, services, startServer } = useServiceTestSetup();

// A generous --rateLimit: these tests are about outages, not about the limiter.
const UNLIMITED = ['--rateLimit', '100/1s'];
const disableChecker = (sandbox: Sandbox) =>
  cli(sandbox, 'healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false', '--dynamic=true');

describe('nothing is lost', () => {
  it('keeps notifications while HipChat is down and delivers every one, in order, when it is back', async () => {
    const first = await startServer();
    await configureAll(sandbox, first, ['--time', '100', '--unit', 'MILLISECONDS'], UNLIMITED);
    const service = startService(sandbox, services);
    await waitForDeliveries(first, 2);
    const port = first.port;
    await first.close();
    // Down for as long as the service takes to measure 5 more results and to give up on one try (the longer
    // HipChat is down, the longer the service's back-off, and the longer this test).
    const queuedBefore = service.matches(/ queued: /).length;
    await service.waitForLog(/ queued: /, queuedBefore + 5);
    await service.waitForLog(/next try in/);
    const second = await startServer({ port });
    await disableChecker(sandbox);
    await service.waitForLog(/no health checker is enabled/);
    const queued = service.matches(/ queued: /).map((line) => line.slice(line.indexOf(' queued: ') + ' queued: '.length));
    expect(queued.length).toBeGreaterThan(5);
    await waitForDeliveries(() => [...first.delivered(), ...second.delivered()], queued.length);
    expect(await service.stop()).toBe(0);

    // Every result the service queued arrived, once, in the order it was measured.
    const delivered = messages([...first.delivered(), ...second.delivered()]).map((message) => message.split('\n')[1]);
    expect(delivered).toEqual(queued);
  });

  it('delivers a spooled backlog after a kill -9 and a restart', async () => {
    const first = await startServer();
    await configureAll(sandbox, first, ['--time', '100', '--unit', 'MILLISECONDS'], UNLIMITED);
    const port = first.port;
    await first.close();
    const service = startService(sandbox, services);
    await service.waitForLog(/next try in/);
    await waitFor(
      () => spooled(sandbox) >= 5,
      () => `5 spooled notifications (${spooled(sandbox)})`,
    );
    await service.stop('SIGKILL');
    const backlog = spooled(sandbox);
    expect(backlog).toBeGreaterThanOrEqual(5);

    const second = await startServer({ port });
    await cli(sandbox, 'healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled=false');
    const restarted = startService(sandbox, services);
    await restarted.waitForLog(new RegExp(`${backlog} notifications waiting in the spool from before`));
    await waitForDeliveries(second, backlog);
    expect(await restarted.stop()).toBe(0);
    expect(second.delivered()).toHaveLength(backlog);
    expect(spooled(sandbox)).toBe(0);
  });

  it('bounds the spool: drops the oldest, logs it and sends one summary', async () => {
    const first = await startServer();
    await configureAll(sandbox, first, ['--time', '100', '--unit', 'MILLISECONDS'], UNLIMITED);
    const port = first.port;
    await first.close();
    const service = startService(sandbox, services, '--spoolLimit=3');
    await service.waitForLog(/spool full: dropped the 1 oldest/);
    await disableChecker(sandbox);
    await service.waitForLog(/no health checker is enabled/);
    const second = await startServer({ port });
    // Sent until nothing waits any more: no second summary is pending.
    await service.waitForLog(/ sent: .* \(0 waiting\)$/);
    expect(await service.stop()).toBe(0);
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
  });
});

describe('the shared rate limit', () => {
  it('a 0.2-s checker against a 5-per-2-s HipChat: zero 429s, the backlog grows and then drains', async () => {
    const limit = { limit: 5, windowMs: 2000 };
    const server = await startServer({ tokenLimit: limit, floodLimit: limit });
    await configureAll(sandbox, server, ['--time', '200', '--unit', 'MILLISECONDS'], ['--rateLimit', '5/2s']);
    const service = startService(sandbox, services);
    // The backlog grows: results come faster than the limit lets them out.
    await waitFor(
      () => spooled(sandbox) > 3,
      () => `a backlog of more than 3 (${spooled(sandbox)})`,
    );
    await disableChecker(sandbox);
    await service.waitForLog(/no health checker is enabled/);
    const queued = service.matches(/ queued: /).length;
    await waitForDeliveries(server, queued);
    expect(await service.stop()).toBe(0);
    expect(server.count(429)).toBe(0);
    expect(server.delivered()).toHaveLength(queued);
    expect(spooled(sandbox)).toBe(0);
    // Never more than 5 in one of the server's 2-s windows.
    const perWindow = new Map<number, number>();
    for (const request of server.delivered()) {
      const window = Math.floor(request.receivedAt / 2000);
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    }
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(5);
  });
});

describe('stopping', () => {
  it('SIGTERM during a request that hangs: the service exits 0 without waiting for HipChat to answer', async () => {
    const server = await startServer();
    server.injectFaults({ kind: 'delay', ms: 120_000 });
    await configureAll(sandbox, server, ['--time', '5', '--unit', 'MINUTES'], [], 'healthcheck-machinemem');
    const service = startService(sandbox, services);
    await waitFor(
      () => server.requests.length === 1,
      () => 'the first request',
    );
    expect(await service.stop()).toBe(0);
    // The request is still unanswered: the stop did not wait for its two minutes.
    expect(server.requests[0]!.status).toBe(0);
    expect(service.log()).toMatch(/stopped; 1 notifications kept in the spool/);
  });
});
