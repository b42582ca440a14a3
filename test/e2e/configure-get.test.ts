// notification-hipchat-configure and get-hipchat-notifier-configuration, end to end through main()
// in-process; the built CLI where a process of its own is the point (a terminal, the version it was
// built with, processes writing at once).
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { capturedOutputs, CLI, createSandbox, type RunResult, type Sandbox } from '../support/cli.js';

const TOKEN = 'e2eSecretToken0123456789abcdefABCDEF0123';
const CONFIGURE = 'notification-hipchat-configure';
const GET = 'get-hipchat-notifier-configuration';

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = createSandbox({}, { inProcess: true });
});
afterEach(() => sandbox.remove());

afterAll(() => {
  // --maskToken aside, the token is shown only by get's table and JSON, which these tests print on purpose.
  const leaks = capturedOutputs.filter((output) => output.includes(TOKEN) && !output.includes('Room Name') && !output.includes('"token"'));
  expect(leaks).toEqual([]);
});

function configure(...args: string[]): Promise<RunResult> {
  return sandbox.run([CONFIGURE, ...args]);
}

function storedConfig(path = sandbox.configPath): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('notification-hipchat-configure', () => {
  it('writes the configuration and says so, asadmin style', async () => {
    const result = await configure('--enabled', '--roomName', 'payara-notifications', `--token=${TOKEN}`);
    expect(result).toMatchObject({
      code: 0,
      stdout: `Command ${CONFIGURE} executed successfully.\n`,
      // No --apiUrl: the default is the HipChat that is no more, and the warning says what to do instead.
      stderr:
        "Warning: https://api.hipchat.com is HipChat Cloud, which Atlassian shut down in 2019: give your HipChat Server's URL with --apiUrl, or run a HipChat-compatible server with notifier start-local-hipchat\n",
    });
    expect(storedConfig()).toEqual({
      version: 1,
      targets: {
        server: {
          hipchat: {
            enabled: true,
            roomName: 'payara-notifications',
            token: TOKEN,
            dynamic: false,
            noisy: true,
            apiUrl: 'https://api.hipchat.com',
            rateLimit: '30/60s',
          },
          // The first configure of a target switches the health check's HipChat notifier on, as Payara did.
          healthcheck: {
            enabled: false,
            historicalTraceEnabled: false,
            historicalTraceStoreSize: 20,
            hipchatNotifier: { enabled: true, noisy: true },
            checkers: {},
          },
        },
      },
    });
  });

  it('creates the file 0600 in a 0700 folder, whatever the umask', async () => {
    await configure('--enabled', '--roomName=ops', `--token=${TOKEN}`);
    expect(statSync(sandbox.configPath).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(sandbox.configPath)).mode & 0o777).toBe(0o700);
  });

  it('follows asadmin parsing: case-insensitive names, consumed booleans, --no-flag', async () => {
    const result = await configure(
      '--ENABLED=TRUE',
      '--roomname',
      'ops',
      '--TOKEN',
      TOKEN,
      '--dynamic',
      'true',
      '--no-noisy',
      '--target=cluster1',
    );
    expect(result.code).toBe(0);
    expect(storedConfig().targets.cluster1.hipchat).toMatchObject({ enabled: true, roomName: 'ops', dynamic: true, noisy: false });
  });

  it('keeps the stored room and token on an empty --roomName= / --token=', async () => {
    await configure('--enabled', '--roomName=ops', `--token=${TOKEN}`, '--apiUrl=https://hipchat.example.com', '--rateLimit=100/5m');
    const result = await configure('--enabled=false', '--roomName=', '--token=');
    expect(result.code).toBe(0);
    expect(storedConfig().targets.server.hipchat).toMatchObject({
      enabled: false,
      roomName: 'ops',
      token: TOKEN,
      apiUrl: 'https://hipchat.example.com',
      rateLimit: '100/5m',
    });
  });

  it('reads the token from --tokenFile, from stdin with --token=-, and from $HIPCHAT_TOKEN', async () => {
    const tokenFile = join(sandbox.dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}-file\n`);
    expect((await configure('--enabled', '--roomName=a', `--tokenFile=${tokenFile}`)).code).toBe(0);
    expect(storedConfig().targets.server.hipchat.token).toBe(`${TOKEN}-file`);

    expect((await sandbox.run([CONFIGURE, '--enabled', '--roomName=a', '--token=-'], { input: `${TOKEN}-stdin\n` })).code).toBe(0);
    expect(storedConfig().targets.server.hipchat.token).toBe(`${TOKEN}-stdin`);

    expect((await sandbox.run([CONFIGURE, '--enabled', '--roomName=a'], { env: { HIPCHAT_TOKEN: `${TOKEN}-env` } })).code).toBe(0);
    expect(storedConfig().targets.server.hipchat.token).toBe(`${TOKEN}-env`);
  });

  it('accepts plain http to loopback silently and warns for any other host', async () => {
    const loopback = await configure('--enabled', '--roomName=a', `--token=${TOKEN}`, '--apiUrl=http://127.0.0.1:8080/');
    expect(loopback).toMatchObject({ code: 0, stderr: '' });
    expect(storedConfig().targets.server.hipchat.apiUrl).toBe('http://127.0.0.1:8080');
    const remote = await configure('--enabled', '--roomName=a', `--token=${TOKEN}`, '--apiUrl', 'http://hipchat.internal');
    expect(remote.code).toBe(0);
    expect(remote.stderr).toBe('Warning: --apiUrl http://hipchat.internal is plain http: the token will cross the network unencrypted\n');
  });

  it('stores a CA file as an absolute path and forgets it on --caFile=', async () => {
    const ca = join(sandbox.dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    await configure('--enabled', '--roomName=a', `--token=${TOKEN}`, `--caFile=${ca}`);
    expect(storedConfig().targets.server.hipchat.caFile).toBe(ca);
    await configure('--enabled', '--roomName=a', '--token=', '--caFile=');
    expect(storedConfig().targets.server.hipchat.caFile).toBeUndefined();
  });

  it('warns about --insecure on every configure that leaves it on', async () => {
    const result = await configure('--enabled', '--roomName=a', `--token=${TOKEN}`, '--insecure');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Warning: TLS certificate verification is off');
    expect(storedConfig().targets.server.hipchat.insecure).toBe(true);
  });

  it('leaves out the success line with --terse or -t', async () => {
    expect((await sandbox.run(['--terse', CONFIGURE, '--enabled', '--roomName=a', `--token=${TOKEN}`])).stdout).toBe('');
    expect((await sandbox.run(['-t', CONFIGURE, '--enabled', '--roomName=a', `--token=${TOKEN}`])).stdout).toBe('');
    expect((await sandbox.run([CONFIGURE, '--enabled', '--roomName=a', `--token=${TOKEN}`, '--terse'])).stdout).toBe('');
  });

  it('keeps keys a newer notifier wrote into a target', async () => {
    mkdirSync(dirname(sandbox.configPath), { recursive: true });
    writeFileSync(
      sandbox.configPath,
      JSON.stringify({ version: 1, targets: { server: { futureSection: { enabled: true } } }, note: 'kept' }),
    );
    await configure('--enabled', '--roomName=a', `--token=${TOKEN}`);
    expect(storedConfig()).toMatchObject({
      note: 'kept',
      targets: { server: { futureSection: { enabled: true }, hipchat: { roomName: 'a' } } },
    });
  });
});

describe('at a terminal', () => {
  const python = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' });

  it.skipIf(python.status !== 0)('prompts for missing required options, the token without echo', async () => {
    const driver = new URL('../support/pty-driver.py', import.meta.url).pathname;
    const spec = {
      argv: [process.execPath, CLI, CONFIGURE, '--enabled'],
      env: sandbox.env,
      // CLICommand.java L917-918: cons.printf("%s", strings.get("optionPrompt", lc(opt.getName())));
      // LocalStrings.properties L198: optionPrompt=Enter the value for the {0} option> (its trailing space included)
      answers: [
        ['Enter the value for the roomname option> ', 'prompted room'],
        ['Enter the value for the token option> ', TOKEN],
      ],
    };
    const run = spawnSync('python3', [driver, JSON.stringify(spec)], { encoding: 'utf8', timeout: 30_000 });
    const { transcript, status } = JSON.parse(run.stdout);
    expect(status).toBe(0);
    expect(transcript).toContain('Enter the value for the roomname option> ');
    expect(transcript).toContain('prompted room');
    expect(transcript).not.toContain(TOKEN);
    expect(transcript).toContain(`Command ${CONFIGURE} executed successfully.`);
    expect(storedConfig().targets.server.hipchat).toMatchObject({ roomName: 'prompted room', token: TOKEN, enabled: true });
  });
});

describe('config file location', () => {
  it('uses --config, else $NOTIFIER_CONFIG, else $XDG_CONFIG_HOME, else ~/.config', async () => {
    const explicit = join(sandbox.dir, 'explicit.json');
    const fromEnv = join(sandbox.dir, 'env.json');
    await sandbox.run(['--config', explicit, CONFIGURE, '--enabled', '--roomName=explicit', `--token=${TOKEN}`], {
      env: { NOTIFIER_CONFIG: fromEnv },
    });
    await sandbox.run([CONFIGURE, '--enabled', '--roomName=env', `--token=${TOKEN}`], { env: { NOTIFIER_CONFIG: fromEnv } });
    await sandbox.run([CONFIGURE, '--enabled', '--roomName=xdg', `--token=${TOKEN}`]);
    expect(storedConfig(explicit).targets.server.hipchat.roomName).toBe('explicit');
    expect(storedConfig(fromEnv).targets.server.hipchat.roomName).toBe('env');
    expect(storedConfig(sandbox.configPath).targets.server.hipchat.roomName).toBe('xdg');
  });

  it('falls back to ~/.config when XDG_CONFIG_HOME is unset', async () => {
    const home = join(sandbox.dir, 'other-home');
    await sandbox.run([CONFIGURE, '--enabled', '--roomName=home', `--token=${TOKEN}`], { env: { HOME: home, XDG_CONFIG_HOME: undefined } });
    expect(storedConfig(join(home, '.config', 'notifier', 'config.json')).targets.server.hipchat.roomName).toBe('home');
  });

  it('accepts --config after the subcommand, case-insensitively', async () => {
    const explicit = join(sandbox.dir, 'after.json');
    expect((await sandbox.run([CONFIGURE, '--enabled', '--roomName=a', `--token=${TOKEN}`, `--CONFIG=${explicit}`])).code).toBe(0);
    expect(existsSync(explicit)).toBe(true);
    expect((await sandbox.run([`--CONFIG=${explicit}`, GET, '--json'])).stdout).toContain('"roomName": "a"');
  });
});

describe('get-hipchat-notifier-configuration', () => {
  it("prints asadmin's table byte for byte, then the success line", async () => {
    const token = 'x'.repeat(40);
    await configure('--enabled', '--roomName', 'payara-notifications', `--token=${token}`);
    const result = await sandbox.run([GET]);
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout:
        'Enabled  Room Name             Token                                     \n' +
        `true     payara-notifications  ${token}  \n` +
        `Command ${GET} executed successfully.\n`,
    });
  });

  it('says the configuration is not defined, successfully, when there is none', async () => {
    expect(await sandbox.run([GET])).toMatchObject({
      code: 0,
      stdout: `Notifier Configuration is not defined\nCommand ${GET} executed successfully.\n`,
    });
    expect(existsSync(sandbox.configPath)).toBe(false);
  });

  it('fails for a target that was never configured', async () => {
    await configure('--enabled', '--roomName=a', `--token=${TOKEN}`);
    expect(await sandbox.run([GET, '--target', 'nowhere'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `No such config named: nowhere\nCommand ${GET} failed.\n`,
    });
  });

  it('prints one JSON object and nothing else with --json', async () => {
    await configure(
      '--enabled=false',
      '--roomName=ops team',
      `--token=${TOKEN}`,
      '--target=c1',
      '--rateLimit=5/2s',
      '--apiUrl=http://localhost:1',
    );
    const result = await sandbox.run([GET, '--json', '--target=c1']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      target: 'c1',
      defined: true,
      enabled: false,
      roomName: 'ops team',
      token: TOKEN,
      dynamic: false,
      noisy: true,
      apiUrl: 'http://localhost:1',
      rateLimit: '5/2s',
      caFile: null,
      insecure: false,
      rateLimitStore: 'file',
    });
    expect(JSON.parse((await sandbox.run([GET, '--json'])).stdout)).toEqual({ target: 'server', defined: false });
  });

  it('masks all but the last 4 characters with --maskToken', async () => {
    await configure('--enabled', '--roomName=a', `--token=${TOKEN}`);
    const table = await sandbox.run([GET, '--maskToken']);
    expect(table.stdout).toContain(`****${TOKEN.slice(-4)}  `);
    expect(table.stdout).not.toContain(TOKEN.slice(0, 8));
    expect(JSON.parse((await sandbox.run([GET, '--json', '--maskToken'])).stdout).token).toBe(`****${TOKEN.slice(-4)}`);
  });
});

describe('help and version', () => {
  it('shows examples for every subcommand and the program', async () => {
    for (const command of [CONFIGURE, GET]) {
      const help = await sandbox.run([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: notifier [--config FILE] [--terse] ${command}`);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toContain(`  notifier ${command}`);
    }
    const top = await sandbox.run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain(CONFIGURE);
    expect(top.stdout).toContain(GET);
  });

  it('prints the version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(await sandbox.runBinary(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('shows help on stderr and exits 2 with no subcommand', async () => {
    const result = await sandbox.run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: notifier');
  });
});

describe('concurrency', () => {
  it('20 processes configuring 20 targets at once leave one valid file holding all 20', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        sandbox.runBinary([CONFIGURE, '--enabled', `--roomName=room-${index}`, `--token=${TOKEN}`, `--target=t${index}`]),
      ),
    );
    expect(results.map((result) => result.code)).toEqual(Array(20).fill(0));
    const targets = storedConfig().targets;
    expect(Object.keys(targets).sort()).toEqual(Array.from({ length: 20 }, (_, index) => `t${index}`).sort());
    for (let index = 0; index < 20; index++) expect(targets[`t${index}`].hipchat.roomName).toBe(`room-${index}`);
    expect(readdirSync(dirname(sandbox.configPath))).toEqual(['config.json']);
  });
});
