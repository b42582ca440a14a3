// The helpers a CLI needs: parse helpers with one-line typed errors, isLoopbackHost, generateToken,
// and the option checks of startLocalHipChat().
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  formatLimit,
  generateToken,
  isLoopbackHost,
  LocalHipChatError,
  LocalHipChatListenError,
  LocalHipChatOptionError,
  parseLimit,
  redactUrl,
  startLocalHipChat,
} from '../../src/local-hipchat/index.js';
import { readDuration } from '../../src/local-hipchat/duration.js';
import { closeLater } from './support.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

describe('parseLimit', () => {
  it('reads COUNT/DURATION and off', () => {
    expect(parseLimit('30/60s')).toEqual({ limit: 30, windowMs: 60_000 });
    expect(parseLimit('500/5m')).toEqual({ limit: 500, windowMs: 300_000 });
    expect(parseLimit(' 100/300 ')).toEqual({ limit: 100, windowMs: 300_000 });
    expect(parseLimit('10/1h')).toEqual({ limit: 10, windowMs: 3_600_000 });
    expect(parseLimit('1/2000ms')).toEqual({ limit: 1, windowMs: 2000 });
    expect(parseLimit('off')).toBeNull();
    expect(parseLimit('NONE')).toBeNull();
    expect(formatLimit(parseLimit('30/60s'))).toBe('30/60s');
    expect(formatLimit(parseLimit('500/300s'))).toBe('500/5m');
    expect(formatLimit(null)).toBe('off');
  });

  it.each([
    ['30', 'Invalid --floodLimit "30": expected COUNT/DURATION such as 30/60s or 500/5m, or off'],
    ['30/minute', 'Invalid --floodLimit "30/minute": expected COUNT/DURATION such as 30/60s or 500/5m, or off'],
    ['-1/60s', 'Invalid --floodLimit "-1/60s": expected COUNT/DURATION such as 30/60s or 500/5m, or off'],
    // read as --rateLimit is (util/rate.ts): a count from 1, no blanks around the slash
    ['0/60s', 'Invalid --floodLimit "0/60s": expected COUNT/DURATION such as 30/60s or 500/5m, or off'],
    ['100 / 300', 'Invalid --floodLimit "100 / 300": expected COUNT/DURATION such as 30/60s or 500/5m, or off'],
    ['30/0s', 'Invalid --floodLimit "30/0s": expected COUNT/DURATION such as 30/60s or 500/5m, or off'],
    ['30/1500ms', 'Invalid --floodLimit "30/1500ms": the window must be a whole number of seconds, from 1s to 24h'],
    ['30/25h', 'Invalid --floodLimit "30/25h": the window must be a whole number of seconds, from 1s to 24h'],
    ['9999999999/60s', 'Invalid --floodLimit "9999999999/60s": at most 1000000000 per window'],
  ])('refuses %s with a typed one-line error', (text, message) => {
    const error = errorOf(() => parseLimit(text, '--floodLimit'));
    expect(error).toBeInstanceOf(LocalHipChatOptionError);
    expect(error).toBeInstanceOf(LocalHipChatError);
    expect((error as LocalHipChatOptionError).kind).toBe('option');
    expect(error.message).toBe(message);
  });
});

describe('readDuration', () => {
  it('reads ms, s, m, h and a bare number as seconds (util/duration.ts), with a one-line typed error', () => {
    expect(readDuration('150ms')).toBe(150);
    expect(readDuration('1.5s')).toBe(1500);
    expect(readDuration('2m')).toBe(120_000);
    expect(readDuration('1h')).toBe(3_600_000);
    expect(readDuration('30', 'timeout')).toBe(30_000);
    const error = errorOf(() => readDuration('30x', '--wait'));
    expect(error).toBeInstanceOf(LocalHipChatOptionError);
    expect(error.message).toBe('Invalid --wait "30x": expected a duration such as 150ms, 2s, 5m or 1h');
    expect(errorOf(() => readDuration('soon\nnow')).message).toBe(
      'Invalid duration "soon\\nnow": expected a duration such as 150ms, 2s, 5m or 1h',
    );
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['app.localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    // config/values.ts's rule: an IPv4-mapped address is not taken for loopback (the safe side: warn, refuse the page)
    ['::ffff:127.0.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['example.com', false],
    ['localhost.example.com', false],
    ['128.0.0.1', false],
  ])('%s: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('generateToken', () => {
  it('makes 40 alphanumeric characters, different each time', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generateToken()));
    expect(tokens.size).toBe(200);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9]{40}$/);
    // every character of the alphabet shows up (no bias that forgets a part of it)
    expect(new Set([...tokens].join('')).size).toBe(62);
  });
});

describe('redactUrl', () => {
  it('blanks auth_token values however the name is written, and nothing else', () => {
    expect(redactUrl('/v2/room?auth_token=abc&max-results=1')).toBe('/v2/room?auth_token=[redacted]&max-results=1');
    expect(redactUrl('/v2/room?AUTH_TOKEN=abc')).toBe('/v2/room?AUTH_TOKEN=[redacted]');
    expect(redactUrl('/v2/room?auth%5Ftoken=abc')).toBe('/v2/room?auth%5Ftoken=[redacted]');
    expect(redactUrl('/v2/room?auth_token')).toBe('/v2/room?auth_token=[redacted]');
    expect(redactUrl('/v2/room/a%2Fb/notification')).toBe('/v2/room/a%2Fb/notification');
  });
});

describe('startLocalHipChat options', () => {
  it.each([
    [{ port: 70000 }, 'port must be an integer from 0 to 65535'],
    [{ max: 0 }, 'max must be an integer from 1 to 1000000'],
    [{ maxBodyBytes: 10 }, 'maxBodyBytes must be an integer from 1024 to 67108864'],
    [{ tokens: [] }, 'tokens must hold at least one token'],
    [{ tokens: ['good-token', 'has space secret'] }, 'Token 2 is not usable: use 1-256 characters of A-Z a-z 0-9 - . _ ~ + /'],
    [{ rooms: ['ok', ''] }, 'Room name "" must be between 1 and 100 characters long'],
    [{ floodLimit: { limit: 1, windowMs: 10 } }, 'floodLimit.windowMs must be a positive multiple of 1000, at most 24 hours'],
    [{ chaos: '503=2' }, 'Invalid chaos "503=2": the probability must be from 0 to 1 (or 0% to 100%)'],
    [{ publicUrl: 'ftp://x' }, 'publicUrl must be an http or https URL'],
    [{ instanceId: 'a b' }, 'instanceId must be 1-64 characters of A-Z a-z 0-9 . _ -'],
  ])('refuses %j', async (options, message) => {
    const error = await startLocalHipChat(options).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LocalHipChatOptionError);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain('secret');
  });

  it('says when the port is taken, as a typed error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    closeLater({ close: () => new Promise<void>((resolve) => blocker.close(() => resolve())) });
    const port = (blocker.address() as net.AddressInfo).port;
    const error = await startLocalHipChat({ port }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LocalHipChatListenError);
    expect((error as LocalHipChatListenError).code).toBe('EADDRINUSE');
    expect((error as Error).message).toBe(`Port ${port} on 127.0.0.1 is already in use`);
  });

  it('uses publicUrl in links', async () => {
    const s = closeLater(
      await startLocalHipChat({ tokens: ['t0ken-for-links'], publicUrl: 'https://hipchat.example.test/', noLimits: true }),
    );
    const res = await fetch(`${s.url}/v2/room`, {
      method: 'POST',
      headers: { Authorization: 'Bearer t0ken-for-links', 'Content-Type': 'application/json' },
      body: '{"name":"a"}',
    });
    expect(await res.json()).toEqual({ id: 1, links: { self: 'https://hipchat.example.test/v2/room/1' } });
  });
});
