// HipChatClient against a real local HipChat stand-in (and a real local proxy): real sockets, no mocks.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointError, HipChatError } from '../../../../src/notifier/errors.js';
import { HipChatClient, type HipChatClientOptions } from '../../../../src/notifier/hipchat/client.js';
import type { Color, RoomNotification } from '../../../../src/notifier/message.js';
import { startHipChatServer, TEST_TOKEN, type HipChatServerOptions, type HipChatTestServer } from '../../../support/hipchat-server.js';
import { startProxy, type TestProxy } from '../../../support/proxy.js';

const CA_FILE = fileURLToPath(new URL('../../../support/tls/cert.pem', import.meta.url));
const TLS = { cert: readFileSync(CA_FILE), key: readFileSync(new URL('../../../support/tls/key.pem', import.meta.url)) };

const NOTE: RoomNotification = { message: 'Deploy <b>done</b>', messageFormat: 'html', color: 'green', notify: true };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: HipChatServerOptions = {}): Promise<HipChatTestServer> {
  const started = await startHipChatServer(options);
  cleanups.push(() => started.close());
  return started;
}

async function proxy(): Promise<TestProxy> {
  const started = await startProxy();
  cleanups.push(() => started.close());
  return started;
}

// env: {} keeps the machine's own proxy variables out of the tests.
function client(options: Partial<HipChatClientOptions> & { apiUrl: string }): HipChatClient {
  const created = new HipChatClient({ token: TEST_TOKEN, env: {}, ...options });
  cleanups.push(() => created.close());
  return created;
}

function expectNoToken(error: unknown): void {
  const texts = [String(error), (error as Error).stack ?? '', JSON.stringify(error), inspect(error, { depth: Infinity, showHidden: true })];
  for (const text of texts) expect(text).not.toContain(TEST_TOKEN);
}

async function failure(sending: Promise<unknown>): Promise<HipChatError> {
  const error = await sending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HipChatError);
  expectNoToken(error);
  return error as HipChatError;
}

const errorBody = (code: number, message: string, type: string): unknown => ({ error: { code, message, type } });

describe('request shape', () => {
  it('posts the exact JSON body to the encoded room with a Bearer header only', async () => {
    const hipchat = await server();
    const sender = client({ apiUrl: hipchat.url });

    const outcome = await sender.sendRoomNotification('ops team/x', { ...NOTE, from: 'CI' });
    await sender.sendRoomNotification('ops team/x', NOTE);

    expect(outcome.status).toBe(204);
    const [withFrom, withoutFrom] = hipchat.requests;
    expect(withFrom?.method).toBe('POST');
    expect(withFrom?.url).toBe('/v2/room/ops%20team%2Fx/notification');
    expect(withFrom?.room).toBe('ops team/x');
    expect(withFrom?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
    expect(withFrom?.headers['content-type']).toBe('application/json');
    expect(withFrom?.headers.accept).toBe('application/json');
    expect(withFrom?.rawBody).toBe('{"message":"Deploy <b>done</b>","message_format":"html","color":"green","notify":true,"from":"CI"}');
    expect(withoutFrom?.rawBody).toBe('{"message":"Deploy <b>done</b>","message_format":"html","color":"green","notify":true}');
    for (const request of hipchat.requests) expect(request.url).not.toContain(TEST_TOKEN);
  });

  it('describes the same request for --dryRun, token redacted', async () => {
    const hipchat = await server();
    const sender = client({ apiUrl: hipchat.url });
    await sender.sendRoomNotification('ops team/x', { ...NOTE, from: 'CI' });
    const sent = hipchat.requests[0];

    const described = sender.describeRequest('ops team/x', { ...NOTE, from: 'CI' });

    expect(described.method).toBe('POST');
    expect(described.url).toBe(`${hipchat.url}${sent?.url}`);
    expect(described.body).toEqual(sent?.body);
    expect(described.headers).toEqual({
      Authorization: 'Bearer <redacted>',
      'Content-Type': 'application/json',
      Accept: 'application/json',
    });
    expect(JSON.stringify(described)).not.toContain(TEST_TOKEN);
  });

  it('keeps a path prefix of the API URL', () => {
    const sender = client({ apiUrl: 'https://hipchat.example.com/chat/' });
    expect(sender.describeRequest('42', NOTE).url).toBe('https://hipchat.example.com/chat/v2/room/42/notification');
  });

  it('returns the rate-limit headers of a success', async () => {
    const hipchat = await server({ tokenLimit: { limit: 100, windowMs: 300_000 } });
    const outcome = await client({ apiUrl: hipchat.url }).sendRoomNotification('ops', NOTE);
    expect(outcome.headers['x-ratelimit-remaining']).toBe('99');
  });
});

describe('answers other than 204', () => {
  it.each([
    [
      'a 400 (validation)',
      'ops',
      { color: 'Red' as Color },
      400,
      "HipChat refused the notification: 400 Value u'Red' for field 'color' is not in the enumeration: [",
    ],
    ['a 404 (unknown room)', 'nope', {}, 404, 'HipChat refused the notification: 404 Room nope not found'],
  ])('%s is permanent, with HipChat message', async (_name, room, change, status, expected) => {
    const hipchat = await server({ rooms: ['ops'] });
    const error = await failure(client({ apiUrl: hipchat.url }).sendRoomNotification(room, { ...NOTE, ...change }));
    expect(error.message.slice(0, expected.length)).toBe(expected);
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(status);
  });

  it('a 401 (wrong token) is permanent', async () => {
    const hipchat = await server();
    const error = await failure(client({ apiUrl: hipchat.url, token: 'wrong-token-xyz' }).sendRoomNotification('ops', NOTE));
    expect(error.message).toBe('HipChat refused the notification: 401 Invalid OAuth session');
    expect(error.hipchatMessage).toBe('Invalid OAuth session');
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('wrong-token-xyz');
  });

  it('a 403 is permanent; without a JSON body the reason phrase stands in', async () => {
    const hipchat = await server();
    const scope = 'This action requires one of the following scopes: [send_notification]';
    hipchat.injectFaults(
      { kind: 'status', status: 403, body: errorBody(403, scope, 'Forbidden') },
      { kind: 'status', status: 403, body: '<html>denied</html>' },
    );
    const sender = client({ apiUrl: hipchat.url });

    const withJson = await failure(sender.sendRoomNotification('ops', NOTE));
    const withText = await failure(sender.sendRoomNotification('ops', NOTE));

    expect(withJson.message).toBe(`HipChat refused the notification: 403 ${scope}`);
    expect(withJson.retryable).toBe(false);
    expect(withText.message).toBe('HipChat refused the notification: 403 Forbidden');
    expect(withText.hipchatMessage).toBeUndefined();
  });

  it('a 429 without reset headers is retryable, with no reset time', async () => {
    const hipchat = await server();
    hipchat.injectFaults({ kind: 'rateLimited', withHeaders: false });
    const error = await failure(client({ apiUrl: hipchat.url }).sendRoomNotification('ops', NOTE));
    expect(error.message).toBe('HipChat rate limit exceeded (429): Rate Limit exceeded');
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(error.resetAt).toBeUndefined();
  });

  it('a 429 with reset headers carries the later reset, and the headers', async () => {
    const hipchat = await server();
    hipchat.injectFaults({ kind: 'rateLimited', withHeaders: true });
    const error = await failure(client({ apiUrl: hipchat.url }).sendRoomNotification('ops', NOTE));
    const resets = [error.headers?.['x-ratelimit-reset'], error.headers?.['x-floodcontrol-reset']].map(Number);
    expect(resets.every((seconds) => seconds > Date.now() / 1000 - 1)).toBe(true);
    expect(error.resetAt).toBe(Math.max(...resets) * 1000);
    expect(error.retryable).toBe(true);
  });

  it.each([
    ['the token window', { 'X-Ratelimit-Reset': '2000000060', 'X-FloodControl-Reset': '2000000000' }],
    ['the room window', { 'X-Ratelimit-Reset': '2000000000', 'X-FloodControl-Reset': '2000000060' }],
  ])('a 429 waits for %s when it refills later', async (_name, headers) => {
    const hipchat = await server();
    const body = errorBody(429, 'Rate Limit exceeded', 'Too Many Requests');
    hipchat.injectFaults({ kind: 'status', status: 429, body, headers });
    const error = await failure(client({ apiUrl: hipchat.url }).sendRoomNotification('ops', NOTE));
    expect(error.resetAt).toBe(2_000_000_060_000);
  });

  it('a 5xx is retryable, with HipChat message when it gave one', async () => {
    const hipchat = await server();
    hipchat.injectFaults(
      { kind: 'status', status: 503 },
      { kind: 'status', status: 502, body: errorBody(502, 'Upstream down', 'Bad Gateway') },
    );
    const sender = client({ apiUrl: hipchat.url });

    const bare = await failure(sender.sendRoomNotification('ops', NOTE));
    const explained = await failure(sender.sendRoomNotification('ops', NOTE));

    expect(bare.message).toBe('HipChat answered 503 Service Unavailable');
    expect(bare.retryable).toBe(true);
    expect(bare.status).toBe(503);
    expect(explained.message).toBe('HipChat answered 502 Bad Gateway: Upstream down');
  });

  it('a redirect is not followed (it would carry the token elsewhere)', async () => {
    const hipchat = await server();
    const elsewhere = await server();
    const location = `${elsewhere.url}/v2/room/ops/notification`;
    hipchat.injectFaults({ kind: 'status', status: 307, headers: { Location: location } });
    const error = await failure(client({ apiUrl: hipchat.url }).sendRoomNotification('ops', NOTE));
    expect(error.message).toBe('HipChat answered 307 Temporary Redirect instead of 204 No Content');
    expect(error.retryable).toBe(false);
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('no answer', () => {
  it('times out after timeoutMs, retryable', async () => {
    const hipchat = await server();
    hipchat.injectFaults({ kind: 'delay', ms: 3000 });
    const error = await failure(client({ apiUrl: hipchat.url, timeoutMs: 200 }).sendRoomNotification('ops', NOTE));
    // The server is still holding its answer back: the client gave up on its own.
    expect(hipchat.requests.map((request) => request.status)).toEqual([0]);
    expect(error.message).toBe(`No answer from HipChat at 127.0.0.1:${hipchat.port} within 0.2 s`);
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
  });

  it('a connection reset is retryable', async () => {
    const hipchat = await server();
    hipchat.injectFaults({ kind: 'reset' });
    const error = await failure(client({ apiUrl: hipchat.url }).sendRoomNotification('ops', NOTE));
    expect(error.message).toBe(`Cannot reach HipChat at 127.0.0.1:${hipchat.port}: connection reset`);
    expect(error.retryable).toBe(true);
  });

  it('a refused connection is retryable', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const error = await failure(client({ apiUrl: `http://127.0.0.1:${port}` }).sendRoomNotification('ops', NOTE));
    expect(error.message).toBe(`Cannot reach HipChat at 127.0.0.1:${port}: connection refused`);
    expect(error.retryable).toBe(true);
  });

  it('an aborted request rejects with an AbortError', async () => {
    const hipchat = await server();
    hipchat.injectFaults({ kind: 'delay', ms: 3000 });
    const controller = new AbortController();
    const sending = client({ apiUrl: hipchat.url }).sendRoomNotification('ops', NOTE, controller.signal);
    setTimeout(() => controller.abort(), 50);
    const error = await sending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
    expectNoToken(error);
  });
});

describe('connections', () => {
  it('sends many messages over one keep-alive connection', async () => {
    const hipchat = await server();
    const sender = client({ apiUrl: hipchat.url });
    for (let i = 0; i < 3; i++) await sender.sendRoomNotification('ops', { ...NOTE, message: `message ${i}` });
    expect(hipchat.delivered()).toHaveLength(3);
    expect(hipchat.connections()).toBe(1);
  });

  it('goes through HTTP_PROXY to an http target with absolute-URI requests', async () => {
    const hipchat = await server();
    const forward = await proxy();
    const sender = client({ apiUrl: hipchat.url, env: { HTTP_PROXY: forward.url } });
    for (let i = 0; i < 2; i++) await sender.sendRoomNotification('ops team/x', NOTE);
    expect(forward.requests).toEqual(Array(2).fill({ method: 'POST', target: `${hipchat.url}/v2/room/ops%20team%2Fx/notification` }));
    expect(hipchat.delivered('ops team/x')).toHaveLength(2);
    expect(hipchat.requests[0]?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  });

  it('tunnels through https_proxy with one kept-alive CONNECT, trusting caFile at HipChat', async () => {
    const hipchat = await server({ tls: TLS });
    const tunnel = await proxy();
    const sender = client({ apiUrl: hipchat.url, caFile: CA_FILE, env: { https_proxy: tunnel.url } });
    for (let i = 0; i < 3; i++) await sender.sendRoomNotification('ops', NOTE);
    expect(tunnel.requests).toEqual([{ method: 'CONNECT', target: `127.0.0.1:${hipchat.port}` }]);
    expect(hipchat.delivered()).toHaveLength(3);
    expect(hipchat.connections()).toBe(1);
  });

  it('verifies HipChat certificate through the tunnel too', async () => {
    const hipchat = await server({ tls: TLS });
    const tunnel = await proxy();
    const error = await failure(client({ apiUrl: hipchat.url, env: { HTTPS_PROXY: tunnel.url } }).sendRoomNotification('ops', NOTE));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('--caFile FILE');
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const hipchat = await server();
    const forward = await proxy();
    const env = { http_proxy: forward.url, no_proxy: 'example.com, 127.0.0.1' };
    const sender = client({ apiUrl: hipchat.url, env });
    await sender.sendRoomNotification('ops', NOTE);
    expect(forward.requests).toHaveLength(0);
    expect(hipchat.delivered()).toHaveLength(1);
  });
});

describe('TLS', () => {
  it('trusts the CA in caFile', async () => {
    const hipchat = await server({ tls: TLS });
    await client({ apiUrl: hipchat.url, caFile: CA_FILE }).sendRoomNotification('ops', NOTE);
    expect(hipchat.delivered()).toHaveLength(1);
  });

  it('refuses an unverifiable certificate, not retryable, pointing at --caFile and --insecure', async () => {
    const hipchat = await server({ tls: TLS });
    const error = await failure(client({ apiUrl: hipchat.url }).sendRoomNotification('ops', NOTE));
    expect(error.message).toMatch(/^Cannot verify the TLS certificate of HipChat at 127\.0\.0\.1:\d+: it is self-signed /);
    expect(error.message).toContain('--caFile FILE');
    expect(error.message).toContain('NODE_EXTRA_CA_CERTS');
    expect(error.message).toContain('--insecure');
    expect(error.retryable).toBe(false);
    expect(hipchat.requests).toHaveLength(0);
  });

  it('skips verification when insecure', async () => {
    const hipchat = await server({ tls: TLS });
    await client({ apiUrl: hipchat.url, insecure: true }).sendRoomNotification('ops', NOTE);
    expect(hipchat.delivered()).toHaveLength(1);
  });

  it('reports an unreadable caFile as an endpoint error, at the first send (TLS loads only then)', async () => {
    const sending = client({ apiUrl: 'https://127.0.0.1', caFile: '/nonexistent/ca.pem' }).sendRoomNotification('ops', NOTE);
    await expect(sending).rejects.toThrow(EndpointError);
    await expect(sending).rejects.toThrow('Cannot read the CA file /nonexistent/ca.pem: no such file or directory');
  });
});

/** A server that answers every request with `answer(response)`; its requests' paths are kept. */
async function hostile(answer: (response: http.ServerResponse) => void): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const started = http.createServer((request, response) => {
    paths.push(request.url ?? '');
    request.resume();
    request.on('end', () => answer(response));
  });
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    started.closeAllConnections();
    return new Promise((resolve) => started.close(resolve));
  });
  return { url: `http://127.0.0.1:${(started.address() as net.AddressInfo).port}`, paths };
}

describe('hostile servers (issue 14)', () => {
  it('#9: a 200 with a body over 1 MB is refused in one line, having read no more than that', async () => {
    let written = 0;
    const { url } = await hostile((response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      // Up to 1 GB, as long as the client keeps reading.
      const pump = () => {
        while (written < 1024 ** 3 && response.write(chunk)) written += chunk.length;
        if (written < 1024 ** 3) response.once('drain', pump);
        else response.end();
      };
      response.on('close', () => response.removeAllListeners('drain'));
      pump();
    });
    const error = await failure(client({ apiUrl: url }).sendRoomNotification('ops', NOTE));
    expect(error.message).toBe(`The answer from ${new URL(url).host} is larger than 1 MB: not HipChat's (check --apiUrl)`);
    expect(error.retryable).toBe(false);
    expect(written).toBeLessThan(64 * 1024 ** 2);
  });

  it('#9: a gzip bomb on a 400 is never inflated', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(Buffer.alloc(64 * 1024 ** 2, '{'));
    const { url } = await hostile((response) => {
      response.writeHead(400, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      response.end(bomb);
    });
    const error = await failure(client({ apiUrl: url }).sendRoomNotification('ops', NOTE));
    // The compressed bytes are no JSON error body: HipChat's reason phrase stands in.
    expect(error.message).toBe('HipChat refused the notification: 400 Bad Request');
  });

  it('#11: a body that trickles in is cut off at the timeout, the whole exchange counted', async () => {
    const { url } = await hostile((response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      const timer = setInterval(() => response.write('x'), 50);
      response.on('close', () => clearInterval(timer));
    });
    const error = await failure(client({ apiUrl: url, timeoutMs: 400 }).sendRoomNotification('ops', NOTE));
    expect(error.message).toBe(`No answer from HipChat at ${new URL(url).host} within 0.4 s`);
    expect(error.retryable).toBe(true);
  });

  it('#20: rooms named . and .. keep their own path segment', async () => {
    const { url, paths } = await hostile((response) => {
      response.writeHead(204);
      response.end();
    });
    for (const room of ['.', '..', 'a.b']) await client({ apiUrl: url }).sendRoomNotification(room, NOTE);
    expect(paths).toEqual(['/v2/room/%2E/notification', '/v2/room/%2E%2E/notification', '/v2/room/a.b/notification']);
  });
});
