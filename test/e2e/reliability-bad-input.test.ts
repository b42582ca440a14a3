// Bad input to send (and to configure beyond test/e2e/configure-bad-input.test.ts): options, values, stdin,
// --ndjson lines and config files. Each: the README's exit code, one clear line, no stack trace, and the
// config file and the rate-limit state byte for byte as they were, nothing sent.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, permissionTestIds, type Sandbox } from '../support/cli.js';
import { startHipChatServer, TEST_TOKEN, type HipChatTestServer } from '../support/hipchat-server.js';
import {
  checkSecretsAfterAll,
  CONFIGURE,
  deliveredMessages,
  failureReason,
  GET,
  handOver,
  scannedSandbox,
  SEND,
  snapshotTree,
  writeConfig,
} from '../support/reliability.js';

checkSecretsAfterAll();

interface BadInput {
  name: string;
  /** A function when they name a path in the sandbox. */
  args: string[] | ((box: Sandbox) => string[]);
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Changes the sandbox (a configured target that has sent once) before the snapshot. */
  setup?: (box: Sandbox) => void;
  /** Run as an unprivileged uid (root reads and writes anything). */
  unprivileged?: boolean;
  code: 1 | 2;
  /** The lines before "Command … failed."; a function when they name a path in the sandbox. */
  reason: (string | RegExp)[] | ((box: Sandbox) => (string | RegExp)[]);
  stdout?: string;
}

const LONG_FROM = 'f'.repeat(65);
const CONFIGURED = ['--enabled', '--roomName=ops', `--token=${TEST_TOKEN}`];
const NOT_A_DURATION = '(expected a duration such as 30s, 5m or 500ms)';
const COUNTED_AS = '(counted in UTF-16 code units, as HipChat counts them: most emoji count 2)';

function usage(name: string, args: string[], reason: string, more: Partial<BadInput> = {}): BadInput {
  return { name, args, code: 2, reason: [reason], ...more };
}

/** A --ndjson run whose only line is bad: reported by number, counted, nothing sent, exit 1. */
function badLine(name: string, line: string | Buffer, reason: string): BadInput {
  return {
    name: `--ndjson: ${name}`,
    args: [SEND, '--ndjson'],
    input: Buffer.concat([Buffer.from(line), Buffer.from('\n')]),
    code: 1,
    stdout: 'sent 0, failed 1\n',
    reason: [`line 1: ${reason}`, '1 of 1 notification failed'],
  };
}

/** A send that meets a broken config file: exit 1, one line naming the file. */
function badConfig(
  name: string,
  setup: (box: Sandbox) => void,
  reason: (path: string) => string | RegExp,
  more: Partial<BadInput> = {},
): BadInput {
  return { name: `config: ${name}`, args: [SEND, 'hello'], setup, code: 1, reason: (box) => [reason(box.configPath)], ...more };
}

function replaceConfig(text: string) {
  return (box: Sandbox) => writeFileSync(box.configPath, text);
}

function replaceConfigBy(make: (box: Sandbox) => void) {
  return (box: Sandbox) => {
    rmSync(box.configPath);
    make(box);
  };
}

function disableNotifier(box: Sandbox): void {
  writeFileSync(box.configPath, readFileSync(box.configPath, 'utf8').replace('"enabled": true', '"enabled": false'));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const notJson = (path: string) => new RegExp(`^Config file ${escape(path)} is not valid JSON \\(.+\\)$`);
const storedTarget = (hipchat: Record<string, unknown>) => JSON.stringify({ version: 1, targets: { server: { hipchat } } });

const optionCases: BadInput[] = [
  usage(
    'an unknown colour',
    [SEND, '--color=blue', 'hello'],
    'Invalid --color: blue (expected one of yellow, green, red, purple, gray, random)',
  ),
  usage('an empty colour', [SEND, '--color=', 'hello'], 'Invalid --color:  (expected one of yellow, green, red, purple, gray, random)'),
  usage(
    'an unknown --messageFormat',
    [SEND, '--messageFormat=markdown', 'hello'],
    'Invalid --messageFormat: markdown (expected html or text)',
  ),
  usage('--from over 64 characters', [SEND, `--from=${LONG_FROM}`, 'hello'], `Invalid --from: longer than 64 characters ${COUNTED_AS}`),
  usage('negative --retries', [SEND, '--retries=-1', 'hello'], 'Invalid --retries: -1 (expected a whole number from 0 to 100)'),
  usage('fractional --retries', [SEND, '--retries=1.5', 'hello'], 'Invalid --retries: 1.5 (expected a whole number from 0 to 100)'),
  usage('--retries over 100', [SEND, '--retries=101', 'hello'], 'Invalid --retries: 101 (expected a whole number from 0 to 100)'),
  usage('a zero --maxWait', [SEND, '--maxWait=0', 'hello'], `Invalid --maxWait: 0 ${NOT_A_DURATION}`),
  usage('a --maxWait in an unknown unit', [SEND, '--maxWait=5x', 'hello'], `Invalid --maxWait: 5x ${NOT_A_DURATION}`),
  usage('a negative --timeout', [SEND, '--timeout=-1s', 'hello'], `Invalid --timeout: -1s ${NOT_A_DURATION}`),
  usage('a --timeout that rounds to 0 ms', [SEND, '--timeout=0.4ms', 'hello'], `Invalid --timeout: 0.4ms ${NOT_A_DURATION}`),
  usage(
    '--message with --ndjson',
    [SEND, '--ndjson', '--message=hello'],
    '--ndjson reads messages from stdin: give no --message or operands with it',
  ),
  usage('operands with --ndjson', [SEND, '--ndjson', 'hello'], '--ndjson reads messages from stdin: give no --message or operands with it'),
  usage('--message without its value', [SEND, '--message'], 'Missing value for option: message'),
  usage('a blank --message', [SEND, '--message=  \t '], 'Empty message from --message: nothing to send'),
  // The command line is checked before the configuration: exit 2 whatever the configuration says.
  usage('a blank --message with a disabled notifier', [SEND, '--message= '], 'Empty message from --message: nothing to send', {
    setup: disableNotifier,
  }),
  usage(
    'a blank --message for a target never configured',
    [SEND, '--target=elsewhere', '--message= '],
    'Empty message from --message: nothing to send',
  ),
  usage('a bad --notify value', [SEND, '--notify=maybe', 'hello'], 'Invalid boolean value for option: notify, Value: maybe'),
  usage('an unknown option on send', [SEND, '--colour=red', 'hello'], 'Invalid option: --colour. Did you mean --color?'),
  usage('--no- on a string option of send', [SEND, '--no-color', 'hello'], '"--no" illegal with non-boolean option: color'),
  usage('a repeated option, any case', [SEND, '--color=red', '--COLOR=green', 'hello'], 'Repeats not allowed for option: color'),
  usage('--terse before and after the subcommand', ['--terse', SEND, '--terse', 'hello'], 'Repeats not allowed for option: terse'),
  usage('a target name with a control character', [SEND, '--target=a\tb', 'hello'], 'Invalid target name: "a\\tb"'),
  usage(
    'configure: an unsupported --apiUrl scheme',
    [CONFIGURE, ...CONFIGURED, '--apiUrl=ftp://h.example.com'],
    'Invalid --apiUrl: ftp: is not supported (use https://)',
  ),
  usage(
    'configure: a --rateLimit of zero duration',
    [CONFIGURE, ...CONFIGURED, '--rateLimit=30/0s'],
    'Invalid --rateLimit: 30/0s (expected COUNT/DURATION, e.g. 30/60s or 100/5m)',
  ),
  usage(
    'configure: a room name with a tab',
    [CONFIGURE, '--enabled', '--roomName=a\tb', `--token=${TEST_TOKEN}`],
    'Room name must not contain control characters',
  ),
  usage(
    'configure: $HIPCHAT_TOKEN with a space',
    [CONFIGURE, '--enabled', '--roomName=ops'],
    'Token must not contain whitespace or control characters ($HIPCHAT_TOKEN)',
    { env: { HIPCHAT_TOKEN: `${TEST_TOKEN} x` } },
  ),
  {
    name: 'configure: an empty --tokenFile',
    args: (box) => [CONFIGURE, '--enabled', '--roomName=ops', `--tokenFile=${join(box.dir, 'empty')}`],
    setup: (box) => writeFileSync(join(box.dir, 'empty'), ''),
    code: 2,
    reason: (box) => [`Token file ${join(box.dir, 'empty')} is empty`],
  },
  {
    name: 'configure: a --tokenFile that is a folder',
    args: (box) => [CONFIGURE, '--enabled', '--roomName=ops', `--tokenFile=${box.dir}`],
    code: 1,
    reason: (box) => [`Cannot read token file ${box.dir}: it is a directory`],
  },
  usage(
    'configure: a --caFile that does not exist',
    [CONFIGURE, ...CONFIGURED, '--caFile=/nonexistent/ca.pem'],
    'Cannot read --caFile /nonexistent/ca.pem: no such file or directory',
    { code: 1 },
  ),
];

const stdinCases: BadInput[] = [
  usage('stdin that is not UTF-8', [SEND], 'Invalid message from stdin: it is not valid UTF-8', {
    input: Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0x0a]),
  }),
  usage('stdin with a NUL byte', [SEND], 'Invalid message from stdin: it contains a NUL character', { input: 'before\0after\n' }),
  usage('an empty stdin', [SEND], 'Empty message from stdin: nothing to send', { input: '' }),
  usage('a stdin of blanks and newlines', [SEND], 'Empty message from stdin: nothing to send', { input: ' \n\t\n\n' }),
];

const ndjsonCases: BadInput[] = [
  badLine('not JSON', 'message: hello', 'not valid JSON'),
  badLine('an array', '[{"message":"hello"}]', 'not a JSON object'),
  badLine('a bare string', '"hello"', 'not a JSON object'),
  badLine('null', 'null', 'not a JSON object'),
  badLine('a number as message', '{"message":42}', '"message" must be a string'),
  badLine('a string as notify', '{"message":"hello","notify":"true"}', '"notify" must be true or false'),
  badLine('a number as colour', '{"message":"hello","color":1}', '"color" must be a string'),
  badLine(
    'an unknown colour',
    '{"message":"hello","color":"blue"}',
    'Invalid "color": blue (expected one of yellow, green, red, purple, gray, random)',
  ),
  badLine('an unknown messageFormat', '{"message":"hello","messageFormat":"md"}', 'Invalid "messageFormat": md (expected html or text)'),
  badLine('no message', '{"color":"red"}', '"message" is missing'),
  badLine('an empty message', '{"message":""}', 'Empty message from "message": nothing to send'),
  badLine(
    'a from over 64 characters',
    JSON.stringify({ message: 'hello', from: LONG_FROM }),
    `Invalid "from": longer than 64 characters ${COUNTED_AS}`,
  ),
  badLine('an escaped NUL in the message', '{"message":"a\\u0000b"}', 'Invalid message from "message": it contains a NUL character'),
  badLine(
    'bytes that are not UTF-8',
    Buffer.concat([Buffer.from('{"message":"ok '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    'not valid UTF-8',
  ),
];

const fileCases: BadInput[] = [
  badConfig('truncated JSON', replaceConfig('{"version": 1, "tar'), notJson),
  badConfig('an empty file', replaceConfig(''), notJson),
  badConfig(
    'wrong types',
    replaceConfig(storedTarget({ enabled: 'yes' })),
    (path) => `Config file ${path} is not a valid notifier configuration: targets.server.hipchat.enabled: expected boolean (and 6 more)`,
  ),
  badConfig(
    'a version as a string',
    replaceConfig('{"version":"1","targets":{}}'),
    (path) => `Config file ${path} is not a valid notifier configuration: version: expected 1`,
  ),
  badConfig(
    'a future version',
    replaceConfig('{"version":2,"targets":{}}'),
    (path) => `Config file ${path} has version 2, newer than this notifier understands (1): upgrade notifier`,
  ),
  badConfig(
    'a stored apiUrl that is not http(s)',
    replaceConfig(
      storedTarget({
        enabled: true,
        roomName: 'ops',
        token: TEST_TOKEN,
        dynamic: false,
        noisy: true,
        apiUrl: 'ftp://h.example.com',
        rateLimit: '30/60s',
      }),
    ),
    (path) =>
      `Config file ${path} is not a valid notifier configuration: targets.server.hipchat.apiUrl: not an http(s) URL without credentials, query or fragment`,
  ),
  badConfig(
    'a directory',
    replaceConfigBy((box) => mkdirSync(box.configPath)),
    (path) => `Cannot read config file ${path}: it is a directory`,
  ),
  badConfig(
    'a FIFO (a read would wait for a writer forever)',
    replaceConfigBy((box) => execFileSync('mkfifo', [box.configPath])),
    (path) => `Config file ${path} is not a regular file`,
  ),
  badConfig(
    'larger than 1 MB',
    replaceConfigBy((box) => writeFileSync(box.configPath, `{"version": 1, "targets": {}}${' '.repeat(1024 * 1024)}`, { mode: 0o600 })),
    (path) => `Config file ${path} is larger than 1 MB: not a notifier configuration`,
  ),
  badConfig(
    'a dangling symlink',
    replaceConfigBy((box) => symlinkSync(join(box.dir, 'gone.json'), box.configPath)),
    (path) => `Cannot read config file ${path}: it is a symbolic link to a file that does not exist`,
  ),
  badConfig(
    'a symlink loop',
    replaceConfigBy((box) => symlinkSync(box.configPath, box.configPath)),
    (path) => `Cannot read config file ${path}: too many symbolic links`,
  ),
  badConfig(
    'unreadable',
    (box) => chmodSync(box.configPath, 0o000),
    (path) => `Cannot read config file ${path}: permission denied`,
    { unprivileged: true },
  ),
  {
    name: 'config: a parent that is a file',
    args: (box) => ['--config', join(box.dir, 'plain', 'config.json'), SEND, 'hello'],
    setup: (box) => writeFileSync(join(box.dir, 'plain'), ''),
    code: 1,
    reason: (box) => [`Cannot read config file ${join(box.dir, 'plain', 'config.json')}: a parent of it is not a directory`],
  },
  {
    name: 'state: a read-only state folder',
    args: [SEND, 'hello'],
    setup: (box) => chmodSync(join(box.stateDir, 'limits'), 0o500),
    unprivileged: true,
    code: 1,
    reason: (box) => [`Cannot write the rate-limit state in ${join(box.stateDir, 'limits')}: permission denied`],
  },
  {
    name: 'state: a file where the state folder should be',
    args: [SEND, 'hello'],
    setup: (box) => {
      rmSync(box.stateDir, { recursive: true });
      writeFileSync(box.stateDir, '');
    },
    code: 1,
    reason: (box) => {
      return [`State folder ${box.stateDir} is not a folder`];
    },
  },
  // Node's recursive mkdir retried ENOENT there forever, at 100% CPU (issue 10): now the first failure is final.
  ...['/proc/nope', '/proc/self/nope'].map(
    (stateDir): BadInput => ({
      name: `state: NOTIFIER_STATE_DIR=${stateDir}, where no folder can be made`,
      args: [SEND, 'hello'],
      env: { NOTIFIER_STATE_DIR: stateDir },
      code: 1,
      reason: [`Cannot create the rate-limit state folder ${stateDir}/limits: no such file or directory`],
    }),
  ),
];

// Bugs outside the files this suite may fix, reported with it: each case states the right behaviour and
// is expected to fail until its bug is fixed (then move it up into the tables above).
const boundaryCases: BadInput[] = [
  // Checked before the configuration is read: a disabled notifier must not hide a bad command line.
  usage(
    'a bad --retries with a disabled notifier',
    [SEND, '--retries=abc', 'hello'],
    'Invalid --retries: abc (expected a whole number from 0 to 100)',
    { setup: disableNotifier },
  ),
  // Node would cut a timer over 2^31-1 ms to 1 ms: every request would "time out".
  usage('a --timeout longer than a timer can hold', [SEND, '--timeout=1000h', 'hello'], `Invalid --timeout: 1000h ${NOT_A_DURATION}`),
  // Unlike --token=, an empty stdin is a secret that did not arrive, not "keep the stored token".
  usage(
    'configure --token=- with an empty stdin',
    [CONFIGURE, '--enabled', '--roomName=ops', '--token=-'],
    'No token on stdin (--token=-)',
    { input: '' },
  ),
];

const COMMANDS = [SEND, CONFIGURE, GET];
const ids = permissionTestIds();

/**
 * A configured target that has sent once (so there is state to keep), for the cases of the calling
 * describe() to copy; with its own server, which reports how many requests reached it.
 */
function configuredTemplate(): { template: () => Sandbox; server: () => HipChatTestServer } {
  let server: HipChatTestServer;
  let template: Sandbox;
  beforeAll(async () => {
    server = await startHipChatServer();
    template = createSandbox();
    writeConfig(template, server);
    const first = await template.run([SEND, 'first']);
    expect(first.code, first.stderr).toBe(0);
  });
  afterAll(async () => {
    await server.close();
    template.remove();
  });
  return { template: () => template, server: () => server };
}

async function expectRefused(testCase: BadInput, template: Sandbox, onTestFinished: (fn: () => void) => void): Promise<void> {
  const box = scannedSandbox(onTestFinished);
  cpSync(template.home, box.home, { recursive: true });
  const runAs = testCase.unprivileged ? ids! : {};
  handOver(box.home, runAs);
  testCase.setup?.(box);
  const args = typeof testCase.args === 'function' ? testCase.args(box) : testCase.args;
  const before = snapshotTree(box.dir);

  const result = await box.run(args, { input: testCase.input, env: testCase.env, ...runAs });
  expect(result.code, result.stderr).toBe(testCase.code);
  expect(result.stdout).toBe(testCase.stdout ?? '');
  const reason = typeof testCase.reason === 'function' ? testCase.reason(box) : testCase.reason;
  const command = args.find((arg) => COMMANDS.includes(arg))!;
  expect(failureReason(result.stderr, command)).toEqual(
    reason.map((line) => (typeof line === 'string' ? line : expect.stringMatching(line))),
  );
  expect(snapshotTree(box.dir)).toEqual(before);
}

describe('refused', () => {
  const { template, server } = configuredTemplate();
  afterAll(() => {
    // Only the template's own notification reached HipChat.
    expect(server().requests).toHaveLength(1);
  });

  describe.concurrent.each([...optionCases, ...boundaryCases, ...stdinCases, ...ndjsonCases, ...fileCases])('$name', (testCase) => {
    it.skipIf(testCase.unprivileged && !ids)(
      `exits ${testCase.code} with one clear line, config and state unchanged`,
      async ({ onTestFinished }) => {
        await expectRefused(testCase, template(), onTestFinished);
      },
    );
  });
});

describe('accepted', () => {
  async function ownServer(onTestFinished: (fn: () => void) => void): Promise<HipChatTestServer> {
    const server = await startHipChatServer();
    onTestFinished(() => server.close());
    return server;
  }

  it('a 50 MB stdin: cut to 10000 characters with a warning, read through without being held', async ({ onTestFinished }) => {
    const server = await ownServer(onTestFinished);
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    // The child reports its peak resident set size (KiB) as it exits. The chunks it reads and drops are garbage
    // until a collection, which V8 starts once they add up to 64 MB and, by default, runs in steps beside the
    // program and on helper threads: on a loaded machine it ends late, and the peak then tells how busy the
    // machine was. Collected at once instead, the peak tells what was held.
    const rssFile = join(box.dir, 'max-rss');
    const probe = join(box.dir, 'max-rss.cjs');
    writeFileSync(
      probe,
      [
        `require('node:v8').setFlagsFromString('--no-incremental-marking');`,
        `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));`,
        '',
      ].join('\n'),
    );
    const result = await box.run([SEND], {
      input: Buffer.alloc(50_000_000, 'é'),
      env: { NODE_OPTIONS: `--require ${probe}` },
      timeoutMs: 20_000,
    });
    expect(result).toMatchObject({
      code: 0,
      stderr: `Warning: The message is longer than 10000 characters ${COUNTED_AS}: it was cut to fit, ending in "…"\n`,
    });
    const [message, ...more] = deliveredMessages(server);
    expect(more).toEqual([]);
    expect([...message!]).toHaveLength(10_000);
    expect(message!.endsWith('éé…')).toBe(true);
    // About 60 MB for any send here, about 90 MB with this stdin; holding it whole would pass 150 MB.
    expect(Number(readFileSync(rssFile, 'utf8'))).toBeLessThan(128 * 1024);
  });

  it.skipIf(!ids)('a read-only config folder: send only reads it, and leaves it as it was', async ({ onTestFinished }) => {
    const server = await ownServer(onTestFinished);
    const box = scannedSandbox(onTestFinished);
    writeConfig(box, server);
    handOver(box.home, ids!);
    chmodSync(dirname(box.configPath), 0o500);
    const before = snapshotTree(dirname(box.configPath));
    const result = await box.run([SEND, 'hello'], ids);
    expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(deliveredMessages(server)).toEqual(['hello']);
    expect(snapshotTree(dirname(box.configPath))).toEqual(before);
  });
});
