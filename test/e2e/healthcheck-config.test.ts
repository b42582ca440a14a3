// The notification service and health check configuration commands, end to end through the built CLI:
// exact output, defaults, stored values kept, asadmin's errors, --dynamic.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reloadRequestFile } from '../../src/service/control.js';
import { createSandbox, hasStackTrace, type RunResult, type Sandbox } from '../support/cli.js';

const TOKEN = 'healthcheckConfigToken0123456789';

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = createSandbox();
});
afterEach(() => sandbox.remove());

function run(...args: string[]): Promise<RunResult> {
  return sandbox.run(args);
}

/** Runs a command that must succeed quietly; returns what it printed before the success line. */
async function succeed(...args: string[]): Promise<string> {
  const result = await run(...args);
  expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
  const success = `Command ${args[0]} executed successfully.\n`;
  expect(result.stdout.endsWith(success), result.stdout).toBe(true);
  return result.stdout.slice(0, -success.length);
}

function stored(): any {
  return JSON.parse(readFileSync(sandbox.configPath, 'utf8'));
}

function writeConfig(config: unknown): void {
  mkdirSync(dirname(sandbox.configPath), { recursive: true });
  writeFileSync(sandbox.configPath, JSON.stringify(config), { mode: 0o600 });
}

function configureHipChat(...extra: string[]): Promise<string> {
  // With a server of its own: without --apiUrl, configure warns that HipChat Cloud is gone.
  return succeed(
    'notification-hipchat-configure',
    '--enabled',
    '--roomName=ops',
    `--token=${TOKEN}`,
    '--apiUrl=https://hipchat.example.com',
    ...extra,
  );
}

const DEFAULT_HEALTHCHECK = {
  enabled: false,
  historicalTraceEnabled: false,
  historicalTraceStoreSize: 20,
  hipchatNotifier: { enabled: false, noisy: true },
  checkers: {},
};

describe('notification-configure and get-notification-configuration', () => {
  it('says "No notifier defined" while nothing is configured, and writes no file', async () => {
    const [text, json] = await Promise.all([succeed('get-notification-configuration'), run('get-notification-configuration', '--json')]);
    expect(text).toBe('No notifier defined\n');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({ target: 'server', defined: false });
    expect(existsSync(sandbox.configPath)).toBe(false);
  });

  it('stores the service flag and shows it beside the HipChat notifier (false until configured)', async () => {
    expect(await succeed('notification-configure', '--enabled')).toBe('');
    expect(stored().targets.server).toEqual({ notification: { enabled: true } });
    expect(await succeed('get-notification-configuration')).toBe('Enabled  Notifier Enabled  \ntrue     false             \n');

    await configureHipChat();
    await succeed('notification-configure', '--ENABLED=false');
    expect(await succeed('get-notification-configuration')).toBe('Enabled  Notifier Enabled  \nfalse    true              \n');
    const json = await run('get-notification-configuration', '--json');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({ target: 'server', defined: true, enabled: false, notifierEnabled: true });
  });

  it('leaves out the success line with --terse', async () => {
    expect(await run('--terse', 'notification-configure', '--enabled')).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('healthcheck-configure', () => {
  it("creates the section with Payara's defaults, then keeps stored values for options not given", async () => {
    await succeed('healthcheck-configure', '--enabled');
    expect(stored().targets.server.healthcheck).toEqual({ ...DEFAULT_HEALTHCHECK, enabled: true });

    await succeed('healthcheck-configure', '--enabled', '--historicalTraceEnabled', '--historicalTraceStoreSize', '50');
    await succeed('healthcheck-configure', '--enabled=false');
    expect(stored().targets.server.healthcheck).toEqual({
      ...DEFAULT_HEALTHCHECK,
      historicalTraceEnabled: true,
      historicalTraceStoreSize: 50,
    });
  });
});

describe('healthcheck-configure-service', () => {
  it('gives a new checker time 5, unit MINUTES and the catalog name', async () => {
    await succeed('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled');
    expect(stored().targets.server.healthcheck).toEqual({
      ...DEFAULT_HEALTHCHECK,
      checkers: { 'healthcheck-cpu': { enabled: true, time: 5, unit: 'MINUTES', checkerName: 'CPUC' } },
    });
  });

  it('takes the unit in any case, stores it upper-case, and keeps stored values (thresholds too)', async () => {
    await succeed(
      'healthcheck-configure-service',
      '--serviceName=healthcheck-heap',
      '--enabled',
      '--time=30',
      '--unit=seconds',
      '--checkerName=HEAP-1',
    );
    await succeed('healthcheck-configure-service-threshold', '--serviceName=healthcheck-heap', '--thresholdCritical=95');
    await succeed('healthcheck-configure-service', '--serviceName=healthcheck-heap', '--enabled=false');
    expect(stored().targets.server.healthcheck.checkers['healthcheck-heap']).toEqual({
      enabled: false,
      time: 30,
      unit: 'SECONDS',
      checkerName: 'HEAP-1',
      thresholds: { critical: 95, warning: 50, good: 0 },
    });
  });

  it('stores a service notifier does not run, with a warning', async () => {
    const result = await run('healthcheck-configure-service', '--serviceName', 'healthcheck-gc', '--enabled');
    expect(result).toMatchObject({
      code: 0,
      stdout: 'Command healthcheck-configure-service executed successfully.\n',
      stderr:
        'Warning: notifier does not run healthcheck-gc: the setting is stored (for Payara) but has no effect here; notifier runs healthcheck-cpu, healthcheck-machinemem and healthcheck-heap\n',
    });
    expect(stored().targets.server.healthcheck.checkers['healthcheck-gc']).toEqual({
      enabled: true,
      time: 5,
      unit: 'MINUTES',
      checkerName: 'GBGC',
    });
  });
});

describe('healthcheck-configure-service-threshold', () => {
  it('starts from 80 / 50 / 0 and keeps the thresholds not given; equal thresholds are fine', async () => {
    await succeed('healthcheck-configure-service', '--serviceName', 'healthcheck-machinemem', '--enabled');
    await succeed('healthcheck-configure-service-threshold', '--serviceName', 'healthcheck-machinemem', '--thresholdGood', '10');
    expect(stored().targets.server.healthcheck.checkers['healthcheck-machinemem'].thresholds).toEqual({
      critical: 80,
      warning: 50,
      good: 10,
    });
    await succeed(
      'healthcheck-configure-service-threshold',
      '--serviceName',
      'healthcheck-machinemem',
      '--thresholdWarning',
      '80',
      '--thresholdCritical',
      '80',
    );
    expect(stored().targets.server.healthcheck.checkers['healthcheck-machinemem'].thresholds).toEqual({
      critical: 80,
      warning: 80,
      good: 10,
    });
  });
});

describe('healthcheck-hipchat-notifier-configure', () => {
  it('stores enabled and noisy (kept when not given), warning while no HipChat notifier exists', async () => {
    const first = await run('healthcheck-hipchat-notifier-configure', '--enabled');
    expect(first).toMatchObject({
      code: 0,
      stderr: 'Warning: the target has no HipChat notifier yet: configure one with notification-hipchat-configure\n',
    });
    expect(stored().targets.server.healthcheck).toEqual({ ...DEFAULT_HEALTHCHECK, hipchatNotifier: { enabled: true, noisy: true } });

    await configureHipChat();
    await succeed('healthcheck-hipchat-notifier-configure', '--enabled', '--no-noisy');
    await succeed('healthcheck-hipchat-notifier-configure', '--enabled=false');
    expect(stored().targets.server.healthcheck.hipchatNotifier).toEqual({ enabled: false, noisy: false });
  });
});

describe('notification-hipchat-configure and the health check', () => {
  it("the first configure switches the health check's HipChat notifier on, once", async () => {
    await configureHipChat();
    expect(stored().targets.server.healthcheck).toEqual({ ...DEFAULT_HEALTHCHECK, hipchatNotifier: { enabled: true, noisy: true } });

    await succeed('healthcheck-hipchat-notifier-configure', '--enabled=false');
    await succeed('notification-hipchat-configure', '--enabled', '--roomName=another', '--token=');
    expect(stored().targets.server.healthcheck.hipchatNotifier.enabled).toBe(false);
  });

  it('keeps a health check section that already exists', async () => {
    await succeed('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled');
    await succeed('healthcheck-configure', '--enabled');
    await configureHipChat();
    expect(stored().targets.server.healthcheck).toEqual({
      ...DEFAULT_HEALTHCHECK,
      enabled: true,
      hipchatNotifier: { enabled: true, noisy: true },
      checkers: { 'healthcheck-cpu': { enabled: true, time: 5, unit: 'MINUTES', checkerName: 'CPUC' } },
    });
  });
});

describe('get-healthcheck-configuration', () => {
  it('prints the defaults while nothing is configured', async () => {
    expect(await succeed('get-healthcheck-configuration')).toBe(
      'Health Check Service Configuration is enabled?: false\n' + 'Name     Notifier Enabled  \n' + 'HIPCHAT  false             \n',
    );
  });

  it("prints Payara's status lines and tables, checkers in Payara's order, byte for byte", async () => {
    await succeed('healthcheck-configure-service', '--serviceName', 'healthcheck-heap', '--enabled');
    expect((await run('healthcheck-configure-service', '--serviceName', 'healthcheck-gc', '--enabled=false')).code).toBe(0);
    await succeed('healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled', '--time', '30', '--unit', 'SECONDS');
    await succeed('healthcheck-configure-service-threshold', '--serviceName', 'healthcheck-cpu', '--thresholdCritical', '90');
    await succeed('healthcheck-configure', '--enabled');
    await configureHipChat();

    const checkerTable =
      'Below are the list of configuration details of each checker listed by its name.\n' +
      '\n' +
      'Name  Enabled  Time  Unit     Critical Threshold  Warning Threshold  Good Threshold  \n' +
      'CPUC  true     30    SECONDS  90                  50                 0               \n' +
      'HEAP  true     5     MINUTES  80                  50                 0               \n' +
      'GBGC  false    5     MINUTES                                                         \n';
    expect(await succeed('get-healthcheck-configuration')).toBe(
      'Health Check Service Configuration is enabled?: true\n' +
        'Historical Tracing Enabled?: false\n' +
        'Name     Notifier Enabled  \n' +
        'HIPCHAT  true              \n' +
        checkerTable,
    );

    await succeed('healthcheck-configure', '--enabled', '--historicalTraceEnabled', '--historicalTraceStoreSize=7');
    expect(await succeed('get-healthcheck-configuration')).toBe(
      'Health Check Service Configuration is enabled?: true\n' +
        'Historical Tracing Enabled?: true\n' +
        'Historical Tracing Store Size: 7\n' +
        'Name     Notifier Enabled  \n' +
        'HIPCHAT  true              \n' +
        checkerTable,
    );
  });

  it('prints everything as one JSON object with --json', async () => {
    expect(
      (await run('healthcheck-configure-service', '--serviceName', 'healthcheck-cpool', '--enabled', '--target=c1', '--checkerName=POOL'))
        .code,
    ).toBe(0);
    await succeed(
      'healthcheck-configure-service',
      '--serviceName',
      'healthcheck-cpu',
      '--enabled',
      '--target=c1',
      '--unit=hours',
      '--time=2',
    );
    await succeed('healthcheck-hipchat-notifier-configure', '--enabled=false', '--noisy=false', '--target=c1');
    const result = await run('get-healthcheck-configuration', '--json', '--target=c1');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({
      target: 'c1',
      enabled: false,
      historicalTraceEnabled: false,
      historicalTraceStoreSize: 20,
      hipchatNotifier: { enabled: false, noisy: false },
      checkers: [
        {
          serviceName: 'healthcheck-cpu',
          checkerName: 'CPUC',
          enabled: true,
          time: 2,
          unit: 'HOURS',
          thresholds: { critical: 80, warning: 50, good: 0 },
          provided: true,
        },
        {
          serviceName: 'healthcheck-cpool',
          checkerName: 'POOL',
          enabled: true,
          time: 5,
          unit: 'MINUTES',
          thresholds: null,
          provided: false,
        },
      ],
    });
  });
});

describe('healthcheck-list-services', () => {
  it("prints asadmin's Name / Description table of every service Payara knows", async () => {
    expect(await succeed('healthcheck-list-services')).toBe(
      'Available Health Check Services:\n' +
        'Name                    Description                                                             \n' +
        "healthcheck-cpu         The machine's CPU use since the last check, as a percentage             \n" +
        'healthcheck-machinemem  Physical memory used on the machine, as a percentage                    \n' +
        "healthcheck-heap        The notification service's own heap used, as a percentage of its limit  \n" +
        'healthcheck-gc          Garbage collections since the last check (not run by notifier)          \n' +
        'healthcheck-threads     Threads hogging the CPU (not run by notifier)                           \n' +
        'healthcheck-stuck       Requests running longer than a threshold (not run by notifier)          \n' +
        'healthcheck-cpool       Connection pool usage (not run by notifier)                             \n',
    );
  });
});

describe('--dynamic', () => {
  // Every command that changes the configuration, given a target (the threshold needs its checker first).
  const CHANGES: string[][] = [
    ['notification-configure', '--enabled'],
    ['healthcheck-configure', '--enabled'],
    ['healthcheck-configure-service', '--serviceName=healthcheck-cpu', '--enabled'],
    ['healthcheck-configure-service-threshold', '--serviceName=healthcheck-cpu', '--thresholdGood=5'],
    ['healthcheck-hipchat-notifier-configure', '--enabled'],
    ['notification-hipchat-configure', '--enabled', '--roomName=ops', `--token=${TOKEN}`, '--apiUrl=https://hipchat.example.com'],
  ];

  it('--dynamic=true leaves a reload request for the target; --dynamic=false and no --dynamic do not', async () => {
    const targets = (prefix: string) => CHANGES.map((_, index) => `${prefix}${index}`);
    const runAll = (prefix: string, dynamic: string[]) =>
      Promise.all(CHANGES.map((change, index) => run(...change, `--target=${prefix}${index}`, ...dynamic)));
    await Promise.all(
      ['dyn', 'off', 'none'].map((prefix) =>
        succeed('healthcheck-configure-service', '--serviceName=healthcheck-cpu', '--enabled', `--target=${prefix}3`),
      ),
    );

    const results = [
      ...(await runAll('dyn', ['--dynamic=true'])),
      ...(await runAll('off', ['--dynamic=false'])),
      ...(await runAll('none', [])),
    ];
    expect(results.map((result) => result.code)).toEqual(Array(results.length).fill(0));
    expect(targets('dyn').map((target) => existsSync(reloadRequestFile(sandbox.stateDir, target)))).toEqual(
      Array(CHANGES.length).fill(true),
    );
    expect([...targets('off'), ...targets('none')].some((target) => existsSync(reloadRequestFile(sandbox.stateDir, target)))).toBe(false);
  });
});

describe('bad input', () => {
  const CONFIG = {
    version: 1,
    targets: {
      server: {
        healthcheck: {
          ...DEFAULT_HEALTHCHECK,
          checkers: {
            'healthcheck-cpu': {
              enabled: true,
              time: 5,
              unit: 'MINUTES',
              checkerName: 'CPUC',
              thresholds: { critical: 80, warning: 50, good: 0 },
            },
          },
        },
      },
    },
  };
  const UNITS = 'DAYS,HOURS,MICROSECONDS,MILLISECONDS,MINUTES,NANOSECONDS,SECONDS';
  const CPU = ['--serviceName', 'healthcheck-cpu'];
  const cases: { args: string[]; code: number; message: string; config?: string }[] = [
    {
      args: ['healthcheck-configure-service', '--serviceName', 'healthcheck-foo', '--enabled', '--dynamic=true'],
      code: 2,
      message: 'Service with name healthcheck-foo could not be found.',
    },
    {
      args: ['healthcheck-configure-service-threshold', '--serviceName=healthcheck-foo'],
      code: 2,
      message: 'Service with name healthcheck-foo could not be found.',
    },
    {
      args: ['healthcheck-configure-service', ...CPU, '--enabled', '--unit', 'FORTNIGHTS'],
      code: 2,
      message: `Invalid parameter: unit.  Its value is FORTNIGHTS but it isn't one of these acceptable values: ${UNITS}`,
    },
    {
      args: ['healthcheck-configure-service', ...CPU, '--enabled', '--time', '0'],
      code: 2,
      message: 'Invalid parameter: time.  Its value is 0 but it must be a whole number, 1 or more',
    },
    {
      args: ['healthcheck-configure-service', ...CPU, '--enabled', '--time=1.5'],
      code: 2,
      message: 'Invalid parameter: time.  Its value is 1.5 but it must be a whole number, 1 or more',
    },
    {
      args: ['healthcheck-configure-service', ...CPU, '--enabled', '--checkerName='],
      code: 2,
      message: 'Invalid parameter: checkerName.  It must not be empty or contain control characters.',
    },
    {
      args: ['healthcheck-configure-service-threshold', ...CPU, '--thresholdCritical', '101'],
      code: 2,
      message:
        'Invalid parameter: thresholdCritical.  Its value is 101 but a threshold is a percentage so must be a whole number from 0 to 100',
    },
    {
      args: ['healthcheck-configure-service-threshold', ...CPU, '--thresholdGood', '-1'],
      code: 2,
      message: 'Invalid parameter: thresholdGood.  Its value is -1 but a threshold is a percentage so must be a whole number from 0 to 100',
    },
    {
      args: ['healthcheck-configure-service-threshold', ...CPU, '--thresholdWarning', '90', '--dynamic=true'],
      code: 2,
      message: 'Invalid thresholds: critical 80, warning 90, good 0; they must satisfy critical >= warning >= good',
    },
    {
      args: ['healthcheck-configure-service-threshold', '--serviceName', 'healthcheck-gc', '--thresholdCritical', '90'],
      code: 2,
      message:
        'healthcheck-gc has no thresholds: only the percentage checkers healthcheck-cpu, healthcheck-machinemem and healthcheck-heap do',
    },
    {
      args: ['healthcheck-configure-service-threshold', '--serviceName', 'healthcheck-heap', '--dynamic=true'],
      code: 1,
      message:
        'Health Check Service Checker Configuration with name healthcheck-heap could not be found. Configure it first: notifier healthcheck-configure-service --serviceName healthcheck-heap --enabled',
    },
    {
      args: ['healthcheck-configure', '--enabled', '--historicalTraceStoreSize', '0'],
      code: 2,
      message: 'Invalid parameter: historicalTraceStoreSize.  Its value is 0 but it must be a whole number, 1 or more',
    },
    {
      args: ['healthcheck-configure-service', '--enabled'],
      code: 2,
      message: 'Option --serviceName is required but was not specified\nCommand healthcheck-configure-service is missing required options',
    },
    { args: ['notification-configure', '--enabled=maybe'], code: 2, message: 'Invalid boolean value for option: enabled, Value: maybe' },
    { args: ['healthcheck-list-services', '--target=c1'], code: 2, message: 'Invalid option: --target' },
    { args: ['get-healthcheck-configuration', '--target', 'nowhere'], code: 1, message: 'No such config named: nowhere' },
    { args: ['get-notification-configuration', '--target', 'nowhere'], code: 1, message: 'No such config named: nowhere' },
    {
      args: ['healthcheck-hipchat-notifier-configure', '--enabled', '--dynamic=true'],
      code: 1,
      message: 'is not valid JSON',
      config: '{"version": 1, "targets": {',
    },
    { args: ['get-healthcheck-configuration'], code: 1, message: 'is not valid JSON', config: '{"version": 1, "targets": {' },
  ];

  it.each(cases.map((testCase) => ({ ...testCase, name: testCase.args.join(' ') })))(
    '$name: exit $code, one clear line, nothing changed',
    async ({ args, code, message, config }) => {
      if (config === undefined) writeConfig(CONFIG);
      else {
        mkdirSync(dirname(sandbox.configPath), { recursive: true });
        writeFileSync(sandbox.configPath, config);
      }
      const before = readFileSync(sandbox.configPath, 'utf8');
      const result = await run(...args);
      expect(result.code).toBe(code);
      expect(result.stdout).toBe('');
      expect(hasStackTrace(result.stderr)).toBe(false);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines.pop()).toBe(`Command ${args[0]} failed.`);
      expect(lines.join('\n')).toContain(message);
      expect(lines).toHaveLength(message.split('\n').length);
      expect(readFileSync(sandbox.configPath, 'utf8')).toBe(before);
      expect(existsSync(reloadRequestFile(sandbox.stateDir, 'server'))).toBe(false);
    },
  );
});

describe('help', () => {
  const COMMANDS = [
    'notification-configure',
    'get-notification-configuration',
    'healthcheck-configure',
    'healthcheck-configure-service',
    'healthcheck-configure-service-threshold',
    'healthcheck-hipchat-notifier-configure',
    'get-healthcheck-configuration',
    'healthcheck-list-services',
  ];

  it('every command has examples, and the program lists them all', async () => {
    const [top, ...helps] = await Promise.all([run('--help'), ...COMMANDS.map((command) => run(command, '--help'))]);
    helps.forEach((help, index) => {
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toContain(`  notifier ${COMMANDS[index]}`);
    });
    for (const command of COMMANDS) expect(top.stdout).toContain(command);
  });
});
