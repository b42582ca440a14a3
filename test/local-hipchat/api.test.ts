// HipChat's API as the product serves it: validation, auth, limits, room addressing, the history and
// rooms endpoints, bounded input, no CORS, no token in logs.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startLocalHipChat } from '../../src/local-hipchat/index.js';
import { closeLater, collect, get, jsonHeaders, rawRequest, send, server, TEST_TOKEN } from './support.js';

describe('validation errors', () => {
  const card = { style: 'link', title: 'Build 42' };
  const cases: [string, unknown, Record<string, unknown>][] = [
    ['message of 10001 UTF-16 units (an emoji counts 2)', { message: `${'a'.repeat(9999)}😀` }, { field: 'message', validation: 'length' }],
    ['message_format not a string', { message: 'x', message_format: 1 }, { field: 'message_format', validation: 'enum' }],
    ['color "RED"', { message: 'x', color: 'RED' }, { field: 'color', validation: 'enum', value: 'RED' }],
    ['notify 1', { message: 'x', notify: 1 }, { field: 'notify', validation: 'type', expected_type: 'boolean' }],
    ['attach_to not a string', { message: 'x', attach_to: 5 }, { field: 'attach_to', validation: 'type' }],
    ['card array', { message: 'x', card: [] }, { field: 'card', expected_type: 'object' }],
    ['card without style', { message: 'x', card: { title: 't' } }, { field: 'card.style', validation: 'required' }],
    ['card style "video"', { message: 'x', card: { ...card, style: 'video' } }, { field: 'card.style', validation: 'enum' }],
    ['card without title', { message: 'x', card: { style: 'link' } }, { field: 'card.title', validation: 'required' }],
    ['card title of 501', { message: 'x', card: { ...card, title: 't'.repeat(501) } }, { field: 'card.title', validation: 'length' }],
    ['card url javascript:', { message: 'x', card: { ...card, url: 'javascript:alert(1)' } }, { field: 'card.url', validation: 'url' }],
    ['card url relative', { message: 'x', card: { ...card, url: '/builds/42' } }, { field: 'card.url', validation: 'url' }],
    ['card format "large"', { message: 'x', card: { ...card, format: 'large' } }, { field: 'card.format', validation: 'enum' }],
    ['card id number', { message: 'x', card: { ...card, id: 7 } }, { field: 'card.id', validation: 'type' }],
    ['card description number', { message: 'x', card: { ...card, description: 5 } }, { field: 'card.description', validation: 'type' }],
    [
      'card description without format',
      { message: 'x', card: { ...card, description: { value: 'v' } } },
      { field: 'card.description.format', validation: 'required' },
    ],
    [
      'card description format "md"',
      { message: 'x', card: { ...card, description: { value: 'v', format: 'md' } } },
      { field: 'card.description.format', validation: 'enum' },
    ],
    [
      'card description of 1001',
      { message: 'x', card: { ...card, description: 'd'.repeat(1001) } },
      { field: 'card.description', validation: 'length' },
    ],
    [
      'thumbnail without url',
      { message: 'x', card: { ...card, thumbnail: { width: 1 } } },
      { field: 'card.thumbnail.url', validation: 'required' },
    ],
    [
      'thumbnail data: url',
      { message: 'x', card: { ...card, thumbnail: { url: 'data:image/png;base64,AA' } } },
      { field: 'card.thumbnail.url', validation: 'url' },
    ],
    [
      'thumbnail width "10"',
      { message: 'x', card: { ...card, thumbnail: { url: 'https://x.test/a.png', width: '10' } } },
      { field: 'card.thumbnail.width', expected_type: 'integer' },
    ],
    [
      'thumbnail url@2x ftp',
      { message: 'x', card: { ...card, thumbnail: { url: 'https://x.test/a.png', 'url@2x': 'ftp://x/a' } } },
      { field: 'card.thumbnail.url@2x' },
    ],
    ['activity without html', { message: 'x', card: { ...card, activity: {} } }, { field: 'card.activity.html', validation: 'required' }],
    [
      'activity icon bad',
      { message: 'x', card: { ...card, activity: { html: 'a', icon: { url: 'x' } } } },
      { field: 'card.activity.icon.url', validation: 'url' },
    ],
    ['card icon number', { message: 'x', card: { ...card, icon: 3 } }, { field: 'card.icon', validation: 'type' }],
    ['attributes not a list', { message: 'x', card: { ...card, attributes: {} } }, { field: 'card.attributes', expected_type: 'list' }],
    [
      'attribute not an object',
      { message: 'x', card: { ...card, attributes: ['a'] } },
      { field: 'card.attributes[0]', expected_type: 'object' },
    ],
    [
      'attribute without value',
      { message: 'x', card: { ...card, attributes: [{ label: 'l' }] } },
      { field: 'card.attributes[0].value', validation: 'required' },
    ],
    [
      'attribute value without label',
      { message: 'x', card: { ...card, attributes: [{ value: {} }] } },
      { field: 'card.attributes[0].value.label', validation: 'required' },
    ],
    [
      'attribute style not a lozenge',
      { message: 'x', card: { ...card, attributes: [{ value: { label: 'v', style: 'red' } }] } },
      { field: 'card.attributes[0].value.style', validation: 'enum' },
    ],
    [
      'attribute url relative',
      { message: 'x', card: { ...card, attributes: [{ value: { label: 'v', url: 'x' } }] } },
      { field: 'card.attributes[0].value.url', validation: 'url' },
    ],
    [
      'attribute label number',
      { message: 'x', card: { ...card, attributes: [{ label: 1, value: { label: 'v' } }] } },
      { field: 'card.attributes[0].label', validation: 'type' },
    ],
    [
      '101 attributes',
      { message: 'x', card: { ...card, attributes: Array.from({ length: 101 }, () => ({ value: { label: 'v' } })) } },
      { field: 'card.attributes', validation: 'length' },
    ],
    ['a JSON string body', 'message', { validation: 'type', expected_type: 'object' }],
    ['a null body', null, { validation: 'type', expected_type: 'object' }],
  ];

  it.each(cases)('400s %s', async (_name, body, extras) => {
    const s = await server();
    const r = await send(s, body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { code: 400, type: 'Bad Request', ...extras } });
    expect(s.notifications()).toHaveLength(0);
  });

  it('quotes values like Python in messages, cut when long', async () => {
    const s = await server();
    const r = await send(s, { message: 'x', notify: "it's" });
    expect(r.json).toMatchObject({ error: { message: "Value u'it\\'s' for field 'notify' is not of type 'boolean'" } });
    const nested = await send(s, { message: 'x', notify: { a: [true, null] } });
    expect(nested.json).toMatchObject({ error: { message: "Value {u'a': [True, None]} for field 'notify' is not of type 'boolean'" } });
    const long = await send(s, { message: 'x', color: 'c'.repeat(5000) });
    const error = (long.json as { error: { message: string; value?: unknown } }).error;
    expect(error.message.length).toBeLessThan(400);
    expect(error.value).toBeUndefined();
  });

  it('accepts a full card and keeps it in the history', async () => {
    const s = await server();
    const full = {
      style: 'application',
      format: 'medium',
      id: 'build-42',
      title: 'Build #42 passed',
      url: 'https://ci.example.test/builds/42',
      description: { value: '<b>All</b> 312 tests passed', format: 'html' },
      thumbnail: { url: 'https://ci.example.test/logo.png', 'url@2x': 'https://ci.example.test/logo@2x.png', width: 64, height: 64 },
      activity: { html: '<b>CI</b> finished build 42', icon: { url: 'https://ci.example.test/i.png' } },
      icon: 'https://ci.example.test/icon.png',
      attributes: [
        { label: 'Branch', value: { label: 'main', url: 'https://git.example.test/main' } },
        { value: { label: 'passed', style: 'lozenge-success', icon: 'https://ci.example.test/ok.png' } },
      ],
      date: 1_700_000_000_000,
    };
    expect((await send(s, { message: 'Build 42 passed', card: full })).status).toBe(204);
    const history = await get(s, '/v2/room/ops/history');
    expect((history.json as { items: { card: unknown }[] }).items[0]?.card).toEqual(full);
  });
});

describe('auth', () => {
  it('takes the token from the Bearer header or the auth_token parameter on every endpoint', async () => {
    const s = await server();
    await send(s, { message: 'x' });
    for (const target of ['/v2/room', '/v2/room/ops', '/v2/room/ops/history', '/v2/room/ops/history/latest']) {
      expect((await get(s, target)).status).toBe(200);
      expect((await get(s, `${target}${target.includes('?') ? '&' : '?'}auth_token=${TEST_TOKEN}`, null)).status).toBe(200);
      expect((await get(s, target, null)).status).toBe(401);
      expect((await get(s, target, 'nope')).status).toBe(401);
    }
  });

  it('answers auth_test on any /v2 path, also with auth_token, without touching the windows', async () => {
    const s = await server({ tokenLimit: { limit: 1, windowMs: 60_000 } });
    const ok = await get(s, `/v2/room?auth_test=true&auth_token=${TEST_TOKEN}`, null);
    expect(ok.status).toBe(202);
    expect(ok.json).toEqual({ success: { code: 202, type: 'Accepted', message: 'This auth_token has access to use this method.' } });
    expect((await get(s, '/v2/anything?auth_test=true')).status).toBe(202);
    expect((await get(s, '/v2/room?auth_test=true', 'wrong')).status).toBe(401);
    expect((await get(s, '/v2/room?auth_test=true', null)).status).toBe(401);
    expect((await send(s, { message: 'x' })).headers.get('x-ratelimit-remaining')).toBe('0'); // the first to count
  });
});

describe('limits', () => {
  it("has HipChat's limits on by default: 30/60s per room, 500/5m per token", async () => {
    const s = closeLater(await startLocalHipChat({ tokens: [TEST_TOKEN] }));
    const r = await send(s, { message: 'x' });
    expect(r.status).toBe(204);
    expect(r.headers.get('x-floodcontrol-limit')).toBe('30');
    expect(r.headers.get('x-floodcontrol-remaining')).toBe('29');
    expect(r.headers.get('x-ratelimit-limit')).toBe('500');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('499');
    const reset = Number(r.headers.get('x-ratelimit-reset'));
    expect(Number.isInteger(reset)).toBe(true);
    expect(reset % 300).toBe(0);
    expect(Number(r.headers.get('x-floodcontrol-reset')) % 60).toBe(0);
    // other endpoints count against the token window and carry only its headers
    const rooms = await get(s, '/v2/room');
    expect(rooms.headers.get('x-ratelimit-remaining')).toBe('498');
    expect(rooms.headers.get('x-floodcontrol-limit')).toBeNull();
  });

  it('noLimits turns both off', async () => {
    const s = closeLater(await startLocalHipChat({ tokens: [TEST_TOKEN], noLimits: true }));
    const r = await send(s, { message: 'x' });
    expect(r.headers.get('x-floodcontrol-limit')).toBeNull();
    expect(r.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('429s a flooded room with HipChat body and headers; other rooms go on', async () => {
    // A day's window (aligned to the clock, as HipChat's): the sends below cannot straddle two.
    const s = await server({ floodLimit: { limit: 2, windowMs: 86_400_000 } });
    expect((await send(s, { message: '1' })).status).toBe(204);
    expect((await send(s, { message: '2' })).status).toBe(204);
    const over = await send(s, { message: '3' });
    expect(over.status).toBe(429);
    expect(over.json).toEqual({ error: { code: 429, message: 'Rate Limit exceeded', type: 'Too Many Requests' } });
    expect(over.headers.get('x-floodcontrol-remaining')).toBe('0');
    expect(Number(over.headers.get('x-floodcontrol-reset')) * 1000).toBeGreaterThan(Date.now());
    expect((await send(s, { message: '3' }, { room: 'dev' })).status).toBe(204);
    // a room addressed by id shares its window with the same room addressed by name
    expect((await send(s, { message: '4' }, { room: '1' })).status).toBe(429);
    expect(s.notifications().map((n) => n.message)).toEqual(['1', '2', '3']);
  });

  it("shares one token's window across all its rooms", async () => {
    const s = await server({ tokens: [TEST_TOKEN, 'second-token'], tokenLimit: { limit: 3, windowMs: 300_000 } });
    const remaining: (string | null)[] = [];
    for (const room of ['a', 'b', 'c']) remaining.push((await send(s, { message: room }, { room })).headers.get('x-ratelimit-remaining'));
    expect(remaining).toEqual(['2', '1', '0']);
    const over = await send(s, { message: 'd' }, { room: 'd' });
    expect(over.status).toBe(429);
    expect(over.headers.get('x-ratelimit-limit')).toBe('3');
    const other = await send(s, { message: 'd' }, { room: 'd', token: 'second-token' });
    expect(other.status).toBe(204);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('2');
  });
});

describe('rooms and addressing', () => {
  it('decodes a room name exactly once', async () => {
    const s = await server();
    for (const [path, name] of [
      ['ops%2Fdeploy', 'ops/deploy'],
      ['Build%20Status', 'Build Status'],
      ['a%252Fb', 'a%2Fb'],
      ['caf%C3%A9', 'café'],
    ] as const) {
      const r = await rawRequest(s, 'POST', `/v2/room/${path}/notification`, JSON.stringify({ message: name }));
      expect(r.status).toBe(204);
      expect(s.notifications({ room: name })[0]?.message).toBe(name);
    }
    const names = ((await get(s, '/v2/room')).json as { items: { name: string }[] }).items.map((i) => i.name);
    expect(names).toEqual(['ops/deploy', 'Build Status', 'a%2Fb', 'café']);
  });

  it('serves rooms named . and .. sent as %2E and %2E%2E', async () => {
    const s = await server();
    expect((await rawRequest(s, 'POST', '/v2/room/%2E/notification', '{"message":"dot"}')).status).toBe(204);
    expect((await rawRequest(s, 'POST', '/v2/room/%2E%2E/notification', '{"message":"dots"}')).status).toBe(204);
    expect((await rawRequest(s, 'POST', '/v2/room/%2e%2e/notification', '{"message":"again"}')).status).toBe(204);
    const history = await rawRequest(s, 'GET', '/v2/room/%2E%2E/history');
    expect(JSON.parse(history.text).items.map((i: { message: string }) => i.message)).toEqual(['dots', 'again']);
    expect(s.rooms().map((r) => r.name)).toEqual(['.', '..']);
  });

  it('addresses a room by name first, then by numeric id', async () => {
    const s = await server();
    await send(s, { message: 'x' }, { room: 'ops' }); // id 1
    await send(s, { message: 'x' }, { room: '1' }); // a name match? no: id 1 is ops
    expect(s.rooms().map((r) => [r.id, r.name, r.retained])).toEqual([[1, 'ops', 2]]);
    await send(s, { message: 'x' }, { room: '7' }); // no room 7: a room named "7" (id 2)
    await send(s, { message: 'x' }, { room: '2' }); // id 2 is "7"
    expect(s.rooms().map((r) => [r.id, r.name, r.retained])).toEqual([
      [1, 'ops', 2],
      [2, '7', 2],
    ]);
    const details = await get(s, '/v2/room/7');
    expect(details.json).toMatchObject({ id: 2, name: '7' });
  });

  it('with rooms given, only those exist (others 404, creating them 403)', async () => {
    const s = await server({ rooms: ['ops', 'dev'] });
    expect(s.rooms().map((r) => r.name)).toEqual(['ops', 'dev']);
    const r = await send(s, { message: 'x' }, { room: 'qa' });
    expect(r.json).toEqual({ error: { code: 404, message: 'Room qa not found', type: 'Not Found' } });
    const create = await send(s, { name: 'qa' }, { path: '/v2/room' });
    expect(create.status).toBe(403);
  });

  it('caps the number of rooms', async () => {
    const s = await server({ maxRooms: 2 });
    expect((await send(s, { message: 'x' }, { room: 'a' })).status).toBe(204);
    expect((await send(s, { message: 'x' }, { room: 'b' })).status).toBe(204);
    const third = await send(s, { message: 'x' }, { room: 'c' });
    expect(third.status).toBe(404);
    expect(third.json).toMatchObject({ error: { message: 'Room c not found (this server keeps at most 2 rooms)' } });
    expect((await send(s, { name: 'c' }, { path: '/v2/room' })).status).toBe(403);
  });

  it('404s names no room can have: over 100 characters, control characters', async () => {
    const s = await server();
    expect((await send(s, { message: 'x' }, { room: 'r'.repeat(101) })).status).toBe(404);
    expect((await send(s, { message: 'x' }, { room: 'a\nb' })).status).toBe(404);
    expect((await send(s, { message: 'x' }, { room: 'r'.repeat(100) })).status).toBe(204);
  });

  it('creates rooms (201, id and links), refuses duplicates and bad names, and shows details', async () => {
    const s = await server();
    const created = await send(s, { name: 'Release Train', topic: 'ships', privacy: 'private' }, { path: '/v2/room' });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ id: 1, links: { self: `${s.url}/v2/room/1` } });
    expect(created.headers.get('location')).toBe(`${s.url}/v2/room/1`);
    expect((await send(s, { name: 'Release Train' }, { path: '/v2/room' })).status).toBe(409);
    expect((await send(s, { name: '' }, { path: '/v2/room' })).json).toMatchObject({ error: { field: 'name', validation: 'length' } });
    expect((await send(s, { name: 'x', privacy: 'secret' }, { path: '/v2/room' })).json).toMatchObject({
      error: { field: 'privacy', validation: 'enum' },
    });
    expect((await send(s, { name: 5 }, { path: '/v2/room' })).json).toMatchObject({ error: { field: 'name', validation: 'type' } });
    const details = await get(s, '/v2/room/Release%20Train');
    expect(details.status).toBe(200);
    expect(details.json).toMatchObject({
      id: 1,
      name: 'Release Train',
      topic: 'ships',
      privacy: 'private',
      is_archived: false,
      is_guest_accessible: false,
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/),
      last_active: null,
      links: { self: `${s.url}/v2/room/1`, members: `${s.url}/v2/room/1/member` },
    });
    expect((await get(s, '/v2/room/nope')).json).toEqual({ error: { code: 404, message: 'Room nope not found', type: 'Not Found' } });
  });

  it('lists rooms in pages, private ones only when asked', async () => {
    const s = await server();
    for (const room of ['a', 'b', 'c']) await send(s, { message: 'x' }, { room });
    await send(s, { name: 'hidden', privacy: 'private' }, { path: '/v2/room' });
    const all = await get(s, '/v2/room');
    expect(all.json).toMatchObject({ startIndex: 0, maxResults: 100, links: { self: `${s.url}/v2/room?start-index=0&max-results=100` } });
    const items = (all.json as { items: Record<string, unknown>[] }).items;
    expect(items.map((i) => i.name)).toEqual(['a', 'b', 'c']);
    expect(items[0]).toEqual({
      id: 1,
      name: 'a',
      privacy: 'public',
      is_archived: false,
      version: expect.any(String),
      links: { self: `${s.url}/v2/room/1`, webhooks: `${s.url}/v2/room/1/webhook`, participants: `${s.url}/v2/room/1/participant` },
    });
    const page = await get(s, '/v2/room?start-index=1&max-results=1&include-private=true');
    expect(page.json).toMatchObject({ items: [{ name: 'b' }], startIndex: 1, maxResults: 1 });
    expect((page.json as { links: Record<string, string> }).links).toEqual({
      self: `${s.url}/v2/room?start-index=1&max-results=1&include-private=true`,
      prev: `${s.url}/v2/room?start-index=0&max-results=1&include-private=true`,
      next: `${s.url}/v2/room?start-index=2&max-results=1&include-private=true`,
    });
    const withPrivate = await get(s, '/v2/room?include-private=true');
    expect((withPrivate.json as { items: { name: string }[] }).items.map((i) => i.name)).toEqual(['a', 'b', 'c', 'hidden']);
    expect((await get(s, '/v2/room?max-results=1001')).status).toBe(400);
    expect((await get(s, '/v2/room?start-index=x')).json).toMatchObject({ error: { field: 'start-index', expected_type: 'integer' } });
  });
});

describe('history', () => {
  async function filled() {
    const s = await server({ random: () => 0.5 });
    await send(s, { message: 'one', color: 'green', from: 'CI', notify: true });
    await send(s, { message: 'two', message_format: 'text', color: 'random' });
    await send(s, { message: 'three', card: { style: 'link', title: 'T', url: 'https://x.test/' } });
    return s;
  }

  it("answers HipChat's shape, oldest first by default", async () => {
    const s = await filled();
    const r = await get(s, '/v2/room/ops/history');
    expect(r.status).toBe(200);
    const body = r.json as { items: Record<string, unknown>[]; startIndex: number; maxResults: number; links: Record<string, string> };
    expect(body.startIndex).toBe(0);
    expect(body.maxResults).toBe(100);
    expect(body.links.self).toBe(`${s.url}/v2/room/1/history?start-index=0&max-results=100`);
    expect(body.items.map((i) => i.message)).toEqual(['one', 'two', 'three']);
    expect(body.items[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      date: expect.stringMatching(/\+00:00$/),
      from: 'CI',
      message: 'one',
      message_format: 'html',
      color: 'green',
      notify: true,
      type: 'notification',
      mentions: [],
    });
    expect(body.items[1]).toMatchObject({ message_format: 'text', color: 'red', from: '' }); // random, resolved by the injected source
    expect(body.items[2]).toMatchObject({ card: { style: 'link', title: 'T', url: 'https://x.test/' }, color: 'yellow' });
  });

  it('pages with start-index and max-results from the newest; reverse=false puts newest first', async () => {
    const s = await filled();
    const newest = await get(s, '/v2/room/ops/history?max-results=2');
    const body = newest.json as { items: { message: string }[]; links: Record<string, string> };
    expect(body.items.map((i) => i.message)).toEqual(['two', 'three']);
    expect(body.links.next).toBe(`${s.url}/v2/room/1/history?max-results=2&start-index=2`);
    const older = await get(s, '/v2/room/ops/history?max-results=2&start-index=2');
    expect((older.json as { items: { message: string }[] }).items.map((i) => i.message)).toEqual(['one']);
    expect((older.json as { links: Record<string, string> }).links.prev).toBeDefined();
    const reversed = await get(s, '/v2/room/ops/history?reverse=false');
    expect((reversed.json as { items: { message: string }[] }).items.map((i) => i.message)).toEqual(['three', 'two', 'one']);
    const past = await get(s, '/v2/room/ops/history?date=2000-01-01T00:00:00Z');
    expect((past.json as { items: unknown[] }).items).toEqual([]);
    expect((await get(s, '/v2/room/ops/history?date=yesterday')).status).toBe(400);
    expect((await get(s, '/v2/room/ops/history?reverse=maybe')).status).toBe(400);
  });

  it('serves history/latest with max-results and not-before', async () => {
    const s = await filled();
    const latest = await get(s, '/v2/room/ops/history/latest?max-results=2');
    const body = latest.json as { items: { id: string; message: string }[]; maxResults: number };
    expect(body.items.map((i) => i.message)).toEqual(['two', 'three']);
    expect(body.maxResults).toBe(2);
    const all = ((await get(s, '/v2/room/ops/history/latest')).json as { items: { id: string }[] }).items;
    const from = await get(s, `/v2/room/ops/history/latest?not-before=${all[1]?.id}`);
    expect((from.json as { items: { message: string }[] }).items.map((i) => i.message)).toEqual(['two', 'three']);
  });

  it('posts user messages: 201 with id and timestamp, shown as type message', async () => {
    const s = await server();
    const r = await send(s, { message: 'hello room' }, { path: '/v2/room/ops/message' });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), timestamp: expect.stringMatching(/\+00:00$/) });
    const [item] = ((await get(s, '/v2/room/ops/history')).json as { items: Record<string, unknown>[] }).items;
    expect(item).toMatchObject({
      id: (r.json as { id: string }).id,
      type: 'message',
      message: 'hello room',
      from: { id: 1, name: 'API user' },
    });
    expect((await send(s, { message: 'm'.repeat(1001) }, { path: '/v2/room/ops/message' })).json).toMatchObject({
      error: { field: 'message', validation: 'length' },
    });
  });
});

describe('bounded input', () => {
  it('413s a body over 1 MiB by its Content-Length, reading no more', async () => {
    const s = await server();
    const body = JSON.stringify({ message: 'x', pad: 'p'.repeat(1024 * 1024) });
    const r = await collect(
      http.request(`${s.url}/v2/room/ops/notification`, { method: 'POST', headers: jsonHeaders, agent: false }),
      body,
    ).catch((err: Error) => err);
    // The answer comes before the body is read; a client still writing may see the connection close instead.
    if (!(r instanceof Error)) {
      expect(r.status).toBe(413);
      expect(JSON.parse(r.text)).toEqual({
        error: { code: 413, message: 'Request body is larger than 1048576 bytes', type: 'Payload Too Large' },
      });
    }
    await expect.poll(() => s.count(413), { timeout: 10_000 }).toBe(1);
    expect(s.notifications()).toHaveLength(0);
  });

  it('413s a chunked body once it passes the limit', async () => {
    const s = await server({ maxBodyBytes: 4096 });
    const req = http.request(`${s.url}/v2/room/ops/notification`, { method: 'POST', headers: jsonHeaders, agent: false });
    const status = new Promise<number | undefined>((resolve) => {
      req.on('response', (res) => resolve(res.statusCode));
      req.on('error', () => resolve(undefined));
    });
    req.write('{"message":"'); // chunked: no Content-Length to refuse up front
    req.write('x'.repeat(5000));
    expect([413, undefined]).toContain(await status);
    await expect.poll(() => s.count(413), { timeout: 10_000 }).toBe(1);
    req.destroy();
    // a body just within the limit is fine
    expect((await send(s, { message: 'm'.repeat(4000) })).status).toBe(204);
  });

  it('400s query values over 1000 characters', async () => {
    const s = await server();
    await send(s, { message: 'x' });
    const r = await get(s, `/v2/room/ops/history/latest?not-before=${'a'.repeat(1001)}`);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { field: 'not-before', validation: 'length' } });
    expect((await get(s, `/_local/notifications?text=${'a'.repeat(1001)}`)).status).toBe(400);
  });

  it('caps open long polls', async () => {
    const s = await server({ maxWaiters: 1 });
    const first = get(s, '/_local/wait?timeout=10s');
    await expect.poll(() => s.waiters(), { timeout: 10_000 }).toBe(1);
    const second = await get(s, '/_local/wait?timeout=10s');
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    await send(s, { message: 'done' });
    expect((await first).status).toBe(200);
    await expect.poll(() => s.waiters(), { timeout: 10_000 }).toBe(0);
  });
});

describe('safety', () => {
  it('sends no CORS headers, to any origin, on any path', async () => {
    const s = await server();
    const origin = { Origin: 'https://evil.example' };
    const responses = [
      await send(s, { message: 'x' }, { headers: origin }),
      await send(s, undefined, { path: '/v2/room', method: 'GET', headers: origin }),
      await send(s, undefined, {
        path: '/v2/room/ops/notification',
        method: 'OPTIONS',
        headers: { ...origin, 'Access-Control-Request-Method': 'POST' },
      }),
      await send(s, undefined, { path: '/_local/notifications', method: 'GET', headers: origin }),
      await send(s, undefined, { path: '/_local/health', method: 'GET', headers: origin, token: null }),
      await send(s, undefined, { path: '/', method: 'GET', headers: origin, token: null }),
      await send(s, undefined, { path: '/assets/live.js', method: 'GET', headers: origin, token: null }),
    ];
    for (const r of responses) expect([...r.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect(responses[2]?.status).toBe(405);
  });

  it('listens on 127.0.0.1 by default', async () => {
    const s = closeLater(await startLocalHipChat());
    expect(s.host).toBe('127.0.0.1');
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect(s.tokens).toHaveLength(1);
    expect(s.tokens[0]).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('logs one line per request, never a token', async () => {
    const lines: string[] = [];
    const token = 'SecretToken0123456789abcdefABCDEF01234567';
    const s = await server({ tokens: [token], log: (line) => lines.push(line) });
    await send(s, { message: 'x' }, { token });
    await send(s, { message: 'x' }, { token: null, path: `/v2/room/ops/notification?auth_token=${token}` });
    await send(s, { message: 'x' }, { token: null, path: '/v2/room/ops/notification?auth_token=wrong-guess&x=1' });
    await send(s, { message: 'x' }, { token: null, path: `/v2/room/ops/notification?auth%5Ftoken=${token}` });
    await send(s, { message: 'x' }, { path: `/v2/room/${token}/notification`, token });
    await get(s, `/_local/notifications?auth_token=${token}`, null);
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBe(6);
    for (const line of lines) {
      expect(line).not.toContain(token);
      expect(line).not.toContain('wrong-guess');
      expect(line).not.toContain('\n');
    }
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z 127\.0\.0\.1 POST \/v2\/room\/ops\/notification 204 [\d.]+ms$/);
    expect(lines[1]).toContain('auth_token=[redacted]');
    expect(lines[2]).toContain('auth_token=[redacted]&x=1');
    expect(lines[3]).toContain('auth%5Ftoken=[redacted]');
    expect(lines[4]).toContain('/v2/room/[redacted]/notification');
  });

  it('answers the page only to loopback names when listening on loopback (DNS rebinding)', async () => {
    const s = await server();
    const page = (host: string) => rawRequest(s, 'GET', '/', undefined, { Host: host });
    expect((await page(`127.0.0.1:${s.port}`)).status).toBe(200);
    expect((await page(`localhost:${s.port}`)).status).toBe(200);
    expect((await page(`evil.example:${s.port}`)).status).toBe(403);
    expect((await rawRequest(s, 'GET', '/rooms/1/events', undefined, { Host: 'evil.example' })).status).toBe(403);
    const listed = await server({ allowedHosts: ['hipchat.internal'] });
    expect((await rawRequest(listed, 'GET', '/', undefined, { Host: 'hipchat.internal' })).status).toBe(200);
  });
});
