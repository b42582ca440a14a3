// send-hipchat-notification and test-hipchat-notifier-configuration, end to end: the built CLI
// against the local HipChat-compatible server, over real sockets.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturedOutputs, CLI, createSandbox, hasStackTrace, type RunResult, type Sandbox } from '../support/cli.js';
import { startHipChatServer, TEST_TOKEN, type HipChatServerOptions, type HipChatTestServer } from '../support/hipchat-server.js';
import { startProxy } from '../support/proxy.js';

const SEND = 'send-hipchat-notification';
const TEST = 'test-hipchat-notifier-configuration';
const TLS_DIR = new URL('../support/tls/', import.meta.url);

let sandbox: Sandbox;
let server: HipChatTestServer;

/** Starts the server and configures the default target for it; `configure` overrides option values. */
async function setUp(serverOptions: HipChatServerOptions = {}, configure: Record<string, string> = {}): Promise<void> {
  server = await startHipChatServer(serverOptions);
  const options = { enabled: 'true', roomName: 'ops', tokenFile: writeTokenFile(), apiUrl: server.url, ...configure };
  const result = await sandbox.run([
    'notification-hipchat-configure',
    ...Object.entries(options).map(([name, value]) => `--${name}=${value}`),
  ]);
  expect(result.code, result.stderr).toBe(0);
}

function writeTokenFile(): string {
  const path = join(sandbox.dir, 'token');
  writeFileSync(path, `${TEST_TOKEN}\n`);
  return path;
}

function send(args: string[], input?: string): Promise<RunResult> {
  return sandbox.run([SEND, ...args], { input });
}

beforeEach(() => {
  sandbox = createSandbox();
});
afterEach(async () => {
  await server?.close();
  sandbox.remove();
});
afterAll(() => {
  const leaks = capturedOutputs.filter((output) => output.includes(TEST_TOKEN));
  expect(leaks).toEqual([]);
});

describe('the request', () => {
  it('encodes the room as one path segment, authenticates with a Bearer header and sends the exact body', async () => {
    await setUp({}, { roomName: 'ops team/x' });
    const result = await send(['--message', 'Build 42 passed', '--color=green', '--notify', '--from', 'CI', '--messageFormat=html']);
    expect(result).toMatchObject({ code: 0, stdout: `Command ${SEND} executed successfully.\n`, stderr: '' });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
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
    await setUp();
    const tricky = 'line 1\nline "2"\t\\tab\\ \'quoted\' 🎉 émoji\r\n$HOME `x`';
    expect((await send(['--message', tricky])).code).toBe(0);
    expect((await send(['two', 'words'])).code).toBe(0);
    expect((await send([], `${tricky}\n`)).code).toBe(0);
    expect(server.delivered().map((request) => (request.body as { message: string }).message)).toEqual([tricky, 'two words', tricky]);
    expect(server.delivered()[0]!.body).toEqual({ message: tricky, message_format: 'text', color: 'yellow', notify: false });
  });

  it('cuts a message over 10000 characters to 10000 ending in … and warns', async () => {
    await setUp();
    const result = await send([], 'é'.repeat(12_000));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('Warning: The message is longer than 10000 characters: it was cut to 10000, ending in "…"\n');
    const message = (server.delivered()[0]!.body as { message: string }).message;
    expect([...message]).toHaveLength(10_000);
    expect(message.endsWith('é…')).toBe(true);
  });

  it('prints the request with the token redacted and sends nothing with --dryRun', async () => {
    await setUp();
    const result = await send(['--dryRun', '--message=hi']);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout.slice(0, result.stdout.lastIndexOf('}') + 1));
    expect(printed).toEqual({
      method: 'POST',
      url: `${server.url}/v2/room/ops/notification`,
      headers: { Authorization: 'Bearer <redacted>', 'Content-Type': 'application/json', Accept: 'application/json' },
      body: { message: 'hi', message_format: 'text', color: 'yellow', notify: false },
    });
    expect(server.requests).toHaveLength(0);
  });

  it('prints a result object with --json', async () => {
    await setUp();
    const result = await send(['--json', '--message=hi']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ target: 'server', room: 'ops', sent: 1, attempts: 1, truncated: false });
  });
});

describe('what the command refuses', () => {
  it('an empty message is a usage error', async () => {
    await setUp();
    for (const [args, input] of [
      [['--message='], undefined],
      [[], ''],
      [[], '\n'],
    ] as const) {
      const result = await send([...args], input);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^Empty message from (--message|stdin): nothing to send\nCommand send-hipchat-notification failed\.\n$/,
      );
    }
    expect(server.requests).toHaveLength(0);
  });

  it('no configuration for the target is a failure', async () => {
    server = await startHipChatServer();
    const result = await send(['--message=hi', '--target=nowhere']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No HipChat notifier is configured for target nowhere');
  });

  it('a disabled notifier sends nothing, says so and succeeds', async () => {
    await setUp({}, { enabled: 'false' });
    const result = await send(['--message=hi']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('The HipChat notifier of target server is disabled: nothing sent.\n');
    expect(server.requests).toHaveLength(0);
  });
});

describe('HipChat refusals and transient failures', () => {
  it('reports 404 and 401 in one line, without retrying, exit 1', async () => {
    await setUp({ rooms: ['elsewhere'] });
    const notFound = await send(['--message=hi']);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toBe(`HipChat refused the notification: 404 Room ops not found\nCommand ${SEND} failed.\n`);
    expect(server.requests).toHaveLength(1);

    await server.close();
    server = await startHipChatServer({ tokens: ['another-token'] });
    await sandbox.run(['notification-hipchat-configure', '--enabled', '--roomName=ops', '--token=', `--apiUrl=${server.url}`]);
    const unauthorized = await send(['--message=hi']);
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toBe(`HipChat refused the notification: 401 Invalid OAuth session\nCommand ${SEND} failed.\n`);
    expect(server.requests).toHaveLength(1);
  });

  it('waits out a 429 with reset headers and resends', async () => {
    await setUp();
    server.injectFaults({ kind: 'rateLimited', withHeaders: true });
    const result = await send(['--message=hi']);
    expect(result.code, result.stderr).toBe(0);
    expect(server.count(429)).toBe(1);
    expect(server.delivered()).toHaveLength(1);
  });

  it('backs off after a 429 without headers and resends', async () => {
    await setUp();
    server.injectFaults({ kind: 'rateLimited', withHeaders: false });
    const result = await send(['--message=hi', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ attempts: 2 });
    expect(server.delivered()).toHaveLength(1);
  });

  it('retries 503 twice and then succeeds', async () => {
    await setUp();
    server.injectFaults({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const result = await send(['--message=hi', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ attempts: 3 });
    expect(server.count(503)).toBe(2);
    expect(server.delivered()).toHaveLength(1);
  });

  it('retries after a timeout and a connection reset', async () => {
    await setUp();
    server.injectFaults({ kind: 'delay', ms: 3000 }, { kind: 'reset' });
    const result = await send(['--message=hi', '--timeout=500ms', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ attempts: 3 });
    expect(server.delivered()).toHaveLength(1);
  });

  it('exits 75 when retries are exhausted, saying what happened', async () => {
    await setUp();
    server.injectFaults(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 502 })));
    const result = await send(['--message=hi', '--retries=2']);
    expect(result.code).toBe(75);
    expect(result.stderr).toBe(`HipChat answered 502 Bad Gateway (gave up after 3 attempts)\nCommand ${SEND} failed.\n`);
    expect(server.count(502)).toBe(3);
  });

  it('exits 75 when the rate limit needs a wait beyond --maxWait, saying how long', async () => {
    await setUp({}, { rateLimit: '1/60s' });
    expect((await send(['--message=first'])).code).toBe(0);
    const result = await send(['--message=second', '--maxWait=2s']);
    expect(result.code).toBe(75);
    expect(result.stderr).toMatch(
      /^The configured rate limit is used up: the next attempt may go in (59|60) s, beyond --maxWait 2\.0 s; try again then\n/,
    );
    expect(server.delivered()).toHaveLength(1);
  });
});

describe('the shared rate limit', () => {
  const limit = { limit: 5, windowMs: 2000 };

  it('40 sequential processes against a 5-per-2-s server deliver everything with zero 429s', async () => {
    await setUp({ tokenLimit: limit, floodLimit: limit }, { rateLimit: '5/2s' });
    for (let index = 0; index < 40; index++) {
      const result = await send([`--message=sequential ${index}`]);
      expect(result.code, result.stderr).toBe(0);
    }
    expect(server.count(429)).toBe(0);
    expect(server.delivered().map((request) => (request.body as { message: string }).message)).toEqual(
      Array.from({ length: 40 }, (_, index) => `sequential ${index}`),
    );
  }, 120_000);

  it('10 concurrent processes against a 5-per-2-s server deliver everything with zero 429s', async () => {
    await setUp({ tokenLimit: limit, floodLimit: limit }, { rateLimit: '5/2s' });
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => send([`--message=parallel ${index}`])));
    expect(results.map((result) => result.code)).toEqual(Array(10).fill(0));
    expect(server.count(429)).toBe(0);
    expect(server.delivered()).toHaveLength(10);
  }, 60_000);

  it('keeps its state 0600 in the state folder, without the token', async () => {
    await setUp();
    await send(['--message=hi']);
    const folder = join(sandbox.stateDir, 'buckets');
    const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(1);
    const file = join(folder, files[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(TEST_TOKEN);
  });
});

describe('--ndjson', () => {
  it('sends every good line in order over one connection and reports a bad one by number', async () => {
    await setUp();
    const input = [
      JSON.stringify({ message: 'one' }),
      '{"message": "two"',
      JSON.stringify({ message: 'three', color: 'red', notify: true, from: 'CI', messageFormat: 'html' }),
      '',
      JSON.stringify({ message: 'five', colour: 'red' }),
      JSON.stringify({ message: 'six\nlines' }),
    ].join('\n');
    const result = await send(['--ndjson'], `${input}\n`);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('sent 3, failed 2\n');
    expect(result.stderr).toBe(
      'line 2: not valid JSON\n' +
        'line 5: unknown field "colour" (expected message, color, messageFormat, notify, from)\n' +
        `2 of 5 notifications failed\nCommand ${SEND} failed.\n`,
    );
    expect(server.delivered().map((request) => request.body)).toEqual([
      { message: 'one', message_format: 'text', color: 'yellow', notify: false },
      { message: 'three', message_format: 'html', color: 'red', notify: true, from: 'CI' },
      { message: 'six\nlines', message_format: 'text', color: 'yellow', notify: false },
    ]);
    expect(server.connections()).toBe(1);
  });

  it('goes on after a refused notification and counts it as failed', async () => {
    await setUp();
    server.injectFaults({ kind: 'status', status: 400, body: { error: { code: 400, message: 'Bad thing', type: 'Bad Request' } } });
    const result = await send(['--ndjson', '--json'], '{"message":"a"}\n{"message":"b"}\n');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      sent: 1,
      failed: 1,
      failures: [{ line: 1, error: 'HipChat refused the notification: 400 Bad thing' }],
      stoppedAtLine: null,
    });
  });

  it('prints one request per line with --dryRun, and stops quietly when the reader goes away', async () => {
    await setUp();
    const lines = Array.from({ length: 5000 }, (_, index) => JSON.stringify({ message: `dry ${index}` })).join('\n');
    const all = await send(['--ndjson', '--dryRun'], lines);
    expect(all.code).toBe(0);
    expect(
      all.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).body.message),
    ).toEqual(Array.from({ length: 5000 }, (_, index) => `dry ${index}`));
    const cut = spawnSync('bash', ['-c', `set -o pipefail; node ${CLI} ${SEND} --ndjson --dryRun | head -1`], {
      input: lines,
      encoding: 'utf8',
      env: sandbox.env,
    });
    capturedOutputs.push(cut.stdout, cut.stderr);
    expect(cut.status).toBe(0);
    expect(JSON.parse(cut.stdout).body.message).toBe('dry 0');
    expect(cut.stderr).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('stops at Ctrl-C, prints what was sent and exits 130', async () => {
    await setUp({}, { rateLimit: '2/60s' });
    const child = spawn(process.execPath, [CLI, SEND, '--ndjson'], { env: sandbox.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end(Array.from({ length: 5 }, (_, index) => JSON.stringify({ message: `m${index}` })).join('\n'));
    // Two go at once; the third waits a minute for the limiter, when Ctrl-C comes.
    while (server.delivered().length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    capturedOutputs.push(stdout, stderr);
    expect(code).toBe(130);
    expect(stdout).toBe('sent 2, failed 0\n');
    expect(stderr).toContain('Interrupted');
    expect(hasStackTrace(stderr)).toBe(false);
    expect(server.delivered()).toHaveLength(2);
  });
});

describe('network paths', () => {
  it('goes through $HTTP_PROXY for an http HipChat', async () => {
    await setUp();
    const proxy = await startProxy();
    try {
      const result = await sandbox.run([SEND, '--message=via proxy'], { env: { HTTP_PROXY: proxy.url } });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.requests.map((request) => request.method)).toEqual(['POST']);
      expect(server.delivered()).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('trusts a self-signed HipChat Server with --caFile, through an HTTPS_PROXY tunnel too', async () => {
    const tls = { key: readFileSync(new URL('key.pem', TLS_DIR)), cert: readFileSync(new URL('cert.pem', TLS_DIR)) };
    await setUp({ tls }, { caFile: new URL('cert.pem', TLS_DIR).pathname });
    expect(server.url.startsWith('https://')).toBe(true);
    expect((await send(['--message=tls'])).code).toBe(0);
    const proxy = await startProxy();
    try {
      const result = await sandbox.run([SEND, '--message=tunnelled'], { env: { HTTPS_PROXY: proxy.url } });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.requests.map((request) => request.method)).toEqual(['CONNECT']);
    } finally {
      await proxy.close();
    }
    expect(server.delivered()).toHaveLength(2);
  });

  it('fails without retrying on a certificate it cannot verify, suggesting --caFile', async () => {
    const tls = { key: readFileSync(new URL('key.pem', TLS_DIR)), cert: readFileSync(new URL('cert.pem', TLS_DIR)) };
    await setUp({ tls });
    const result = await send(['--message=tls']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--caFile');
    expect(result.stderr.split('\n')).toHaveLength(3);
    expect(server.requests).toHaveLength(0);
  });
});

describe('test-hipchat-notifier-configuration', () => {
  it('sends the test notification even when the notifier is disabled', async () => {
    await setUp({}, { enabled: 'false' });
    const result = await sandbox.run([TEST]);
    expect(result).toMatchObject({ code: 0, stdout: `Command ${TEST} executed successfully.\n` });
    expect(server.delivered()[0]!.body).toMatchObject({ message: 'Payara Notifier Test\nHipchat notifier test' });
  });

  it("uses --roomName instead of the stored room, and fails with HipChat's reason", async () => {
    await setUp({ rooms: ['ops'] });
    const result = await sandbox.run([TEST, '--roomName=missing']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`HipChat refused the notification: 404 Room missing not found\nCommand ${TEST} failed.\n`);
  });

  it('exits 75 when HipChat stays unavailable', async () => {
    await setUp();
    server.injectFaults(...Array.from({ length: 2 }, () => ({ kind: 'status' as const, status: 503 })));
    const result = await sandbox.run([TEST, '--retries=1']);
    expect(result.code).toBe(75);
  });
});
