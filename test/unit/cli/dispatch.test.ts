// The program level and the outcome of a command, in-process (main() with its streams captured): the
// texts of mistakes and their suggestions, help and --version anywhere, --json on failure, the warning
// for a boolean that took a word of the message, and arguments that are not UTF-8.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../../support/cli.js';

const home = mkdtempSync(join(tmpdir(), 'notifier-dispatch-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A destination for dry runs: nothing is sent, so nothing needs to listen there. */
const DESTINATION = { HIPCHAT_TOKEN: 'dispatchToken0123456789', HIPCHAT_ROOM: 'ops', HIPCHAT_API_URL: 'http://127.0.0.1:9' };
const SEND = 'send-hipchat-notification';
const HINT = "See 'notifier --help'.\n";

async function notifier(argv: string[], options: { env?: NodeJS.ProcessEnv; rawArgv?: () => Buffer[] } = {}) {
  const { signal, ...result } = await runInProcess(argv, {
    env: { HOME: home, NOTIFIER_STATE_DIR: join(home, 'state'), ...options.env },
    rawArgv: options.rawArgv,
  });
  expect(signal).toBeNull();
  return result;
}

describe('mistakes, with what was most likely meant', () => {
  it.each([
    [
      ['get-hipchat-notifier-config'],
      "notifier: 'get-hipchat-notifier-config' is not a notifier command. Did you mean get-hipchat-notifier-configuration?",
    ],
    [['send', 'hello'], "notifier: 'send' is not a notifier command. Did you mean send-hipchat-notification?"],
    [
      ['stop-notification-servce'],
      "notifier: 'stop-notification-servce' is not a notifier command. Did you mean stop-notification-service?",
    ],
    [
      ['help', 'sned-hipchat-notification'],
      "notifier: 'sned-hipchat-notification' is not a notifier command. Did you mean send-hipchat-notification?",
    ],
    [
      ['healthcheck-conf'],
      "notifier: 'healthcheck-conf' is not a notifier command. Did you mean healthcheck-configure, healthcheck-configure-service or healthcheck-configure-service-threshold?",
    ],
    [
      // Six commands start with it: more than a suggestion.
      ['healthcheck'],
      "notifier: 'healthcheck' is not a notifier command.",
    ],
    [['frobnicate'], "notifier: 'frobnicate' is not a notifier command."],
    [['--conifg', 'x.json', SEND, 'hi'], 'Invalid option: --conifg. Did you mean --config?'],
    [['--verbose'], 'Invalid option: --verbose'],
  ])('%j at the program level: one line, the hint, exit 2', async (argv, line) => {
    expect(await notifier(argv)).toEqual({ code: 2, stdout: '', stderr: `${line}\n${HINT}` });
  });

  it.each([
    [[SEND, '--roomNme=ops', 'hi'], 'Invalid option: --roomNme. Did you mean --roomName?'],
    [[SEND, '--TOKENFIEL', 'f', 'hi'], 'Invalid option: --TOKENFIEL. Did you mean --tokenFile?'],
    [['get-hipchat-notifier-configuration', '--mask'], 'Invalid option: --mask. Did you mean --maskToken?'],
    [[SEND, '--tok=x', 'hi'], 'Invalid option: --tok. Did you mean --token or --tokenFile?'],
    [[SEND, '--bogus', 'hi'], 'Invalid option: --bogus'],
  ])('%j in a subcommand: one line, then the outcome line, exit 2', async (argv, line) => {
    expect(await notifier(argv)).toEqual({ code: 2, stdout: '', stderr: `${line}\nCommand ${argv[0]} failed.\n` });
  });
});

describe('help and --version', () => {
  it('notifier help <subcommand> is the subcommand --help, and help alone the program help', async () => {
    const viaHelp = await notifier(['help', SEND]);
    expect(viaHelp).toEqual(await notifier([SEND, '--help']));
    expect(viaHelp.code).toBe(0);
    const program = await notifier(['help']);
    expect(program).toMatchObject({ code: 0, stderr: '' });
    // Commander pads the names to the longest command's.
    expect(program.stdout).toMatch(/^ {2}help \[subcommand\] +show the help of a subcommand$/m);
  });

  it('usage lines name each option once, with its alternatives', async () => {
    const { stdout } = await notifier(['notification-hipchat-configure', '--help']);
    const usage = stdout.slice(0, stdout.indexOf('\n\n'));
    expect(usage).toBe(
      [
        'Usage: notifier [--config FILE] [--terse] notification-hipchat-configure --enabled[=true|false]',
        '    --roomName ROOM (--token TOKEN | --tokenFile FILE | $HIPCHAT_TOKEN) [--dynamic[=true|false]]',
        '    [--target NAME] [--noisy[=true|false]] [--apiUrl URL] [--rateLimit COUNT/DURATION]',
        '    [--rateLimitStore file|redis://…] [--caFile FILE] [--insecure[=true|false]]',
      ].join('\n'),
    );
    const send = (await notifier([SEND, '--help'])).stdout;
    expect(send).toContain(' [--roomName ROOM | $HIPCHAT_ROOM] [--token TOKEN | --tokenFile FILE | $HIPCHAT_TOKEN]\n');
    expect(send).toContain(' [--apiUrl URL | $HIPCHAT_API_URL] ');
  });

  it.each([
    ['notification-hipchat-configure', 'Exit codes: 0 success, 1 failed, 2 usage error, 130 interrupted.'],
    ['get-hipchat-notifier-configuration', 'Exit codes: 0 success, 1 failed, 2 usage error.'],
    ['healthcheck-list-services', 'Exit codes: 0 success, 1 failed, 2 usage error.'],
    [SEND, 'Exit codes: 0 success, 1 failed, 2 usage error, 75 temporary failure (retry later), 130 interrupted.'],
    [
      'test-hipchat-notifier-configuration',
      'Exit codes: 0 success, 1 failed, 2 usage error, 75 temporary failure (retry later), 130 interrupted.',
    ],
  ])('%s lists only the exit codes it can return', async (command, line) => {
    const { stdout } = await notifier([command, '--help']);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(line);
  });

  it.each([
    [['--version']],
    [['-V']],
    [['--terse', '--version']],
    [[SEND, '--message', 'x', '--version']],
    [['get-hipchat-notifier-configuration', '-V']],
  ])('%j prints the version and does nothing else', async (argv) => {
    expect(await notifier(argv)).toEqual({ code: 0, stdout: 'development\n', stderr: '' });
  });
});

describe('--json failures: one JSON document on stdout, the line on stderr', () => {
  it('a usage error found while parsing', async () => {
    const result = await notifier([SEND, '--json', '--colour=red', 'hi']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { message: 'Invalid option: --colour. Did you mean --color?', exitCode: 2 },
    });
    expect(result.stderr).toBe(`Invalid option: --colour. Did you mean --color?\nCommand ${SEND} failed.\n`);
  });

  it('a failure of the command itself, --dryRun --json included', async () => {
    const get = await notifier(['get-hipchat-notifier-configuration', '--json', '--target=nowhere']);
    expect(JSON.parse(get.stdout)).toEqual({ ok: false, error: { message: 'No such config named: nowhere', exitCode: 1 } });
    const dry = await notifier([SEND, '--dryRun', '--json', '--roomName=ops', 'hi']);
    expect(dry.code).toBe(1);
    expect(JSON.parse(dry.stdout)).toEqual({
      ok: false,
      error: {
        message:
          'No HipChat notifier is configured for target server: give --token or --tokenFile (or $HIPCHAT_TOKEN) and --apiUrl (or $HIPCHAT_API_URL), or run notifier notification-hipchat-configure first',
        exitCode: 1,
      },
    });
  });

  it('--dryRun prints its request, alone, with --json or without', async () => {
    for (const extra of [[], ['--json']]) {
      const result = await notifier([SEND, '--dryRun', ...extra, 'hi'], { env: DESTINATION });
      expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(result.stdout)).toEqual({
        method: 'POST',
        url: 'http://127.0.0.1:9/v2/room/ops/notification',
        headers: { Authorization: 'Bearer <redacted>', 'Content-Type': 'application/json', Accept: 'application/json' },
        body: { message: 'hi', message_format: 'text', color: 'yellow', notify: false },
      });
    }
  });
});

describe('the words of the command line', () => {
  const bodyOf = (stdout: string) => JSON.parse(stdout).body as { message: string; notify: boolean };

  it('warns when a boolean took a true/false that may have been the start of the message', async () => {
    const taken = await notifier([SEND, '--dryRun', '--notify', 'True', 'story'], { env: DESTINATION });
    expect(taken.stderr).toBe(
      `Warning: --notify took "True" as its value, not as part of the message (asadmin's rule); write --notify=true to send "True" too\n`,
    );
    expect(bodyOf(taken.stdout)).toMatchObject({ message: 'story', notify: true });
    for (const argv of [
      [SEND, '--dryRun', '--notify=true', 'True', 'story'],
      [SEND, '--dryRun', '--message', 'story', '--notify', 'false'],
      [SEND, '--dryRun', '--notify', 'true', '--', 'True', 'story'],
    ]) {
      const result = await notifier(argv, { env: DESTINATION });
      expect(result, argv.join(' ')).toMatchObject({ code: 0, stderr: '' });
    }
  });

  it('refuses an argument that is not UTF-8, and takes a real U+FFFD', async () => {
    const replaced = await notifier([SEND, '--dryRun', 'ok \uFFFD'], {
      env: DESTINATION,
      rawArgv: () => [Buffer.from([0x6f, 0x6b, 0x20, 0xff])],
    });
    expect(replaced).toEqual({ code: 2, stdout: '', stderr: `Invalid argument 3: it is not valid UTF-8\nCommand ${SEND} failed.\n` });
    const real = await notifier([SEND, '--dryRun', 'ok \uFFFD'], { env: DESTINATION, rawArgv: () => [Buffer.from('ok \uFFFD')] });
    expect(real.code, real.stderr).toBe(0);
    expect(bodyOf(real.stdout).message).toBe('ok \uFFFD');
  });

  it('refuses --message together with operands, which would be dropped', async () => {
    expect(await notifier([SEND, '--message', 'Build', 'passed'], { env: DESTINATION })).toEqual({
      code: 2,
      stdout: '',
      stderr: `Give the message with --message or as operands, not both (quote a message of several words)\nCommand ${SEND} failed.\n`,
    });
  });
});
