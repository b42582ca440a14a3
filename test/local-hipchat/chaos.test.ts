// Chaos: the text form, the decision with an injected random source (probability 1 and 0 are exact),
// and the server applying it to sends only.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { decideChaos, formatChaos, LocalHipChatOptionError, parseChaos, startLocalHipChat } from '../../src/local-hipchat/index.js';
import { closeLater, collect, get, jsonHeaders, send, server } from './support.js';

describe('parseChaos', () => {
  it('reads statuses, reset and delay, and formats them back', () => {
    const rules = parseChaos('503=0.1, 429=5%,reset=0.05,delay=2s@0.1');
    expect(rules).toEqual([
      { kind: 'status', status: 503, probability: 0.1 },
      { kind: 'status', status: 429, probability: 0.05 },
      { kind: 'reset', probability: 0.05 },
      { kind: 'delay', ms: 2000, probability: 0.1 },
    ]);
    expect(formatChaos(rules)).toBe('503=0.1,429=0.05,reset=0.05,delay=2s@0.1');
    expect(parseChaos(formatChaos(rules))).toEqual(rules);
    expect(parseChaos('delay=150ms@1')).toEqual([{ kind: 'delay', ms: 150, probability: 1 }]);
    expect(parseChaos('delay=2@1')).toEqual([{ kind: 'delay', ms: 2000, probability: 1 }]); // a bare number is seconds
    expect(parseChaos('599=.5,500=0.5')).toHaveLength(2);
    for (const off of ['', 'off', ' none ']) expect(parseChaos(off)).toEqual([]);
    expect(formatChaos([])).toBe('off');
  });

  it.each([
    ['503', 'Invalid chaos "503": expected KEY=VALUE such as 503=0.1, reset=0.05 or delay=2s@0.1'],
    ['404=0.1', 'Invalid chaos: status 404 must be 429 or 500-599'],
    ['600=0.1', 'Invalid chaos: status 600 must be 429 or 500-599'],
    ['503=1.5', 'Invalid chaos "503=1.5": the probability must be from 0 to 1 (or 0% to 100%)'],
    ['503=-1', 'Invalid chaos "503=-1": the probability must be from 0 to 1 (or 0% to 100%)'],
    ['503=abc', 'Invalid chaos "503=abc": the probability must be from 0 to 1 (or 0% to 100%)'],
    ['503=0.6,502=0.6', 'Invalid chaos: the probabilities of statuses and reset add up to 1.2, at most 1'],
    ['503=0.1,503=0.2', 'Invalid chaos: 503 is given twice'],
    ['delay=2s', 'Invalid chaos "delay=2s": expected delay=DURATION@PROBABILITY such as delay=2s@0.1'],
    ['delay=2x@0.1', 'Invalid chaos "delay=2x@0.1": the delay must be a duration such as 150ms, 2s or 1m'],
    ['delay=10m@0.1', 'Invalid chaos: the delay must be from 1ms to 5m'],
    ['slow=0.1', 'Invalid chaos "slow=0.1": the key must be a status (429, 500-599), reset or delay'],
  ])('refuses %s with one line', (text, message) => {
    let error: unknown;
    try {
      parseChaos(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LocalHipChatOptionError);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('decideChaos', () => {
  const draws = [0, 1e-12, 0.25, 0.5, 0.75, 0.999999999, 1 - Number.EPSILON, 1];
  const fixed = (r: number) => () => r;

  it('fires probability 1 on every draw and 0 on none', () => {
    for (const r of draws) {
      expect(decideChaos(parseChaos('503=1'), fixed(r)).outcome).toEqual({ kind: 'status', status: 503 });
      expect(decideChaos(parseChaos('reset=1'), fixed(r)).outcome).toEqual({ kind: 'reset' });
      expect(decideChaos(parseChaos('delay=1s@1'), fixed(r)).delayMs).toBe(1000);
      expect(decideChaos(parseChaos('503=0,reset=0,delay=1s@0'), fixed(r))).toEqual({ delayMs: 0, outcome: undefined });
    }
  });

  it('splits one draw over exclusive outcomes; rounding cannot leave a gap when they cover everything', () => {
    const rules = parseChaos('500=0.7,503=0.3');
    expect(decideChaos(rules, fixed(0.69)).outcome).toEqual({ kind: 'status', status: 500 });
    expect(decideChaos(rules, fixed(0.7)).outcome).toEqual({ kind: 'status', status: 503 });
    for (const r of draws) expect(decideChaos(rules, fixed(r)).outcome).toBeDefined();
    const partial = parseChaos('503=0.1,429=0.05,reset=0.05');
    expect(decideChaos(partial, fixed(0.05)).outcome).toEqual({ kind: 'status', status: 503 });
    expect(decideChaos(partial, fixed(0.12)).outcome).toEqual({ kind: 'status', status: 429 });
    expect(decideChaos(partial, fixed(0.17)).outcome).toEqual({ kind: 'reset' });
    expect(decideChaos(partial, fixed(0.2)).outcome).toBeUndefined();
  });

  it('draws the delay first, then the outcome, and nothing without rules', () => {
    const seen: number[] = [];
    const sequence = [0.05, 0.95];
    const random = () => {
      const r = sequence[seen.length] ?? 0;
      seen.push(r);
      return r;
    };
    expect(decideChaos(parseChaos('503=0.5,delay=3s@0.1'), random)).toEqual({ delayMs: 3000, outcome: undefined });
    expect(seen).toEqual([0.05, 0.95]);
    expect(decideChaos([], () => Number.NaN)).toEqual({ delayMs: 0, outcome: undefined });
  });
});

describe('chaos in the server', () => {
  it('5xx with probability 1 on every send, with a HipChat error body; other requests untouched', async () => {
    const s = await server({ chaos: '503=1' });
    for (let i = 0; i < 3; i++) {
      const r = await send(s, { message: 'x' });
      expect(r.status).toBe(503);
      expect(r.json).toEqual({ error: { code: 503, message: 'Chaos: injected 503 Service Unavailable', type: 'Service Unavailable' } });
    }
    expect((await send(s, { message: 'x' }, { path: '/v2/room/ops/message' })).status).toBe(503);
    expect((await get(s, '/v2/room')).status).toBe(200);
    expect(s.notifications()).toEqual([]);
  });

  it('probability 0 never fires', async () => {
    const s = await server({ chaos: '503=0,429=0,reset=0,delay=5s@0', random: () => 0 });
    for (let i = 0; i < 5; i++) expect((await send(s, { message: 'x' })).status).toBe(204);
  });

  it('429 looks like a real rate limit, with exhausted windows', async () => {
    const s = await server({ chaos: '429=1', floodLimit: { limit: 30, windowMs: 60_000 } });
    const r = await send(s, { message: 'x' });
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ error: { code: 429, message: 'Rate Limit exceeded', type: 'Too Many Requests' } });
    expect(r.headers.get('x-floodcontrol-limit')).toBe('30');
    expect(r.headers.get('x-floodcontrol-remaining')).toBe('0');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('reset drops the connection unanswered', async () => {
    const s = await server({ chaos: 'reset=1' });
    const req = http.request(`${s.url}/v2/room/ops/notification`, { method: 'POST', headers: jsonHeaders, agent: false });
    await expect(collect(req, '{"message":"x"}')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(s.requests[0]?.status).toBe(0);
  });

  it('a delay then answers normally, and says so in the log', async () => {
    const lines: string[] = [];
    const s = await server({ chaos: 'delay=20ms@1', log: (line) => lines.push(line) });
    expect((await send(s, { message: 'x' })).status).toBe(204);
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBe(1);
    expect(lines[0]).toMatch(/ 204 [\d.]+ms chaos=delay:20ms$/);
  });

  it('follows the injected random source draw by draw', async () => {
    const sequence = [0.1, 0.9, 0.3];
    let i = 0;
    const s = await server({ chaos: '500=0.5', random: () => sequence[i++ % sequence.length] as number });
    const statuses: number[] = [];
    for (let n = 0; n < 3; n++) statuses.push((await send(s, { message: 'x' })).status);
    expect(statuses).toEqual([500, 204, 500]);
  });

  it('changes at run time in-process too, and refuses bad rules', async () => {
    const s = closeLater(await startLocalHipChat({ noLimits: true }));
    const token = s.tokens[0] as string;
    s.setChaos('502=1');
    expect((await send(s, { message: 'x' }, { token })).status).toBe(502);
    s.setChaos('');
    expect((await send(s, { message: 'x' }, { token })).status).toBe(204);
    expect(() => s.setChaos('502=2')).toThrow(LocalHipChatOptionError);
    await expect(startLocalHipChat({ chaos: 'reset=yes' })).rejects.toThrow('Invalid chaos "reset=yes"');
  });
});
