// Ready for CI from a fresh runner (issue 10) and the bounds of issue 14, end to end through the built CLI:
// sends without a config file, the precedence option > environment > stored, one failure document with
// --json, a host name that does not exist, cards and threads, UTF-16 limits, a boolean that took a word,
// the 1 MB line and 64 KB token bounds, and a batch that announces its long wait and stops at SIGTERM.
import { hostname } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturedOutputs, CLI, hasStackTrace, type Sandbox } from '../support/cli.js';
import { startHipChatServer, TEST_TOKEN, type HipChatServerOptions, type HipChatTestServer } from '../support/hipchat-server.js';
import { checkSecretsAfterAll, CONFIGURE, scannedSandbox, SEND, writeConfig } from '../support/reliability.js';
import { peakMemoryProbe } from '../support/memory.js';
import { waitFor } from '../support/wait.js';

checkSecretsAfterAll();

const TEST = 'test-hipchat-notifier-configuration';
const ENV_TOKEN = 'EnvironmentSecret9876543210';
const OPTION_TOKEN = 'OptionSecret9876543210zyx';
const EMOJI = '🎉';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Finish = (fn: () => void | Promise<void>) => void;

async function serverFor(onTestFinished: Finish, options: HipChatServerOptions = {}): Promise<HipChatTestServer> {
  const server = await startHipChatServer(options);
  onTestFinished(() => server.close());
  return server;
}

/** Every file under the sandbox's HOME, relative to it. */
function filesUnder(box: Sandbox, folder = box.home): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(box, join(folder, entry.name)) : [relative(box.home, join(folder, entry.name))],
  );
}

const bodies = (server: HipChatTestServer) => server.delivered().map((request) => request.body as Record<string, unknown>);
const failed = (line: string) => `${line}\nCommand ${SEND} failed.\n`;

describe.concurrent('without a config file', () => {
  it('sends with room, token and URL from options and the environment, writes no config, and shares one bucket', async ({
    onTestFinished,
  }) => {
    const server = await serverFor(onTestFinished);
    const box = scannedSandbox(onTestFinished);
    const byOptions = await box.run([SEND, '--roomName', 'Build Status', '--apiUrl', server.url, 'Build 42 passed'], {
      env: { HIPCHAT_TOKEN: TEST_TOKEN },
    });
    expect(byOptions).toMatchObject({ code: 0, stdout: `Command ${SEND} executed successfully.\n`, stderr: '' });
    // The same place told by the environment alone (the URL spelt with a slash): the same room, the same bucket.
    const environment = { HIPCHAT_TOKEN: TEST_TOKEN, HIPCHAT_ROOM: 'Build Status', HIPCHAT_API_URL: `${server.url}/` };
    const byEnvironment = await box.run([SEND, 'Build 43 passed'], { env: environment });
    expect(byEnvironment, byEnvironment.stderr).toMatchObject({ code: 0, stderr: '' });
    const tested = await box.run([TEST], { env: environment });
    expect(tested, tested.stderr).toMatchObject({ code: 0, stdout: `Message successfully sent\nCommand ${TEST} executed successfully.\n` });

    expect(server.delivered('Build Status').map((request) => (request.body as { message: string }).message)).toEqual([
      'Build 42 passed',
      'Build 43 passed',
      `Payara Notifier Test. (host:${hostname()}, server:server, domain:notifier,instance:server)\nHipchat notifier test`,
    ]);
    expect(server.delivered().every((request) => request.headers.authorization === `Bearer ${TEST_TOKEN}`)).toBe(true);
    expect(existsSync(box.configPath)).toBe(false);
    const files = filesUnder(box);
    expect(files.filter((file) => !file.startsWith('.local/state/notifier/limits/'))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.json'))).toHaveLength(1);
  });

  it('takes each setting from its option, else the environment (aliases after the documented names), else the stored target', async ({
    onTestFinished,
  }) => {
    const server = await serverFor(onTestFinished, { tokens: [TEST_TOKEN, ENV_TOKEN, OPTION_TOKEN] });
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    const tokenFile = join(box.dir, 'option-token');
    writeFileSync(tokenFile, `${OPTION_TOKEN}\n`);
    const environment = {
      HIPCHAT_TOKEN: ENV_TOKEN,
      HIPCHAT_ROOM_ID: 'env-room',
      HIPCHAT_API_URL: server.url,
      // An alias comes after the documented name: this host would fail the send.
      HIPCHAT_HOST: 'notifier-test.invalid',
    };
    for (const args of [['--roomName=option-room', `--tokenFile=${tokenFile}`, 'by options'], ['by the environment']]) {
      const result = await box.run([SEND, ...args], { env: environment });
      expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    }
    expect((await box.run([SEND, 'by the stored target'])).code).toBe(0);
    expect(
      server.delivered().map((request) => [request.room, request.headers.authorization, (request.body as { message: string }).message]),
    ).toEqual([
      ['option-room', `Bearer ${OPTION_TOKEN}`, 'by options'],
      ['env-room', `Bearer ${ENV_TOKEN}`, 'by the environment'],
      ['ops', `Bearer ${TEST_TOKEN}`, 'by the stored target'],
    ]);
  });

  it('says what is missing when neither options, environment nor configuration say where to send', async ({ onTestFinished }) => {
    const box = scannedSandbox(onTestFinished);
    const result = await box.run([SEND, 'hello'], { env: { HIPCHAT_ROOM: 'ops' } });
    expect(result).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: failed(
        'No HipChat notifier is configured for target server: give --token or --tokenFile (or $HIPCHAT_TOKEN) and --apiUrl (or $HIPCHAT_API_URL), or run notifier notification-hipchat-configure first',
      ),
    });
  });
});

describe.concurrent('messages and machine output', () => {
  it('--json on failure: one document on stdout with the error, its exit code and HipChat status', async ({ onTestFinished }) => {
    const server = await serverFor(onTestFinished, { rooms: ['elsewhere'] });
    const box = scannedSandbox(onTestFinished);
    const result = await box.run([SEND, '--json', '--roomName=ops', `--apiUrl=${server.url}`, 'hi'], {
      env: { HIPCHAT_TOKEN: TEST_TOKEN },
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { message: 'HipChat refused the notification: 404 Room ops not found', exitCode: 1, status: 404 },
    });
    expect(result.stderr).toBe(failed('HipChat refused the notification: 404 Room ops not found'));
  });

  it('a host name that does not exist is exit 1 at once, saying to check --apiUrl; a base ending in /v2 is refused', async ({
    onTestFinished,
  }) => {
    const box = scannedSandbox(onTestFinished);
    // .invalid never resolves (RFC 2606): no name server outside this machine is asked.
    const unknown = await box.run([SEND, '--roomName=ops', '--apiUrl=https://notifier-test.invalid', 'hi'], {
      env: { HIPCHAT_TOKEN: TEST_TOKEN },
    });
    expect(unknown).toMatchObject({
      code: 1,
      stderr: failed('Cannot reach HipChat at notifier-test.invalid: host name not found; check --apiUrl'),
    });
    const v2 = await box.run([CONFIGURE, '--enabled', '--roomName=ops', `--token=${TEST_TOKEN}`, '--apiUrl=http://127.0.0.1:9/v2']);
    expect(v2).toMatchObject({
      code: 2,
      stderr: `Invalid --apiUrl: http://127.0.0.1:9/v2 ends in /v2, which notifier adds itself; give http://127.0.0.1:9\nCommand ${CONFIGURE} failed.\n`,
    });
    expect(existsSync(box.configPath)).toBe(false);
  });

  it('cards and threads reach HipChat: --card FILE and --attachTo, and "card" and "attachTo" in --ndjson lines', async ({
    onTestFinished,
  }) => {
    const server = await serverFor(onTestFinished);
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    const card = {
      style: 'application',
      title: 'Build 42 passed',
      id: 'build-42',
      format: 'compact',
      attributes: [{ label: 'branch', value: { label: 'main', style: 'lozenge-success' } }],
    };
    writeFileSync(join(box.dir, 'card.json'), JSON.stringify(card));
    const single = await box.run([SEND, '--card', join(box.dir, 'card.json'), '--attachTo', 'message-1', '--color=green']);
    expect(single, single.stderr).toMatchObject({ code: 0, stderr: '' });
    const lines = [
      JSON.stringify({
        message: 'deployed',
        card: { style: 'link', title: 'Release notes', url: 'https://example.com/notes', id: 'notes' },
      }),
      JSON.stringify({ message: 'in the thread', attachTo: 'message-2' }),
      JSON.stringify({ card: { title: 'no style' } }),
    ];
    const batch = await box.run([SEND, '--ndjson'], { input: `${lines.join('\n')}\n` });
    expect(batch).toMatchObject({
      code: 1,
      stdout: 'sent 2, failed 1\n',
      stderr: failed(
        'line 3: Invalid "card": style: expected "file" or "image" or "application" or "link" or "media"\n1 of 3 notifications failed',
      ),
    });
    expect(bodies(server)).toEqual([
      { message: 'Build 42 passed', message_format: 'text', color: 'green', notify: false, attach_to: 'message-1', card },
      {
        message: 'deployed',
        message_format: 'text',
        color: 'yellow',
        notify: false,
        card: { style: 'link', title: 'Release notes', url: 'https://example.com/notes', id: 'notes' },
      },
      { message: 'in the thread', message_format: 'text', color: 'yellow', notify: false, attach_to: 'message-2' },
    ]);
  });

  it('counts limits in UTF-16 code units, cuts between emoji, and warns when a boolean took a word of the message', async ({
    onTestFinished,
  }) => {
    const server = await serverFor(onTestFinished);
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    // 5001 emoji: 10002 code units, 5001 code points.
    const result = await box.run([SEND, '--notify', 'True', EMOJI.repeat(5001)]);
    expect(result).toMatchObject({
      code: 0,
      stderr:
        `Warning: --notify took "True" as its value, not as part of the message (asadmin's rule); write --notify=true to send "True" too\n` +
        'Warning: The message is longer than 10000 characters (counted in UTF-16 code units, as HipChat counts them: most emoji count 2): it was cut to fit, ending in "…"\n',
    });
    const [body] = bodies(server);
    expect(body).toMatchObject({ message: `${EMOJI.repeat(4999)}…`, notify: true });
    expect(LONE_SURROGATE.test(body!.message as string)).toBe(false);
    const from = await box.run([SEND, `--from=${EMOJI.repeat(33)}`, 'hello']);
    expect(from).toMatchObject({
      code: 2,
      stderr: failed(
        'Invalid --from: longer than 64 characters (counted in UTF-16 code units, as HipChat counts them: most emoji count 2)',
      ),
    });
    expect(server.requests).toHaveLength(1);
  });
});

describe.concurrent('bounded inputs', () => {
  it('a 100 MB --ndjson line is refused by its number, unread, and the lines after it are sent', async ({ onTestFinished }) => {
    const server = await serverFor(onTestFinished);
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    const memory = peakMemoryProbe(box.dir);
    const input = Buffer.concat([
      Buffer.from('{"message":"before"}\n{"message":"'),
      Buffer.alloc(100_000_000, 'x'),
      Buffer.from('"}\n{"message":"after"}\n'),
    ]);
    const result = await box.run([SEND, '--ndjson'], { input, env: memory.env, timeoutMs: 30_000 });
    expect(result).toMatchObject({
      code: 1,
      stdout: 'sent 2, failed 1\n',
      stderr: failed('line 2: longer than 1 MB: not read\n1 of 3 notifications failed'),
    });
    expect(bodies(server).map((body) => body.message)).toEqual(['before', 'after']);
    // About 60 MB for any send here; holding the line would pass 200 MB (it took 1.7 GB for 60 MB before).
    expect(memory.peakKiB()).toBeLessThan(128 * 1024);
  });

  it('a token input over 64 KB is refused after reading no more than that: --tokenFile /dev/zero, yes | --token=-', async ({
    onTestFinished,
  }) => {
    const box = scannedSandbox(onTestFinished);
    const file = await box.run([SEND, '--roomName=ops', '--apiUrl=http://127.0.0.1:9', '--tokenFile=/dev/zero', 'hi']);
    expect(file).toMatchObject({ code: 2, stderr: failed('Token file /dev/zero is larger than 64 KB: that is not a token') });
    // `yes` never ends: the command ends only because it stops reading.
    const piped = spawnSync(
      'bash',
      ['-c', `yes | "${process.execPath}" "${CLI}" ${SEND} --roomName=ops --apiUrl=http://127.0.0.1:9 --token=- hi`],
      {
        env: box.env,
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    capturedOutputs.push(piped.stdout, piped.stderr);
    expect({ status: piped.status, stderr: piped.stderr }).toEqual({
      status: 2,
      stderr: failed('The token on stdin (--token=-) is larger than 64 KB: that is not a token'),
    });
  });

  it('an argument that is not UTF-8 is refused, as the same bytes on stdin are', async ({ onTestFinished }) => {
    const box = scannedSandbox(onTestFinished);
    // bash's $'\xff' passes the byte itself, which Node would turn into U+FFFD.
    const result = spawnSync('bash', ['-c', `exec "${process.execPath}" "${CLI}" ${SEND} --dryRun $'ok \\xff'`], {
      env: { ...box.env, HIPCHAT_TOKEN: TEST_TOKEN, HIPCHAT_ROOM: 'ops', HIPCHAT_API_URL: 'http://127.0.0.1:9' },
      encoding: 'utf8',
    });
    capturedOutputs.push(result.stdout, result.stderr);
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr: failed('Invalid argument 3: it is not valid UTF-8'),
    });
  });
});

describe('a long wait, then SIGTERM', () => {
  it('announces a wait of more than 5 s without a terminal, and SIGTERM ends the batch with its summary and exit 130', async ({
    onTestFinished,
  }) => {
    const server = await serverFor(onTestFinished);
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server, '2/60s');
    const child = spawn(process.execPath, [CLI, SEND, '--ndjson'], { env: box.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.end(Array.from({ length: 5 }, (_, index) => JSON.stringify({ message: `m${index}` })).join('\n'));
    // Two go at once; the third waits half a minute for the limiter, and says so.
    await waitFor(
      () => stderr.includes('\n') || child.exitCode !== null,
      () => `the wait line (stderr so far: ${JSON.stringify(stderr)})`,
    );
    child.kill('SIGTERM');
    const code = await closed;
    capturedOutputs.push(stdout, stderr);
    expect(code).toBe(130);
    expect(stdout).toBe('sent 2, failed 0\n');
    const [wait, ...rest] = stderr.split('\n');
    expect(wait).toMatch(/^Waiting (\d+ s|1 min) for the configured rate limit; resuming at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rest.join('\n')).toBe(failed('Stopped at line 3; the lines after it were not sent.\nTerminated (SIGTERM)'));
    expect(hasStackTrace(stderr)).toBe(false);
    expect(server.delivered()).toHaveLength(2);
  });

  it('SIGTERM while the next line has not come (a pipe kept open) ends the batch the same way', async ({ onTestFinished }) => {
    const server = await serverFor(onTestFinished);
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    const child = spawn(process.execPath, [CLI, SEND, '--ndjson', '--json'], { env: box.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write('{"message":"first"}\n');
    await waitFor(
      () => server.delivered().length === 1,
      () => 'the first line to arrive',
    );
    child.kill('SIGTERM');
    const code = await closed;
    capturedOutputs.push(stdout, stderr);
    expect(code).toBe(130);
    expect(JSON.parse(stdout)).toEqual({
      ok: false,
      error: { message: 'Terminated (SIGTERM)', exitCode: 130 },
      sent: 1,
      failed: 0,
      failures: [],
      stoppedAtLine: 2,
    });
    expect(stderr).toBe(failed('Stopped before line 2; it and the lines after it were not read.\nTerminated (SIGTERM)'));
  });
});
