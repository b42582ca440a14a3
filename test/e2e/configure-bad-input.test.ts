// Bad input to configure and get: the documented exit code, one clear line (plus asadmin's outcome
// line), no stack trace, and a config file left exactly as it was. Through main() in-process; the
// permission cases through the built CLI, which they run as another uid.
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturedOutputs, createSandbox, hasStackTrace, permissionTestIds, type RunOptions, type Sandbox } from '../support/cli.js';

const TOKEN = 'badInputSecret0123456789abcdefABCDEF';
const CONFIGURE = 'notification-hipchat-configure';
const GET = 'get-hipchat-notifier-configuration';
const VALID = ['--enabled', '--roomName=ops', `--token=${TOKEN}`];

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = createSandbox({}, { inProcess: true });
});
afterEach(() => sandbox.remove());
afterAll(() => {
  expect(capturedOutputs.filter((output) => output.includes(TOKEN))).toEqual([]);
});

interface Case {
  name: string;
  args: string[];
  code: number;
  message: string;
  /** Puts a config file (or something in its place) where the CLI will look; default: a valid one. */
  setup?: (sandbox: Sandbox) => Promise<void> | void;
  options?: RunOptions;
}

async function configureValid(box: Sandbox): Promise<void> {
  expect((await box.run([CONFIGURE, ...VALID])).code).toBe(0);
}

function writeRaw(text: string) {
  return (box: Sandbox) => {
    mkdirSync(dirname(box.configPath), { recursive: true });
    writeFileSync(box.configPath, text, { mode: 0o600 });
  };
}

/** What is at the config path and beside it: bytes, link, folder listing. */
function snapshot(box: Sandbox): unknown {
  const folder = dirname(box.configPath);
  const entry = (() => {
    try {
      const stats = lstatSync(box.configPath);
      if (stats.isSymbolicLink()) return 'symlink';
      if (stats.isDirectory()) return 'directory';
      chmodSync(box.configPath, stats.mode | 0o400);
      const bytes = readFileSync(box.configPath, 'utf8');
      chmodSync(box.configPath, stats.mode);
      return { bytes, mode: stats.mode & 0o777 };
    } catch {
      return 'absent';
    }
  })();
  let listing: string[];
  try {
    listing = readdirSync(folder).sort();
  } catch {
    listing = [];
  }
  return { entry, listing };
}

const usageCases: Case[] = [
  {
    name: 'a bad inline boolean',
    args: [CONFIGURE, '--enabled=maybe', '--roomName=a', `--token=${TOKEN}`],
    code: 2,
    message: 'Invalid boolean value for option: enabled, Value: maybe',
  },
  { name: 'an unknown option', args: [CONFIGURE, ...VALID, '--bogus'], code: 2, message: 'Invalid option: --bogus' },
  { name: 'an unknown option on get', args: [GET, '--roomName=x'], code: 2, message: 'Invalid option: --roomName' },
  {
    name: 'a repeated option',
    args: [CONFIGURE, ...VALID, '--ROOMNAME', 'b'],
    code: 2,
    message: 'Repeats not allowed for option: roomName',
  },
  {
    name: 'a missing value',
    args: [CONFIGURE, '--enabled', `--token=${TOKEN}`, '--roomName'],
    code: 2,
    message: 'Missing value for option: roomName',
  },
  {
    name: '--no- on a string option',
    args: [CONFIGURE, ...VALID, '--no-target'],
    code: 2,
    message: '"--no" illegal with non-boolean option: target',
  },
  {
    name: 'a value on --no-flag',
    args: [CONFIGURE, ...VALID, '--no-noisy=x'],
    code: 2,
    message: 'Option may not have value: --no-noisy=x',
  },
  {
    name: 'an operand',
    args: [CONFIGURE, ...VALID, '--noisy', 'maybe'],
    code: 2,
    message: `Command ${CONFIGURE} takes no operands, but 1 was given`,
  },
  // `--token= "$TOKEN"` (a space after =) makes the token an operand: the error must not print it.
  {
    name: 'a token as an operand',
    args: [CONFIGURE, '--enabled', '--roomName=a', '--token=', TOKEN],
    code: 2,
    message: `Command ${CONFIGURE} takes no operands, but 1 was given`,
  },
  {
    name: 'missing required options without a terminal',
    args: [CONFIGURE, '--enabled'],
    code: 2,
    message: `Option --roomName is required but was not specified\nOption --token is required but was not specified\nCommand ${CONFIGURE} is missing required options`,
  },
  {
    name: 'an empty room with none stored',
    args: [CONFIGURE, '--enabled', '--roomName=', `--token=${TOKEN}`, '--target=new'],
    code: 2,
    message: 'No room name stored for target new: give --roomName',
  },
  {
    name: 'a 101-character room',
    args: [CONFIGURE, '--enabled', `--roomName=${'r'.repeat(101)}`, `--token=${TOKEN}`],
    code: 2,
    message: 'Room name is 101 characters long; HipChat allows at most 100',
  },
  {
    name: 'a token with a space',
    args: [CONFIGURE, '--enabled', '--roomName=a', '--token', 'abc def'],
    code: 2,
    message: 'Token must not contain whitespace or control characters',
  },
  {
    name: 'both --token and --tokenFile',
    args: [CONFIGURE, ...VALID, '--tokenFile=/nonexistent'],
    code: 2,
    message: 'Give the token with --token or --tokenFile, not both',
  },
  {
    name: 'an --apiUrl with a query',
    args: [CONFIGURE, ...VALID, '--apiUrl=https://h.example.com/?auth_token=x'],
    code: 2,
    message: 'Invalid --apiUrl: a query string is refused',
  },
  {
    name: 'an --apiUrl with credentials',
    args: [CONFIGURE, ...VALID, '--apiUrl=https://u:p@h.example.com'],
    code: 2,
    message: 'Invalid --apiUrl: credentials in the URL are refused (the token is given separately)',
  },
  {
    name: 'an --apiUrl with a fragment',
    args: [CONFIGURE, ...VALID, '--apiUrl=https://h.example.com/#x'],
    code: 2,
    message: 'Invalid --apiUrl: a fragment is refused',
  },
  {
    name: 'a relative --apiUrl',
    args: [CONFIGURE, ...VALID, '--apiUrl=hipchat'],
    code: 2,
    message: 'Invalid --apiUrl: hipchat is not an absolute URL',
  },
  {
    name: 'a bad --rateLimit',
    args: [CONFIGURE, ...VALID, '--rateLimit=fast'],
    code: 2,
    message: 'Invalid --rateLimit: fast (expected COUNT/DURATION, e.g. 30/60s or 100/5m)',
  },
  {
    name: 'a zero --rateLimit',
    args: [CONFIGURE, ...VALID, '--rateLimit=0/60s'],
    code: 2,
    message: 'Invalid --rateLimit: 0/60s (expected COUNT/DURATION, e.g. 30/60s or 100/5m)',
  },
  { name: 'an empty --target', args: [GET, '--target='], code: 2, message: 'Invalid target name: ""' },
  {
    name: 'a token file that does not exist',
    args: [CONFIGURE, '--enabled', '--roomName=a', '--tokenFile=/nonexistent/token'],
    code: 1,
    message: 'Cannot read token file /nonexistent/token: no such file or directory',
  },
];

const fileCases: Case[] = [
  {
    name: 'a config that is not JSON',
    setup: writeRaw('{"version": 1, "targets": {'),
    args: [CONFIGURE, ...VALID],
    code: 1,
    message: 'is not valid JSON',
  },
  { name: 'a truncated config read by get', setup: writeRaw('{"version": 1, "tar'), args: [GET], code: 1, message: 'is not valid JSON' },
  {
    name: 'a config of the wrong shape',
    setup: writeRaw(JSON.stringify({ version: 1, targets: { server: { hipchat: { enabled: 'yes' } } } })),
    args: [CONFIGURE, ...VALID],
    code: 1,
    message: 'is not a valid notifier configuration: targets.server.hipchat.enabled: expected boolean (and 6 more)',
  },
  {
    name: 'a config from a newer notifier',
    setup: writeRaw(JSON.stringify({ version: 2, targets: {} })),
    args: [CONFIGURE, ...VALID],
    code: 1,
    message: 'has version 2, newer than this notifier understands (1): upgrade notifier',
  },
  {
    name: 'a directory where the config should be',
    setup: (box) => mkdirSync(box.configPath, { recursive: true }),
    args: [CONFIGURE, ...VALID],
    code: 1,
    message: ': it is a directory',
  },
  {
    name: 'a dangling symlink as config',
    setup: (box) => {
      mkdirSync(dirname(box.configPath), { recursive: true });
      symlinkSync(join(box.dir, 'gone.json'), box.configPath);
    },
    args: [GET],
    code: 1,
    message: 'is a symbolic link to a file that does not exist',
  },
];

/** The reason (one line; asadmin's missing-options list is the one multi-line reason), then the outcome line. */
function expectOneClearLine(stderr: string, message: string, command: string | undefined): void {
  expect(hasStackTrace(stderr)).toBe(false);
  const lines = stderr.trimEnd().split('\n');
  expect(lines.pop()).toBe(`Command ${command} failed.`);
  expect(lines).toHaveLength(message.split('\n').length);
  expect(lines.join('\n')).toContain(message);
}

describe.each([...usageCases, ...fileCases])('$name', (testCase) => {
  it(`exits ${testCase.code} with one clear line and leaves the config untouched`, async () => {
    await (testCase.setup ?? configureValid)(sandbox);
    const before = snapshot(sandbox);
    const result = await sandbox.run(testCase.args, testCase.options);
    expect(result.code).toBe(testCase.code);
    expect(result.stdout).toBe('');
    expectOneClearLine(result.stderr, testCase.message, testCase.args[0]);
    expect(snapshot(sandbox)).toEqual(before);
  });
});

describe('permissions', () => {
  const ids = permissionTestIds();

  it.skipIf(!ids)('an unreadable config file: exit 1, named, unchanged', async () => {
    const config = join(sandbox.dir, 'locked', 'config.json');
    mkdirSync(dirname(config), { mode: 0o700 });
    // The folder is the runner's and writable (the lock can be taken): only reading the file itself fails.
    // (A folder writable by others, 0777, would be refused before that.)
    if (ids?.uid !== undefined) chownSync(dirname(config), ids.uid, ids.gid!);
    writeFileSync(config, JSON.stringify({ version: 1, targets: {} }));
    chmodSync(config, 0o000);
    const result = await sandbox.runBinary(['--config', config, CONFIGURE, ...VALID], ids);
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, `Cannot read config file ${config}: permission denied`, CONFIGURE);
    chmodSync(config, 0o600);
    expect(readFileSync(config, 'utf8')).toBe(JSON.stringify({ version: 1, targets: {} }));
  });

  it.skipIf(!ids)('a read-only config folder: exit 1, named, unchanged, nothing left behind', async () => {
    const folder = join(sandbox.dir, 'readonly');
    const config = join(folder, 'config.json');
    mkdirSync(folder);
    writeFileSync(config, JSON.stringify({ version: 1, targets: {} }), { mode: 0o644 });
    chmodSync(folder, 0o555);
    const result = await sandbox.runBinary(['--config', config, CONFIGURE, ...VALID], ids);
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, `Cannot write config file ${config}: permission denied`, CONFIGURE);
    expect(readFileSync(config, 'utf8')).toBe(JSON.stringify({ version: 1, targets: {} }));
    expect(readdirSync(folder)).toEqual(['config.json']);
  });
});

describe('commands that do not exist', () => {
  it('exits 2 and suggests the nearest one', async () => {
    const result = await sandbox.run(['get-hipchat-notifier-configuraton']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "notifier: 'get-hipchat-notifier-configuraton' is not a notifier command. Did you mean get-hipchat-notifier-configuration?\n" +
        "See 'notifier --help'.\n",
    );
  });
});
