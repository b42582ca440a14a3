// Secrets: wherever the token could slip out (an answer echoing it, a stack trace, a broken config file,
// a usage error next to it), no output and no file but the config holds it or a piece of it; HipChat sees
// it only in the Authorization header; the files notifier keeps are 0600 in 0700 folders, whatever the umask.
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../support/cli.js';
import { startHipChatServer, TEST_TOKEN, type Fault } from '../support/hipchat-server.js';
import { checkSecretsAfterAll, CONFIGURE, GET, holdsToken, scannedSandbox, SEND, writeConfig } from '../support/reliability.js';

checkSecretsAfterAll();

const TEST = 'test-hipchat-notifier-configuration';

/** An error answer whose message repeats the token, as a careless server or proxy might. */
function echoing(status: number): Fault {
  return { kind: 'status', status, body: { error: { code: status, message: `Invalid token ${TEST_TOKEN}`, type: STATUS_CODES[status] } } };
}

interface LeakCase {
  name: string;
  args: string[];
  input?: string;
  env?: NodeJS.ProcessEnv;
  faults?: Fault[];
  setup?: (box: Sandbox) => void;
  code: number;
  /** What the output shows where the token might have been. */
  shows: string;
}

const CASES: LeakCase[] = [
  {
    name: 'a refusal whose message echoes the token',
    faults: [echoing(400)],
    args: [SEND, 'hello'],
    code: 1,
    shows: 'HipChat refused the notification: 400 Invalid token <redacted>',
  },
  {
    name: 'a 503 echoing the token until the retries run out',
    faults: [echoing(503), echoing(503)],
    args: [SEND, '--retries=1', 'hello'],
    code: 75,
    shows: 'HipChat answered 503 Service Unavailable: Invalid token <redacted> (gave up after 2 attempts)',
  },
  {
    name: 'the --json failures of a --ndjson run',
    faults: [echoing(403)],
    args: [SEND, '--ndjson', '--json'],
    input: '{"message":"a"}\n{"message":"b"}\n',
    code: 1,
    shows: '"error":"HipChat refused the notification: 403 Invalid token <redacted>"',
  },
  {
    name: 'the stack trace of NOTIFIER_DEBUG=1',
    faults: [echoing(401)],
    args: [SEND, 'hello'],
    env: { NOTIFIER_DEBUG: '1' },
    code: 1,
    shows: 'HipChatError: HipChat refused the notification: 401 Invalid token <redacted>\n    at ',
  },
  {
    name: 'a refused test notification',
    faults: [echoing(401)],
    args: [TEST],
    code: 1,
    shows: 'Check your room name and token. HTTP response code: 401 (Invalid token <redacted>)',
  },
  { name: '--dryRun', args: [SEND, '--dryRun', 'hello'], code: 0, shows: '"Authorization": "Bearer <redacted>"' },
  { name: 'get --maskToken', args: [GET, '--maskToken'], code: 0, shows: '****cdef' },
  { name: 'get --json --maskToken', args: [GET, '--json', '--maskToken'], code: 0, shows: '"token": "****cdef"' },
  {
    name: 'a bad option next to --token',
    args: [CONFIGURE, '--enabled', '--roomName=ops', `--token=${TEST_TOKEN}`, '--bogus'],
    code: 2,
    shows: 'Invalid option: --bogus',
  },
  {
    name: 'a token with a space in it',
    args: [CONFIGURE, '--enabled', '--roomName=ops', `--token=${TEST_TOKEN} x`],
    code: 2,
    shows: 'Token must not contain whitespace or control characters',
  },
  {
    // V8's JSON errors quote the text around the mistake: here, the start of the token.
    name: 'a config file broken next to the token',
    setup: (box) => writeFileSync(box.configPath, `{"version": 1, "targets": {"server": {"hipchat": {"token": ${TEST_TOKEN}}}}}`),
    args: [SEND, 'hello'],
    code: 1,
    shows: "is not valid JSON (Unexpected token 'e')",
  },
];

describe.concurrent.each(CASES)('$name', ({ args, input, env, faults = [], setup, code, shows }) => {
  it(`exits ${code} without the token in any output, HipChat seeing it in the Authorization header only`, async ({ onTestFinished }) => {
    const server = await startHipChatServer();
    onTestFinished(() => server.close());
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    setup?.(box);
    server.injectFaults(...faults);

    const result = await box.run(args, { input, env });
    expect(result.code, result.stderr).toBe(code);
    const output = result.stdout + result.stderr;
    expect(output).toContain(shows);
    expect(holdsToken(output), output).toBe(false);
    for (const request of server.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
      expect(holdsToken(request.url + request.rawBody)).toBe(false);
    }
  });
});

describe.concurrent.each([0o000, 0o022, 0o077])('under umask %o', (umask) => {
  it('the config and the rate-limit state are 0600 in 0700 folders, a 0644 config included', async ({ onTestFinished }) => {
    const server = await startHipChatServer();
    onTestFinished(() => server.close());
    const box = scannedSandbox(onTestFinished);
    const tokenFile = join(box.dir, 'token');
    writeFileSync(tokenFile, TEST_TOKEN);
    const probe = join(box.dir, 'umask.cjs');
    writeFileSync(probe, `process.umask(0o${umask.toString(8)});\n`);
    const run = (command: string[]) => box.run(command, { env: { NODE_OPTIONS: `--require ${probe}` } });
    const configure = [CONFIGURE, '--enabled', '--roomName=ops', `--tokenFile=${tokenFile}`, `--apiUrl=${server.url}`];

    expect((await run(configure)).code).toBe(0);
    expect((await run([SEND, 'hello'])).code).toBe(0);
    // Someone loosened it by hand: the next write tightens it again.
    chmodSync(box.configPath, 0o644);
    expect((await run(configure)).code).toBe(0);

    const buckets = join(box.stateDir, 'limits');
    const files = [box.configPath, ...readdirSync(buckets).map((name) => join(buckets, name))];
    const folders = [dirname(box.configPath), box.stateDir, buckets];
    const modes = (paths: string[]) => paths.map((path) => [path, (statSync(path).mode & 0o777).toString(8)]);
    expect(modes(files)).toEqual(files.map((path) => [path, '600']));
    expect(modes(folders)).toEqual(folders.map((path) => [path, '700']));
  });
});
