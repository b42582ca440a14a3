// start-local-hipchat and stop-local-hipchat as a user runs them, the built CLI as a child process in a
// throw-away HOME, never on a fixed port (--port 0, the port read from --json). The server's own behaviour
// in detail (validation, limits, chaos, persistence, the page) is tested in-process in test/local-hipchat/;
// here each feature is looked at once through the CLI-started server.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, hasStackTrace, type Sandbox } from '../../support/cli.js';
import { call, history, shutDown, startForeground, type Started } from './support.js';

const START = 'start-local-hipchat';
const STOP = 'stop-local-hipchat';

let sandbox: Sandbox;
let children: ChildProcess[];
let detached: Started[];

beforeEach(() => {
  sandbox = createSandbox();
  children = [];
  detached = [];
});
afterEach(async () => {
  // Our own children only; a detached server is stopped through its API.
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(detached.map(shutDown));
  sandbox.remove();
});

const stateFolder = () => join(sandbox.stateDir, 'local-hipchat');
const portOf = (server: Started) => Number(new URL(server.apiUrl).port);

describe('start-local-hipchat --detach', () => {
  it('returns once the server answers, configures the target for notifier, names itself to a second start, and stops', async () => {
    const start = await sandbox.run([START, '--detach', '--configure', '--port', '0', '--json']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toBe('');
    const lines = start.stdout.split('\n');
    expect(lines).toHaveLength(2); // one JSON line, nothing else (no success line with --json)
    const server = JSON.parse(lines[0]!) as Started;
    detached.push(server);
    const port = portOf(server);
    expect(server).toEqual({
      apiUrl: `http://127.0.0.1:${port}`,
      pageUrl: `http://127.0.0.1:${port}/`,
      token: expect.any(String),
      pid: expect.any(Number),
    });
    expect(server.token).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(port).toBeGreaterThan(0);

    // What stop needs, private; the log of a --port 0 server is named after its port once known.
    const state = join(stateFolder(), `${port}.json`);
    expect(statSync(stateFolder()).mode & 0o777).toBe(0o700);
    expect(statSync(state).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ pid: server.pid, port, apiUrl: server.apiUrl, token: server.token });
    const log = readFileSync(join(stateFolder(), `${port}.log`), 'utf8');
    expect(log).toContain('(read from stdin, not shown)');
    expect(log).not.toContain(server.token);

    // --configure: enabled, the default room, this token and URL; the health check's notifier follows.
    const config = JSON.parse(readFileSync(sandbox.configPath, 'utf8')) as {
      targets: { server: { hipchat: Record<string, unknown>; healthcheck: { hipchatNotifier: { enabled: boolean } } } };
    };
    expect(config.targets.server.hipchat).toMatchObject({
      enabled: true,
      roomName: 'payara-notifications',
      token: server.token,
      apiUrl: server.apiUrl,
    });
    expect(config.targets.server.healthcheck.hipchatNotifier.enabled).toBe(true);

    // notifier sends to it with nothing else configured, and the history API gives the message back,
    // by header and by the legacy auth_token query; without a token, HipChat's 401.
    const send = await sandbox.run(['send-hipchat-notification', 'hi']);
    expect(send.code, send.stderr).toBe(0);
    expect(await history(server, 'payara-notifications')).toEqual(['hi']);
    const byQuery = await call(server, `/v2/room/payara-notifications/history?auth_token=${server.token}`, { token: null });
    expect(byQuery.status).toBe(200);
    const anonymous = await call(server, '/v2/room/payara-notifications/history', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual({
      error: {
        code: 401,
        message: 'Authenticated requests only. See: https://www.hipchat.com/docs/apiv2/auth for more information.',
        type: 'Unauthorized',
      },
    });

    // A second start on the port this one holds says so, naming it.
    const again = await sandbox.run([START, '--detach', '--port', String(port)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `A local HipChat server already runs on port ${port} (pid ${server.pid}, since ${JSON.parse(readFileSync(state, 'utf8')).startedAt as string}, page ${server.pageUrl}): stop it with notifier stop-local-hipchat --port ${port}, or pass --port 0 for any free port\nCommand ${START} failed.\n`,
    );

    const stop = await sandbox.run([STOP]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toBe(`Local HipChat server on port ${port} stopped (pid ${server.pid})\nCommand ${STOP} executed successfully.\n`);
    expect(() => statSync(state)).toThrow(); // gone with it
    await expect(fetch(`${server.apiUrl}/_local/health`)).rejects.toThrow();

    const none = await sandbox.run([STOP]);
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('Warning: No local HipChat server is running\n');
  });
});

describe('start-local-hipchat in the foreground', () => {
  it('logs each request, applies --chaos and the limits, warns about 0.0.0.0, stops on SIGTERM, and keeps --dataDir across a restart', async () => {
    const dataDir = join(sandbox.dir, 'hipchat-data');
    const args = ['--port', '0', '--dataDir', dataDir, '--floodLimit', '1/24h'];
    const first = await startForeground(sandbox, children, '--host', '0.0.0.0', '--chaos', '503=1', ...args);
    const server = first.started;
    expect(server.pid).toBe(first.child.pid);
    expect(first.stderr()).toBe(
      'Warning: --host 0.0.0.0 is not a loopback address: anyone who can reach its port can read every room on the page, and post with the token\n',
    );

    // --chaos: every send fails as asked, until chaos is turned off at run time.
    const chaotic = await call(server, '/v2/room/ops/notification', { method: 'POST', body: { message: 'lost' } });
    expect(chaotic.status).toBe(503);
    expect(chaotic.json).toMatchObject({ error: { code: 503, message: 'Chaos: injected 503 Service Unavailable' } });
    expect((await call(server, '/_local/chaos', { method: 'DELETE' })).json).toMatchObject({ chaos: 'off' });

    // --floodLimit 1/24h: the room's one send, then HipChat's 429 with its headers (Reset in Unix seconds).
    const kept = await call(server, '/v2/room/ops/notification', { method: 'POST', body: { message: 'kept', color: 'green' } });
    expect(kept.status).toBe(204);
    const limited = await call(server, '/v2/room/ops/notification', { method: 'POST', body: { message: 'over the limit' } });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ error: { code: 429, message: 'Rate Limit exceeded', type: 'Too Many Requests' } });
    expect(limited.headers.get('x-floodcontrol-limit')).toBe('1');
    expect(limited.headers.get('x-floodcontrol-remaining')).toBe('0');
    expect(Number(limited.headers.get('x-floodcontrol-reset')) % 86_400).toBe(0);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('500');

    // One log line per request on stderr, the auth_token of a query never in it.
    await call(server, `/v2/room/ops/history?auth_token=${server.token}`, { token: null });
    await first.waitForLog(/GET \/v2\/room\/ops\/history\?auth_token=\[redacted\] 200 /);
    for (const line of [
      /POST \/v2\/room\/ops\/notification 503 .*chaos=503/,
      /POST \/v2\/room\/ops\/notification 204 /,
      /POST \/v2\/room\/ops\/notification 429 /,
    ]) {
      expect(first.stderr()).toMatch(line);
    }
    expect(first.stderr()).not.toContain(server.token);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.stdout()).toBe(`${JSON.stringify(server)}\n`); // nothing but the --json line
    expect(first.stderr()).toMatch(/ stopping \(SIGTERM\)\n$/);
    expect(hasStackTrace(first.stderr())).toBe(false);
    expect(() => statSync(join(stateFolder(), `${portOf(server)}.json`))).toThrow();

    // The data folder brings the accepted notification back (not the refused ones); this time with two
    // tokens of our own, and only the room ops.
    const tokens = ['first-token-0123456789', 'second-token-0123456789'];
    const second = await startForeground(sandbox, children, ...args, '--token', tokens[0]!, '--token', tokens[1]!, '--rooms', 'ops');
    expect(second.started.token).toBe(tokens[0]);
    expect(await history(second.started, 'ops')).toEqual(['kept']);
    expect(await history({ apiUrl: second.started.apiUrl, token: tokens[1]! }, 'ops')).toEqual(['kept']);
    const elsewhere = await call(second.started, '/v2/room/builds/notification', { method: 'POST', body: { message: 'x' } });
    expect(elsewhere.json).toMatchObject({ error: { code: 404, message: 'Room builds not found' } });
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('refuses bad values before it listens: exit 2, one line', async () => {
    const results = await Promise.all([
      sandbox.run([START, '--floodLimit', '30/minute']),
      sandbox.run([START, '--noLimits', '--tokenLimit', '5/1s']),
      sandbox.run([START, '--chaos', '503=2']),
      sandbox.run([START, '--rooms', 'ops', '--configure', '--roomName', 'builds']),
    ]);
    expect(results.map((result) => [result.code, result.stderr])).toEqual([
      [2, `Invalid --floodLimit "30/minute": expected COUNT/DURATION such as 30/60s or 500/5m, or off\nCommand ${START} failed.\n`],
      [2, `--noLimits turns --tokenLimit off: give one of them\nCommand ${START} failed.\n`],
      [2, `Invalid chaos "503=2": the probability must be from 0 to 1 (or 0% to 100%)\nCommand ${START} failed.\n`],
      [2, `--roomName builds is not one of --rooms ops: its notifications would get a 404\nCommand ${START} failed.\n`],
    ]);
  });

  it('says a port another program holds is in use, and how to pick another', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const [foreground, detach] = await Promise.all([
        sandbox.run([START, '--port', String(port)]),
        sandbox.run([START, '--port', String(port), '--detach']),
      ]);
      const inUse = `Port ${port} on 127.0.0.1 is already in use: pass --port with a free port, or --port 0 for any free one`;
      expect([foreground.code, foreground.stdout, foreground.stderr]).toEqual([1, '', `${inUse}\nCommand ${START} failed.\n`]);
      // In the background the server's own words come back from its log.
      const log = join(stateFolder(), `${port}.log`);
      expect([detach.code, detach.stdout, detach.stderr]).toEqual([
        1,
        '',
        `The local HipChat server did not start (exit 1): ${inUse}; see ${log}\nCommand ${START} failed.\n`,
      ]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
