// send-hipchat-notification end to end: the request it makes, what it refuses, and how it meets HipChat's refusals and transient failures.
import { describe, expect, it } from 'vitest';
import { startHipChatServer, TEST_TOKEN } from '../../support/hipchat-server.js';
import { SEND, useSendSuite } from '../../support/send-suite.js';

const suite = useSendSuite();

describe('the request', () => {
  it('encodes the room as one path segment, authenticates with a Bearer header and sends the exact body', async () => {
    await suite.setUp({}, { roomName: 'ops team/x' });
    const result = await suite.send(['--message', 'Build 42 passed', '--color=green', '--notify', '--from', 'CI', '--messageFormat=html']);
    expect(result).toMatchObject({ code: 0, stdout: `Command ${SEND} executed successfully.\n`, stderr: '' });
    expect(suite.server.requests).toHaveLength(1);
    const [request] = suite.server.requests;
    expect(request!.url).toBe('/v2/room/ops%20team%2Fx/notification');
    expect(request!.room).toBe('ops team/x');
    expect(request!.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
    expect(request!.headers['content-type']).toMatch(/^application\/json/);
    expect(request!.url).not.toContain('auth_token');
    expect(JSON.parse(request!.rawBody)).toEqual({
      message: 'Build 42 passed',
      message_format: 'html',
      color: 'green',
      notify: true,
      from: 'CI',
    });
  });

  it('sends text exactly as given, from --message, operands and stdin', async () => {
    await suite.setUp();
    // Leading and trailing white space too: asadmin trims option values, but a message is sent verbatim.
    const tricky = '  line 1\nline "2"\t\\tab\\ \'quoted\' 🎉 émoji\r\n$HOME `x`\t ';
    expect((await suite.send(['--message', tricky])).code).toBe(0);
    expect((await suite.send(['two', 'words'])).code).toBe(0);
    expect((await suite.send([], `${tricky}\n`)).code).toBe(0);
    expect(suite.server.delivered().map((request) => (request.body as { message: string }).message)).toEqual([tricky, 'two words', tricky]);
    expect(suite.server.delivered()[0]!.body).toEqual({ message: tricky, message_format: 'text', color: 'yellow', notify: false });
  });

  it('cuts a message over 10000 characters to 10000 ending in … and warns', async () => {
    await suite.setUp();
    const result = await suite.send([], 'é'.repeat(12_000));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'Warning: The message is longer than 10000 characters (counted in UTF-16 code units, as HipChat counts them: most emoji count 2): it was cut to fit, ending in "…"\n',
    );
    const message = (suite.server.delivered()[0]!.body as { message: string }).message;
    expect([...message]).toHaveLength(10_000);
    expect(message.endsWith('é…')).toBe(true);
  });

  it('prints the request with the token redacted and sends nothing with --dryRun', async () => {
    await suite.setUp();
    const result = await suite.send(['--dryRun', '--message=hi']);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout.slice(0, result.stdout.lastIndexOf('}') + 1));
    expect(printed).toEqual({
      method: 'POST',
      url: `${suite.server.url}/v2/room/ops/notification`,
      headers: { Authorization: 'Bearer <redacted>', 'Content-Type': 'application/json', Accept: 'application/json' },
      body: { message: 'hi', message_format: 'text', color: 'yellow', notify: false },
    });
    expect(suite.server.requests).toHaveLength(0);
  });

  it('prints a result object with --json', async () => {
    await suite.setUp();
    const result = await suite.send(['--json', '--message=hi']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ target: 'server', room: 'ops', sent: 1, attempts: 1, truncated: false });
  });
});

describe('what the command refuses', () => {
  it('an empty message is a usage error', async () => {
    await suite.setUp();
    for (const [args, input] of [
      [['--message='], undefined],
      [[], ''],
      [[], '\n'],
    ] as const) {
      const result = await suite.send([...args], input);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^Empty message from (--message|stdin): nothing to send\nCommand send-hipchat-notification failed\.\n$/,
      );
    }
    expect(suite.server.requests).toHaveLength(0);
  });

  it('no configuration for the target is a failure', async () => {
    suite.server = await startHipChatServer();
    const result = await suite.send(['--message=hi', '--target=nowhere']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No HipChat notifier is configured for target nowhere');
  });

  it('a disabled notifier sends nothing, says so and succeeds', async () => {
    await suite.setUp({}, { enabled: 'false' });
    const result = await suite.send(['--message=hi']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('The HipChat notifier of target server is disabled: nothing sent.\n');
    expect(suite.server.requests).toHaveLength(0);
  });
});

describe('HipChat refusals and transient failures', () => {
  it('reports 404 and 401 in one line, without retrying, exit 1', async () => {
    await suite.setUp({ rooms: ['elsewhere'] });
    const notFound = await suite.send(['--message=hi']);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toBe(`HipChat refused the notification: 404 Room ops not found\nCommand ${SEND} failed.\n`);
    expect(suite.server.requests).toHaveLength(1);

    await suite.server.close();
    suite.server = await startHipChatServer({ tokens: ['another-token'] });
    await suite.sandbox.run(['notification-hipchat-configure', '--enabled', '--roomName=ops', '--token=', `--apiUrl=${suite.server.url}`]);
    const unauthorized = await suite.send(['--message=hi']);
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toBe(`HipChat refused the notification: 401 Invalid OAuth session\nCommand ${SEND} failed.\n`);
    expect(suite.server.requests).toHaveLength(1);
  });

  it('waits out a 429 with reset headers and resends', async () => {
    await suite.setUp();
    suite.server.injectFaults({ kind: 'rateLimited', withHeaders: true });
    const result = await suite.send(['--message=hi']);
    expect(result.code, result.stderr).toBe(0);
    expect(suite.server.count(429)).toBe(1);
    expect(suite.server.delivered()).toHaveLength(1);
  });

  it('backs off after a 429 without headers and resends', async () => {
    await suite.setUp();
    suite.server.injectFaults({ kind: 'rateLimited', withHeaders: false });
    const result = await suite.send(['--message=hi', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ attempts: 2 });
    expect(suite.server.delivered()).toHaveLength(1);
  });

  it('retries 503 twice and then succeeds', async () => {
    await suite.setUp();
    suite.server.injectFaults({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const result = await suite.send(['--message=hi', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ attempts: 3 });
    expect(suite.server.count(503)).toBe(2);
    expect(suite.server.delivered()).toHaveLength(1);
  });

  it('retries after a timeout and a connection reset', async () => {
    await suite.setUp();
    suite.server.injectFaults({ kind: 'delay', ms: 3000 }, { kind: 'reset' });
    const result = await suite.send(['--message=hi', '--timeout=500ms', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ attempts: 3 });
    expect(suite.server.delivered()).toHaveLength(1);
  });

  it('exits 75 when retries are exhausted, saying what happened', async () => {
    await suite.setUp();
    suite.server.injectFaults(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 502 })));
    const result = await suite.send(['--message=hi', '--retries=2']);
    expect(result.code).toBe(75);
    expect(result.stderr).toBe(`HipChat answered 502 Bad Gateway (gave up after 3 attempts)\nCommand ${SEND} failed.\n`);
    expect(suite.server.count(502)).toBe(3);
  });

  it('exits 75 when the rate limit needs a wait beyond --maxWait, saying how long', async () => {
    await suite.setUp({}, { rateLimit: '1/60s' });
    expect((await suite.send(['--message=first'])).code).toBe(0);
    const result = await suite.send(['--message=second', '--maxWait=2s']);
    expect(result.code).toBe(75);
    expect(result.stderr).toMatch(
      /^The configured rate limit is used up: the next attempt may go in (5\d|60) s, beyond --maxWait 2\.0 s; try again then\n/,
    );
    expect(suite.server.delivered()).toHaveLength(1);
  });
});
