import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { describeSchemaIssue } from '../../../src/util/schema-issue.js';
import { checkApiUrl, roomNameProblem, tokenProblem } from '../../../src/config/values.js';
import { parseRate } from '../../../src/util/rate.js';
import { formatDuration, parseDuration } from '../../../src/util/duration.js';

const notifier = {
  enabled: true,
  roomName: 'ops',
  token: 'abc123',
  dynamic: false,
  noisy: true,
  apiUrl: 'https://api.hipchat.com',
  rateLimit: '30/60s',
};

function firstIssue(document: unknown): string {
  const result = configSchema.safeParse(document);
  if (result.success) throw new Error('expected the schema to refuse it');
  return describeSchemaIssue(result.error.issues[0]!);
}

describe('config schema', () => {
  it('accepts a complete document and keeps keys it does not know', () => {
    const document = { version: 1, targets: { server: { hipchat: notifier, futureSection: { enabled: true } } }, extra: 'kept' };
    expect(configSchema.parse(document)).toEqual(document);
  });

  it('accepts optional TLS settings', () => {
    const document = { version: 1, targets: { server: { hipchat: { ...notifier, caFile: '/ca.pem', insecure: true } } } };
    expect(configSchema.parse(document)).toEqual(document);
  });

  it('names the path and the problem', () => {
    expect(firstIssue({ version: 1, targets: { server: { hipchat: { ...notifier, enabled: 'yes' } } } })).toBe(
      'targets.server.hipchat.enabled: expected boolean',
    );
    expect(firstIssue({ version: 1, targets: { a: { hipchat: { ...notifier, roomName: '' } } } })).toBe(
      'targets.a.hipchat.roomName: shorter than 1',
    );
    expect(firstIssue({ version: 1, targets: { a: { hipchat: { ...notifier, rateLimit: 'fast' } } } })).toBe(
      'targets.a.hipchat.rateLimit: not COUNT/DURATION',
    );
    expect(firstIssue({ version: 1, targets: { a: { hipchat: { ...notifier, token: 'a b' } } } })).toBe(
      'targets.a.hipchat.token: not a usable token',
    );
    expect(firstIssue({ version: 2, targets: {} })).toBe('version: expected 1');
    expect(firstIssue({ version: 1 })).toBe('targets: expected record');
    expect(firstIssue([])).toBe('(top level): expected object');
  });

  it('refuses a missing field', () => {
    const { token: _token, ...withoutToken } = notifier;
    expect(firstIssue({ version: 1, targets: { server: { hipchat: withoutToken } } })).toBe(
      'targets.server.hipchat.token: expected string',
    );
  });
});

describe('value checks', () => {
  it('bounds room names at 1..100 characters, counting code points', () => {
    expect(roomNameProblem('')).toBe('Room name must not be empty');
    expect(roomNameProblem('r'.repeat(100))).toBeUndefined();
    expect(roomNameProblem('🎉'.repeat(100))).toBeUndefined();
    expect(roomNameProblem('r'.repeat(101))).toBe('Room name is 101 characters long; HipChat allows at most 100');
    expect(roomNameProblem('a\tb')).toBe('Room name must not contain control characters');
    expect(roomNameProblem('ops team/x')).toBeUndefined();
  });

  it('refuses tokens with whitespace or control characters, without quoting them', () => {
    expect(tokenProblem('abc DEF')).toBe('Token must not contain whitespace or control characters');
    expect(tokenProblem('abc\u0000')).toBe('Token must not contain whitespace or control characters');
    expect(tokenProblem('abc\u00a0')).toBe('Token must not contain whitespace or control characters');
    expect(tokenProblem('')).toBe('Token must not be empty');
    expect(tokenProblem('Zx81-_.~')).toBeUndefined();
  });

  it('normalises API URLs and refuses credentials, queries and fragments', () => {
    expect(checkApiUrl('https://hipchat.example.com/')).toEqual({ url: 'https://hipchat.example.com', plainHttp: false });
    expect(checkApiUrl('https://example.com/hipchat//')).toEqual({ url: 'https://example.com/hipchat', plainHttp: false });
    expect(checkApiUrl('http://10.0.0.5:8080')).toEqual({ url: 'http://10.0.0.5:8080', plainHttp: true });
    expect(checkApiUrl('http://127.0.0.1:4000')).toEqual({ url: 'http://127.0.0.1:4000', plainHttp: false });
    expect(checkApiUrl('http://localhost')).toEqual({ url: 'http://localhost', plainHttp: false });
    expect(checkApiUrl('http://[::1]:80')).toEqual({ url: 'http://[::1]', plainHttp: false });
    expect(checkApiUrl('https://user:pw@example.com')).toEqual({
      problem: 'Invalid --apiUrl: credentials in the URL are refused (the token is given separately)',
    });
    expect(checkApiUrl('https://example.com?auth_token=x')).toEqual({ problem: 'Invalid --apiUrl: a query string is refused' });
    expect(checkApiUrl('https://example.com?')).toEqual({ problem: 'Invalid --apiUrl: a query string is refused' });
    expect(checkApiUrl('https://example.com#top')).toEqual({ problem: 'Invalid --apiUrl: a fragment is refused' });
    expect(checkApiUrl('ftp://example.com')).toEqual({ problem: 'Invalid --apiUrl: ftp: is not supported (use https://)' });
    expect(checkApiUrl('example.com')).toEqual({ problem: 'Invalid --apiUrl: example.com is not an absolute URL' });
  });

  it('refuses a base ending in /v2, which notifier adds itself, and says what to give instead', () => {
    expect(checkApiUrl('http://host/v2')).toEqual({
      problem: 'Invalid --apiUrl: http://host/v2 ends in /v2, which notifier adds itself; give http://host',
    });
    expect(checkApiUrl('https://example.com/hipchat/V2/', '$HIPCHAT_API_URL')).toEqual({
      problem:
        'Invalid $HIPCHAT_API_URL: https://example.com/hipchat/V2/ ends in /v2, which notifier adds itself; give https://example.com/hipchat',
    });
    expect(checkApiUrl('https://example.com/v2x')).toEqual({ url: 'https://example.com/v2x', plainHttp: false });
  });

  it('parses COUNT/DURATION rate limits', () => {
    expect(parseRate('30/60s')).toEqual({ count: 30, perMs: 60_000 });
    expect(parseRate('100/5m')).toEqual({ count: 100, perMs: 300_000 });
    expect(parseRate('5/2s')).toEqual({ count: 5, perMs: 2000 });
    expect(parseRate('10/500ms')).toEqual({ count: 10, perMs: 500 });
    expect(parseRate('1/1h')).toEqual({ count: 1, perMs: 3_600_000 });
    for (const bad of ['', '30', '0/60s', '-1/60s', '30/0s', '30/fast', '1.5/60s', 'a/b', '30/60x']) {
      expect(parseRate(bad), bad).toBeUndefined();
    }
  });

  it('parses and formats durations', () => {
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10')).toBe(10_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
  });
});
