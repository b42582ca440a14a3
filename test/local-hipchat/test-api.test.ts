// The test API under /_local/: health, list and search, long-poll wait, clear, chaos and limits at run time.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { get, send, server, TEST_TOKEN } from './support.js';

type Item = { seq: number; room: string; roomId: number; message: string; from: string; type: string };

async function items(s: { url: string }, query = ''): Promise<{ items: Item[]; lastSeq: number }> {
  const r = await get(s, `/_local/notifications${query}`);
  expect(r.status).toBe(200);
  return r.json as { items: Item[]; lastSeq: number };
}

describe('health and info', () => {
  it('health needs no token and says which server it is', async () => {
    const s = await server({ instanceId: 'ci-run-17' });
    const r = await get(s, '/_local/health', null);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      status: 'ok',
      service: 'local-hipchat',
      instance: 'ci-run-17',
      pid: process.pid,
      startedAt: expect.any(String),
      url: s.url,
    });
    expect(r.text).not.toContain(TEST_TOKEN);
  });

  it('everything else needs a token of the server', async () => {
    const s = await server();
    for (const path of ['/_local/info', '/_local/notifications', '/_local/wait?timeout=0', '/_local/chaos', '/_local/limits']) {
      expect((await get(s, path, null)).status).toBe(401);
      expect((await get(s, path, 'wrong')).json).toEqual({ error: { code: 401, message: 'Invalid OAuth session', type: 'Unauthorized' } });
    }
    expect((await get(s, `/_local/info?auth_token=${TEST_TOKEN}`, null)).status).toBe(200);
    expect((await get(s, '/_local/nothing')).status).toBe(404);
    expect((await send(s, undefined, { path: '/_local/info', method: 'POST' })).status).toBe(405);
  });

  it('calls onShutdown after answering POST /_local/shutdown, once enabled', async () => {
    let stopped = 0;
    const s = await server({ onShutdown: () => (stopped += 1) });
    expect((await send(s, undefined, { path: '/_local/shutdown', token: null })).status).toBe(401);
    expect(stopped).toBe(0);
    const r = await send(s, undefined, { path: '/_local/shutdown' });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ status: 'stopping' });
    await expect.poll(() => stopped, { timeout: 10_000 }).toBe(1);
    const off = await server();
    expect((await send(off, undefined, { path: '/_local/shutdown' })).status).toBe(404);
  });

  it('info reports limits, chaos, retention and counts', async () => {
    const s = await server({ floodLimit: { limit: 30, windowMs: 60_000 }, chaos: '503=0', max: 2 });
    for (const m of ['a', 'b', 'c']) await send(s, { message: m });
    const r = await get(s, '/_local/info');
    expect(r.json).toMatchObject({
      service: 'local-hipchat',
      url: s.url,
      apiUrl: s.url,
      pageUrl: `${s.url}/`,
      tokenLimit: 'off',
      floodLimit: '30/60s',
      chaos: '503=0',
      max: 2,
      rooms: 1,
      retained: 2,
      dropped: 1,
      lastSeq: 3,
      waiters: 0,
      dataDir: null,
    });
    expect(r.text).not.toContain(TEST_TOKEN);
  });
});

describe('list and search', () => {
  it('lists oldest first with the last seq, filtered by room, text, after, since, type and limit', async () => {
    const s = await server();
    await send(s, { message: 'Deploy started', from: 'CD' }, { room: 'ops' });
    await send(s, { message: 'Build passed' }, { room: 'ci' });
    await send(s, { message: 'deploy FINISHED', card: { style: 'link', title: 'Release 1.2' } }, { room: 'ops' });
    await send(s, { message: 'hello' }, { room: 'ops', path: '/v2/room/ops/message' });
    const all = await items(s);
    expect(all.lastSeq).toBe(4);
    expect(all.items.map((i) => [i.seq, i.room, i.message])).toEqual([
      [1, 'ops', 'Deploy started'],
      [2, 'ci', 'Build passed'],
      [3, 'ops', 'deploy FINISHED'],
      [4, 'ops', 'hello'],
    ]);
    expect(all.items[0]).toMatchObject({
      roomId: 1,
      type: 'notification',
      from: 'CD',
      color: 'yellow',
      message_format: 'html',
      id: expect.any(String),
    });
    expect((await items(s, '?room=ci')).items.map((i) => i.seq)).toEqual([2]);
    expect((await items(s, '?room=2')).items.map((i) => i.seq)).toEqual([2]); // by id
    expect((await items(s, '?room=nope')).items).toEqual([]);
    expect((await items(s, '?text=DEPLOY')).items.map((i) => i.seq)).toEqual([1, 3]);
    expect((await items(s, '?text=cd')).items.map((i) => i.seq)).toEqual([1]); // the from label
    expect((await items(s, '?text=release%201.2')).items.map((i) => i.seq)).toEqual([3]); // the card title
    expect((await items(s, '?room=ops&text=deploy&after=1')).items.map((i) => i.seq)).toEqual([3]);
    expect((await items(s, '?type=message')).items.map((i) => i.seq)).toEqual([4]);
    expect((await items(s, '?limit=2')).items.map((i) => i.seq)).toEqual([3, 4]); // the newest two
    expect((await items(s, '?limit=2&after=0')).items.map((i) => i.seq)).toEqual([1, 2]); // paging forward
    expect((await items(s, `?since=${Date.now() + 60_000}`)).items).toEqual([]);
    expect((await items(s, '?since=2000-01-01T00:00:00Z')).items).toHaveLength(4);
    expect((await get(s, '/_local/notifications?since=soon')).status).toBe(400);
    expect((await get(s, '/_local/notifications?type=card')).status).toBe(400);
    expect((await get(s, '/_local/notifications?limit=0')).status).toBe(400);
    expect((await get(s, '/_local/notifications?after=-1')).status).toBe(400);
  });

  it('clears one room or all; the rooms stay', async () => {
    const s = await server();
    await send(s, { message: 'a' }, { room: 'ops' });
    await send(s, { message: 'b' }, { room: 'ops' });
    await send(s, { message: 'c' }, { room: 'ci' });
    const one = await send(s, undefined, { path: '/_local/notifications?room=ops', method: 'DELETE' });
    expect(one.json).toEqual({ cleared: 2 });
    expect((await items(s)).items.map((i) => i.message)).toEqual(['c']);
    expect((await send(s, undefined, { path: '/_local/notifications?room=nope', method: 'DELETE' })).status).toBe(404);
    expect((await send(s, undefined, { path: '/_local/notifications', method: 'DELETE' })).json).toEqual({ cleared: 1 });
    expect(s.rooms().map((r) => [r.name, r.retained])).toEqual([
      ['ops', 0],
      ['ci', 0],
    ]);
    expect(s.clear()).toBe(0);
  });
});

describe('wait', () => {
  it('answers when a matching notification arrives after the wait started', async () => {
    const s = await server();
    await send(s, { message: 'deployed v1' }); // before the wait: does not count
    const waiting = get(s, '/_local/wait?room=ops&text=deployed&timeout=20s');
    await expect.poll(() => s.waiters(), { timeout: 10_000 }).toBe(1); // the wait is registered: now send
    await send(s, { message: 'deployed v2' }, { room: 'other' }); // wrong room
    await send(s, { message: 'build started' }); // wrong text
    await send(s, { message: 'Deployed v3' });
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ seq: 4, room: 'ops', message: 'Deployed v3' });
    expect(s.waiters()).toBe(0);
  });

  it('answers at once if a match arrived after the given seq or time', async () => {
    const s = await server();
    const before = Date.now();
    await send(s, { message: 'one' });
    await send(s, { message: 'two' });
    expect((await get(s, '/_local/wait?after=0&timeout=0')).json).toMatchObject({ seq: 1, message: 'one' });
    expect((await get(s, '/_local/wait?after=1&timeout=5s')).json).toMatchObject({ seq: 2, message: 'two' });
    expect((await get(s, `/_local/wait?since=${before}&text=two`)).json).toMatchObject({ seq: 2 });
    expect((await get(s, `/_local/wait?since=${new Date(before).toISOString()}`)).json).toMatchObject({ seq: 1 });
  });

  it('times out with 408', async () => {
    const s = await server();
    const r = await get(s, '/_local/wait?room=ops&timeout=20ms');
    expect(r.status).toBe(408);
    expect(r.json).toEqual({ error: { code: 408, message: 'No matching notification within 0.02s', type: 'Request Timeout' } });
    expect((await get(s, '/_local/wait?timeout=soon')).status).toBe(400);
    expect((await get(s, '/_local/wait?timeout=301s')).status).toBe(400);
  });

  it('gives the waiter back when the client hangs up', async () => {
    const s = await server();
    const req = http.request(`${s.url}/_local/wait?timeout=60s`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` }, agent: false });
    req.on('error', () => undefined);
    req.end();
    await expect.poll(() => s.waiters(), { timeout: 10_000 }).toBe(1);
    req.destroy();
    await expect.poll(() => s.waiters(), { timeout: 10_000 }).toBe(0);
  });

  it('waits in-process too, and close() ends a wait', async () => {
    const s = await server();
    const next = s.waitFor({ text: 'ready' }, 20_000);
    await send(s, { message: 'not yet' });
    await send(s, { message: 'ready now' });
    expect((await next)?.message).toBe('ready now');
    const pending = s.waitFor({ room: 'never' }, 60_000);
    await s.close();
    expect(await pending).toBeUndefined();
  });
});

describe('chaos and limits at run time', () => {
  it('reads, sets and clears chaos', async () => {
    const s = await server();
    expect((await get(s, '/_local/chaos')).json).toEqual({ chaos: 'off', rules: [] });
    const set = await send(s, { chaos: '503=1' }, { path: '/_local/chaos', method: 'PUT' });
    expect(set.json).toEqual({ chaos: '503=1', rules: [{ kind: 'status', status: 503, probability: 1 }] });
    expect((await send(s, { message: 'x' })).status).toBe(503);
    const text = await send(s, undefined, { path: '/_local/chaos', method: 'PUT', contentType: 'text/plain', raw: 'reset=0,delay=1ms@0' });
    expect((text.json as { chaos: string }).chaos).toBe('reset=0,delay=1ms@0');
    expect((await send(s, { message: 'x' })).status).toBe(204);
    const rules = await send(s, { rules: [{ kind: 'status', status: 502, probability: 1 }] }, { path: '/_local/chaos', method: 'PUT' });
    expect((rules.json as { chaos: string }).chaos).toBe('502=1');
    expect((await send(s, { message: 'x' })).status).toBe(502);
    expect((await send(s, undefined, { path: '/_local/chaos', method: 'DELETE' })).json).toEqual({ chaos: 'off', rules: [] });
    expect((await send(s, { message: 'x' })).status).toBe(204);
    const bad = await send(s, { chaos: '404=1' }, { path: '/_local/chaos', method: 'PUT' });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: { message: string } }).error.message).toBe('Invalid chaos: status 404 must be 429 or 500-599');
    expect((await send(s, { nope: 1 }, { path: '/_local/chaos', method: 'PUT' })).status).toBe(400);
    expect(s.chaos()).toEqual([]);
  });

  it('reads and sets the limits', async () => {
    const s = await server();
    expect((await get(s, '/_local/limits')).json).toEqual({ tokenLimit: 'off', floodLimit: 'off' });
    const set = await send(
      s,
      { floodLimit: '1/60s', tokenLimit: { limit: 500, windowMs: 300_000 } },
      { path: '/_local/limits', method: 'PUT' },
    );
    expect(set.json).toEqual({ tokenLimit: '500/5m', floodLimit: '1/60s' });
    expect((await send(s, { message: 'x' })).status).toBe(204);
    expect((await send(s, { message: 'x' })).status).toBe(429);
    expect((await send(s, { floodLimit: 'off' }, { path: '/_local/limits', method: 'PUT' })).json).toEqual({
      tokenLimit: '500/5m',
      floodLimit: 'off',
    });
    expect((await send(s, { message: 'x' })).status).toBe(204);
    const bad = await send(s, { floodLimit: '30 per minute' }, { path: '/_local/limits', method: 'PUT' });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: { message: string } }).error.message).toMatch(
      /^Invalid floodLimit "30 per minute": expected COUNT\/DURATION/,
    );
  });
});
