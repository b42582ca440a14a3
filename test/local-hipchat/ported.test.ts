// Every test of the old stand-in (test/support/hipchat-server.test.ts), run against the product's server.
// Where the product deliberately differs, the test says so:
// - the legacy `auth_token` query parameter is accepted, as HipChat did (the suite asserts on recorded
//   URLs that notifier never sends it);
// - a request without any token gets HipChat's "Authenticated requests only" message;
// - lengths count UTF-16 code units (so 5001 emoji are too long), and a card needs its title;
// - POST /v2/room creates rooms, so it is no longer an unknown path.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalHipChat } from '../../src/local-hipchat/index.js';
import { deadline } from '../../src/util/sleep.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { closeLater, collect, jsonHeaders, send, server, TEST_TOKEN } from './support.js';

const TLS = {
  key: readFileSync(new URL('../support/tls/key.pem', import.meta.url)),
  cert: readFileSync(new URL('../support/tls/cert.pem', import.meta.url)),
};

afterEach(() => {
  vi.useRealTimers();
});

async function proxy(): Promise<TestProxy> {
  return closeLater(await startProxy());
}

const notification = JSON.stringify({ message: 'hi' });

describe('notification endpoint', () => {
  it('answers 204 with an empty body and records the request', async () => {
    const s = await server();
    const before = Date.now();
    const r = await send(s, { message: 'deployed', color: 'green', notify: true }, { room: 'ops team' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(s.requests).toHaveLength(1);
    const [rec] = s.requests;
    expect(rec).toMatchObject({
      method: 'POST',
      url: '/v2/room/ops%20team/notification',
      room: 'ops team',
      rawBody: '{"message":"deployed","color":"green","notify":true}',
      body: { message: 'deployed', color: 'green', notify: true },
      status: 204,
    });
    expect(rec?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
    expect(rec?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(s.delivered()).toHaveLength(1);
    expect(s.delivered('ops team')).toHaveLength(1);
    expect(s.delivered('other')).toHaveLength(0);
    expect(s.count(204)).toBe(1);
  });

  it('decodes the room as one segment; a raw slash does not match the route', async () => {
    const s = await server();
    expect((await send(s, { message: 'x' }, { room: 'a/b' })).status).toBe(204);
    expect(s.requests[0]).toMatchObject({ url: '/v2/room/a%2Fb/notification', room: 'a/b' });
    const raw = await send(s, { message: 'x' }, { path: '/v2/room/a/b/notification' });
    expect(raw.status).toBe(404);
    expect(raw.json).toEqual({ error: { code: 404, message: 'Not found', type: 'Not Found' } });
    expect(s.requests[1]?.room).toBeUndefined();
    expect((await send(s, { message: 'x' }, { path: '/v2/room/%E0%A4%A/notification' })).status).toBe(404);
  });

  it('404s an unknown room only when rooms are given, with a bad Content-Type never reaching validation', async () => {
    const s = await server({ rooms: ['ops', '42'] });
    expect((await send(s, { message: 'x' }, { room: '42' })).status).toBe(204);
    const r = await send(s, { message: 'x' }, { room: 'Ops', contentType: 'text/plain' });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { code: 404, message: 'Room Ops not found', type: 'Not Found' } });
  });

  it('answers 405 to other methods on the notification path', async () => {
    const s = await server();
    expect((await send(s, undefined, { method: 'GET' })).status).toBe(405);
  });
});

describe('auth', () => {
  const unauthorized = { error: { code: 401, message: 'Invalid OAuth session', type: 'Unauthorized' } };

  it('401s a missing, unknown or non-Bearer token', async () => {
    const s = await server();
    // Differs: no token at all gets HipChat's own message for that case.
    const missing = await send(s, { message: 'x' }, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({
      error: { code: 401, message: expect.stringMatching(/^Authenticated requests only/), type: 'Unauthorized' },
    });
    const wrong = await send(s, { message: 'x' }, { token: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual(unauthorized);
    const basic = await fetch(`${s.url}/v2/room/ops/notification`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${TEST_TOKEN}` },
      body: notification,
    });
    expect(basic.status).toBe(401);
    expect(await basic.json()).toEqual(unauthorized);
    expect(s.delivered()).toHaveLength(0);
  });

  it('accepts the configured tokens only', async () => {
    const s = await server({ tokens: ['a-token', 'b-token'] });
    expect((await send(s, { message: 'x' }, { token: 'b-token' })).status).toBe(204);
    expect((await send(s, { message: 'x' })).status).toBe(401);
  });

  it('accepts auth_token in the query as HipChat did, and records the URL that carried it', async () => {
    // Differs: the stand-in refused it. The suite asserts on this recorded URL that notifier never sends it.
    const s = await server();
    const r = await send(s, { message: 'x' }, { path: `/v2/room/ops/notification?auth_token=${TEST_TOKEN}` });
    expect(r.status).toBe(204);
    expect(s.requests[0]?.url).toBe(`/v2/room/ops/notification?auth_token=${TEST_TOKEN}`);
    const alone = await send(s, { message: 'x' }, { path: `/v2/room/ops/notification?auth_token=${TEST_TOKEN}`, token: null });
    expect(alone.status).toBe(204);
    const wrong = await send(s, { message: 'x' }, { path: '/v2/room/ops/notification?auth_token=wrong', token: null });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual(unauthorized);
    expect(s.count(204)).toBe(2);
    expect(s.count(401)).toBe(1);
  });

  it('answers auth_test with 202 or 401 and consumes no fault', async () => {
    const s = await server();
    s.injectFaults({ kind: 'status', status: 503 });
    const path = '/v2/room/ops/notification?auth_test=true';
    const ok = await send(s, undefined, { path, method: 'GET' });
    expect(ok.status).toBe(202);
    expect(ok.json).toMatchObject({ success: { code: 202, type: 'Accepted' } });
    expect((await send(s, { message: 'x' }, { path })).status).toBe(202);
    expect((await send(s, undefined, { path, method: 'GET', token: 'wrong' })).status).toBe(401);
    expect((await send(s, { message: 'x' })).status).toBe(503);
  });
});

describe('validation', () => {
  const cases: [string, unknown, Record<string, unknown>][] = [
    ['missing message', { color: 'red' }, { field: 'message', validation: 'required' }],
    ['non-string message', { message: 5 }, { field: 'message', expected_type: 'string' }],
    ['empty message', { message: '' }, { field: 'message', validation: 'length' }],
    ['10001-character message', { message: 'a'.repeat(10001) }, { field: 'message', validation: 'length' }],
    // Differs: UTF-16 code units are counted, the strictest reading of "characters".
    ['5001 emoji (10002 UTF-16 units)', { message: '😀'.repeat(5001) }, { field: 'message', validation: 'length' }],
    ['unknown message_format', { message: 'x', message_format: 'markdown' }, { field: 'message_format' }],
    ['"Red"', { message: 'x', color: 'Red' }, { field: 'color', validation: 'enum' }],
    ['notify "true"', { message: 'x', notify: 'true' }, { field: 'notify', expected_type: 'boolean' }],
    ['65-character from', { message: 'x', from: 'f'.repeat(65) }, { field: 'from', validation: 'length' }],
    ['non-string from', { message: 'x', from: 1 }, { field: 'from', validation: 'type' }],
    ['37-character attach_to', { message: 'x', attach_to: 'a'.repeat(37) }, { field: 'attach_to' }],
    ['non-object card', { message: 'x', card: 'c' }, { field: 'card' }],
    ['array body', [{ message: 'x' }], { expected_type: 'object' }],
  ];

  it.each(cases)('400s %s', async (_name, body, extras) => {
    const s = await server();
    const r = await send(s, body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { code: 400, type: 'Bad Request', ...extras } });
    expect(s.delivered()).toHaveLength(0);
  });

  it('words enumeration errors like HipChat', async () => {
    const s = await server();
    const r = await send(s, { message: 'x', color: 'Red' });
    expect(r.json).toMatchObject({
      error: {
        message:
          "Value u'Red' for field 'color' is not in the enumeration: " + "[u'yellow', u'green', u'red', u'purple', u'gray', u'random']",
      },
    });
  });

  it('accepts every field at its limits, counting UTF-16 code units', async () => {
    const s = await server();
    const full = {
      message_format: 'text',
      color: 'random',
      notify: false,
      from: 'f'.repeat(64),
      attach_to: 'a'.repeat(36),
      card: { style: 'link', title: 'Build 42' }, // differs: a card needs its title
      extra: 'ignored',
    };
    expect((await send(s, { ...full, message: 'm'.repeat(10000) })).status).toBe(204);
    expect((await send(s, { message: '😀'.repeat(5000), message_format: 'html' })).status).toBe(204);
    expect((await send(s, { message: '😀'.repeat(10000), message_format: 'html' })).status).toBe(400);
    expect((await send(s, { message: 'x', color: 'gray' })).status).toBe(204);
  });

  it('requires a JSON Content-Type and body', async () => {
    const s = await server();
    const form = await send(s, undefined, { contentType: 'application/x-www-form-urlencoded', raw: 'message=x' });
    expect(form.status).toBe(400);
    expect((await send(s, undefined, { contentType: 'text/plain', raw: notification })).status).toBe(400);
    expect((await send(s, undefined, { raw: '{"message":' })).status).toBe(400);
    expect((await send(s, { message: 'x' }, { contentType: 'application/json; charset=utf-8' })).status).toBe(204);
    expect(s.requests[2]?.body).toBeUndefined();
  });
});

describe('faults', () => {
  it('status: answers the given status, body and headers, FIFO, one per request, before validation', async () => {
    const s = await server();
    s.injectFaults(
      { kind: 'status', status: 503, body: { error: 'down' }, headers: { 'Retry-After': '1' } },
      { kind: 'status', status: 502, body: '<html>bad gateway</html>' },
      { kind: 'status', status: 500 },
    );
    const first = await send(s, { message: '' });
    expect(first.status).toBe(503);
    expect(first.json).toEqual({ error: 'down' });
    expect(first.headers.get('retry-after')).toBe('1');
    const second = await send(s, { message: 'x' });
    expect(second.status).toBe(502);
    expect(second.text).toBe('<html>bad gateway</html>');
    expect((await send(s, { message: 'x' })).text).toBe('');
    expect((await send(s, { message: 'x' })).status).toBe(204);
    expect(s.requests.map((r) => r.status)).toEqual([503, 502, 500, 204]);
  });

  it('faults skip requests that are not notifications', async () => {
    const s = await server();
    s.injectFaults({ kind: 'status', status: 500 });
    // Differs: POST /v2/room now creates a room (this body has no name: 400); history of an unknown room: 404.
    expect((await send(s, { message: 'x' }, { path: '/v2/room' })).status).toBe(400);
    expect((await send(s, undefined, { path: '/v2/room/ops/history', method: 'GET' })).status).toBe(404);
    expect((await send(s, { message: 'x' })).status).toBe(500);
  });

  it('reset: destroys the socket without answering', async () => {
    const s = await server();
    s.injectFaults({ kind: 'reset' });
    const req = http.request(`${s.url}/v2/room/ops/notification`, { method: 'POST', headers: jsonHeaders });
    await expect(collect(req, notification)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(s.requests[0]).toMatchObject({ status: 0, body: { message: 'hi' } });
    expect((await send(s, { message: 'x' })).status).toBe(204);
  });

  it('delay: answers normally after the delay', async () => {
    const s = await server();
    s.injectFaults({ kind: 'delay', ms: 200 });
    // The server runs in this process: a timer due before its delay has fired by the time the answer comes.
    let earlierTimerFired = false;
    setTimeout(() => (earlierTimerFired = true), 150);
    expect((await send(s, { message: 'x' })).status).toBe(204);
    expect(earlierTimerFired).toBe(true);
  });

  it('delay: answers nothing when the client gave up meanwhile', async () => {
    const lines: string[] = [];
    const aborted = () => lines.filter((l) => / aborted /.test(l));
    const s = await server({ log: (line) => lines.push(line) });
    s.injectFaults({ kind: 'delay', ms: 300 }, { kind: 'delay', ms: 60_000 });
    const req = http.request(`${s.url}/v2/room/ops/notification`, { method: 'POST', headers: jsonHeaders });
    const answered = collect(req, notification);
    // Differs: the client gives up once the server holds the request (its delay has begun), not after a
    // guessed time, and the test waits for the delay's log line (written when the delay ended) instead of
    // sleeping past it.
    await vi.waitFor(() => expect(s.requests).toHaveLength(1), { timeout: 10_000, interval: 5 });
    req.destroy(new Error('client gave up'));
    await expect(answered).rejects.toThrow('client gave up');
    await vi.waitFor(() => expect(aborted()).toHaveLength(1), { timeout: 10_000 });
    expect(s.requests[0]?.status).toBe(0);
    expect(s.delivered()).toHaveLength(0);
    // close() ends a pending delay at once: the minute-long one is over (its line written) right after it
    void send(s, { message: 'x' }).catch(() => undefined);
    await vi.waitFor(() => expect(s.requests).toHaveLength(2), { timeout: 10_000 });
    await s.close();
    await vi.waitFor(() => expect(aborted()).toHaveLength(2), { timeout: 10_000 });
    expect(s.requests[1]?.status).toBe(0);
  });

  it('rateLimited: 429 with or without the window headers, not delivered', async () => {
    const s = await server({ floodLimit: { limit: 30, windowMs: 60_000 } });
    s.injectFaults({ kind: 'rateLimited', withHeaders: false }, { kind: 'rateLimited', withHeaders: true });
    const bare = await send(s, { message: 'x' });
    expect(bare.status).toBe(429);
    expect(bare.json).toEqual({ error: { code: 429, message: 'Rate Limit exceeded', type: 'Too Many Requests' } });
    expect([...bare.headers.keys()].filter((h) => h.startsWith('x-'))).toEqual([]);
    const now = Date.now();
    const limited = await send(s, { message: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-floodcontrol-limit')).toBe('30');
    expect(limited.headers.get('x-floodcontrol-remaining')).toBe('0');
    const floodReset = Number(limited.headers.get('x-floodcontrol-reset'));
    expect(floodReset * 1000).toBeGreaterThan(now);
    expect(floodReset * 1000 - now).toBeLessThanOrEqual(60_000);
    // no tokenLimit configured: a 1-second window so a client waiting for the reset stays fast
    expect(limited.headers.get('x-ratelimit-limit')).toBe('100');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    // In whole seconds, rounded up: a 1-s window ends within 2 s of `now`, against the flood window's 60.
    expect(Number(limited.headers.get('x-ratelimit-reset')) * 1000 - now).toBeLessThanOrEqual(2000);
    expect(s.count(429)).toBe(2);
    expect(s.delivered()).toHaveLength(0);
    // the fault consumed no window
    expect((await send(s, { message: 'x' })).headers.get('x-floodcontrol-remaining')).toBe('29');
  });
});

describe('rate limits', () => {
  const T0 = 1_700_000_030_250; // 30.25 s into a minute, 0.25 s into a second

  function window(r: { headers: Headers }, prefix: string) {
    return ['limit', 'remaining', 'reset'].map((k) => r.headers.get(`${prefix}-${k}`));
  }

  it('sends no window headers and never 429s without limits', async () => {
    const s = await server();
    for (let i = 0; i < 5; i++) {
      const r = await send(s, { message: 'x' });
      expect(r.status).toBe(204);
      expect(r.headers.get('x-ratelimit-limit')).toBeNull();
      expect(r.headers.get('x-floodcontrol-limit')).toBeNull();
    }
  });

  it('counts per token in fixed windows aligned on the epoch; a 429 does not consume', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const s = await server({ tokens: [TEST_TOKEN, 'other'], tokenLimit: { limit: 2, windowMs: 60_000 } });
    const reset = String(1_700_000_040); // next multiple of 60 s after T0, in seconds
    expect(window(await send(s, { message: 'x' }), 'x-ratelimit')).toEqual(['2', '1', reset]);
    expect(window(await send(s, { message: 'x' }), 'x-ratelimit')).toEqual(['2', '0', reset]);
    const over = await send(s, { message: 'x' });
    expect(over.status).toBe(429);
    expect(over.json).toEqual({ error: { code: 429, message: 'Rate Limit exceeded', type: 'Too Many Requests' } });
    expect(window(over, 'x-ratelimit')).toEqual(['2', '0', reset]);
    expect(window(await send(s, { message: 'x' }, { token: 'other' }), 'x-ratelimit')).toEqual(['2', '1', reset]);
    expect(over.headers.get('x-floodcontrol-limit')).toBeNull();

    vi.setSystemTime(1_700_000_039_999); // last millisecond of the window
    expect((await send(s, { message: 'x' })).status).toBe(429);
    vi.setSystemTime(1_700_000_040_000);
    const next = await send(s, { message: 'x' });
    expect(next.status).toBe(204);
    expect(window(next, 'x-ratelimit')).toEqual(['2', '1', String(1_700_000_100)]);
    expect(s.count(429)).toBe(2);
    expect(s.delivered()).toHaveLength(4);
  });

  it('counts flood control per room, and every answer to a notification carries both windows', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const s = await server({
      rooms: ['ops', 'dev'],
      tokenLimit: { limit: 10, windowMs: 300_000 },
      floodLimit: { limit: 1, windowMs: 1000 },
    });
    const tokenReset = String(1_700_000_100); // 300 s windows: 1_699_999_800 .. 1_700_000_100
    const floodReset = String(1_700_000_031);
    const first = await send(s, { message: 'x' });
    expect(window(first, 'x-floodcontrol')).toEqual(['1', '0', floodReset]);
    expect(window(first, 'x-ratelimit')).toEqual(['10', '9', tokenReset]);
    const flooded = await send(s, { message: 'x' });
    expect(flooded.status).toBe(429);
    expect(window(flooded, 'x-ratelimit')).toEqual(['10', '9', tokenReset]); // nothing consumed
    expect(window(flooded, 'x-floodcontrol')).toEqual(['1', '0', floodReset]);
    const invalid = await send(s, { message: '' }, { room: 'dev' });
    expect(invalid.status).toBe(400);
    expect(window(invalid, 'x-floodcontrol')).toEqual(['1', '0', floodReset]);
    expect(window(invalid, 'x-ratelimit')).toEqual(['10', '8', tokenReset]);
    const unknown = await send(s, { message: 'x' }, { room: 'qa' });
    expect(unknown.status).toBe(404);
    expect(window(unknown, 'x-ratelimit')).toEqual(['10', '7', tokenReset]);
    const unauthorized = await send(s, { message: 'x' }, { token: 'wrong' });
    expect(unauthorized.status).toBe(401);
    expect(window(unauthorized, 'x-ratelimit')).toEqual(['10', '10', tokenReset]);
    expect(window(unauthorized, 'x-floodcontrol')).toEqual(['1', '0', floodReset]);
    vi.setSystemTime(T0 + 750);
    expect(window(await send(s, { message: 'x' }), 'x-floodcontrol')).toEqual(['1', '0', '1700000032']);
  });

  it('setLimits replaces the given limits with fresh windows and keeps the others', async () => {
    // Days' windows (aligned to the clock): the sends below cannot straddle two.
    const s = await server({ floodLimit: { limit: 1, windowMs: 86_400_000 } });
    expect((await send(s, { message: 'x' })).status).toBe(204);
    expect((await send(s, { message: 'x' })).status).toBe(429);
    s.setLimits({ tokenLimit: { limit: 5, windowMs: 86_400_000 } });
    const r = await send(s, { message: 'x' });
    expect(r.status).toBe(429);
    expect(r.headers.get('x-ratelimit-remaining')).toBe('5');
    s.setLimits({ floodLimit: undefined });
    const freed = await send(s, { message: 'x' });
    expect(freed.status).toBe(204);
    expect(freed.headers.get('x-floodcontrol-limit')).toBeNull();
    expect(freed.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(() => s.setLimits({ tokenLimit: { limit: 1, windowMs: 1500 } })).toThrow(/multiple of 1000/);
  });
});

describe('connections', () => {
  it('keeps connections alive and counts them', async () => {
    const s = await server();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const post = () =>
        collect(http.request(`${s.url}/v2/room/ops/notification`, { method: 'POST', headers: jsonHeaders, agent }), notification);
      for (let i = 0; i < 3; i++) expect((await post()).status).toBe(204);
      expect(s.connections()).toBe(1);
      s.injectFaults({ kind: 'reset' });
      await expect(post()).rejects.toThrow();
      expect((await post()).status).toBe(204);
      expect(s.connections()).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  it('close() also ends idle keep-alive connections promptly', async () => {
    const s = await startLocalHipChat({ tokens: [TEST_TOKEN] });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const req = http.request(`${s.url}/v2/room/ops/notification`, { method: 'POST', headers: jsonHeaders, agent });
      expect((await collect(req, notification)).status).toBe(204);
      // Not left to Node's keep-alive timeout (5 s): close() is done before a deadline due earlier than it.
      let keepAliveWouldHaveEnded = false;
      const cancel = deadline(4000, () => (keepAliveWouldHaveEnded = true));
      await s.close();
      cancel();
      expect(keepAliveWouldHaveEnded).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('serves HTTPS with the test certificate', async () => {
    const s = await server({ tls: TLS });
    expect(s.url).toBe(`https://127.0.0.1:${s.port}`);
    const req = https.request(`${s.url}/v2/room/ops/notification`, {
      method: 'POST',
      headers: jsonHeaders,
      ca: TLS.cert,
      agent: false,
    });
    expect((await collect(req, notification)).status).toBe(204);
  });

  it('listens again on the port a previous server had', async () => {
    const first = await server();
    const port = first.port;
    await first.close();
    const again = await server({ port });
    expect(again.port).toBe(port);
    expect((await send(again, { message: 'back' })).status).toBe(204);
  });
});

describe('proxy', () => {
  it('forwards absolute-URI requests to http targets', async () => {
    const s = await server();
    const p = await proxy();
    const target = `${s.url}/v2/room/ops%20team/notification`;
    const { hostname, port } = new URL(p.url);
    const req = http.request({ host: hostname, port, method: 'POST', path: target, headers: jsonHeaders });
    const r = await collect(req, notification);
    expect(r.status).toBe(204);
    expect(p.requests).toEqual([{ method: 'POST', target }]);
    expect(s.delivered('ops team')).toHaveLength(1);
    expect(s.requests[0]?.url).toBe('/v2/room/ops%20team/notification');
  });

  it('passes error answers through', async () => {
    const s = await server();
    const p = await proxy();
    const { hostname, port } = new URL(p.url);
    const req = http.request({
      host: hostname,
      port,
      method: 'POST',
      path: `${s.url}/v2/room/ops/notification`,
      headers: { 'Content-Type': 'application/json' },
    });
    const r = await collect(req, notification);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 401 } });
  });

  it('tunnels CONNECT to https targets', async () => {
    const s = await server({ tls: TLS });
    const p = await proxy();
    const authority = `127.0.0.1:${s.port}`;
    const { hostname, port } = new URL(p.url);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = http.request({ host: hostname, port, method: 'CONNECT', path: authority });
      req.on('connect', (res: http.IncomingMessage, tunnel: Socket) => {
        if (res.statusCode === 200) resolve(tunnel);
        else reject(new Error(`CONNECT answered ${res.statusCode}`));
      });
      req.on('error', reject);
      req.end();
    });
    const req = https.request(`${s.url}/v2/room/ops/notification`, {
      method: 'POST',
      headers: jsonHeaders,
      createConnection: () => tls.connect({ socket, ca: TLS.cert, servername: 'localhost' }),
    });
    expect((await collect(req, notification)).status).toBe(204);
    expect(p.requests).toEqual([{ method: 'CONNECT', target: authority }]);
    expect(s.delivered()).toHaveLength(1);
    socket.destroy();
  });

  it('answers 502 to a CONNECT whose target refuses', async () => {
    const s = await server();
    const port = s.port;
    await s.close(); // nothing listens on this port any more
    const p = await proxy();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.request(p.url, { method: 'CONNECT', path: `127.0.0.1:${port}` });
      req.on('connect', (res: http.IncomingMessage, tunnel: Socket) => {
        tunnel.destroy();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(502);
  });
});
