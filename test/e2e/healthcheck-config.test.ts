// The notification service and health check configuration commands, end to end through main() in-process
// (they only read and write files and print; the service suites run them through the built CLI):
// exact output, defaults, stored values kept, asadmin's errors, --dynamic.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { reloadRequestFile } from '../../src/service/control.js';
import { createSandbox, hasStackTrace, type RunResult, type Sandbox } from '../support/cli.js';

const TOKEN = 'healthcheckConfigToken0123456789';

let sandbox: Sandbox;
beforeEach(() => {
  const made = createSandbox({}, { inProcess: true });
  sandbox = made;
  // Each test's own, removed when that test ends: the bad-input cases run at once, and an afterEach removing
  // `sandbox` removed the last one made as many times, leaving the others behind.
  return () => made.remove();
});

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
  checkers: {},
};

describe('notification-configure and get-notification-configuration', () => {
  // A fresh target (the service on by default): asadmin-fidelity.test.ts, point 7.
  it('stores the service flag and shows it beside the HipChat notifier (false until configured)', async () => {
    expect(await succeed('notification-configure', '--enabled=false')).toBe('');
    expect(stored().targets.server).toEqual({ notification: { enabled: false } });
    expect(await succeed('get-notification-configuration')).toBe('Enabled  Notifier Enabled  \nfalse    false             \n');

    await configureHipChat();
    await succeed('notification-configure', '--ENABLED=true');
    expect(await succeed('get-notification-configuration')).toBe('Enabled  Notifier Enabled  \ntrue     true              \n');
    const json = await run('get-notification-configuration', '--json');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({ target: 'server', enabled: true, notifierEnabled: true, notifierConfigured: true });
  });

  it('leaves out the success line with --terse', async () => {
    expect(await run('--terse', 'notification-configure', '--enabled')).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('healthcheck-configure', () => {
  it("creates the section with Payara's defaults, then keeps stored values for options not given", async () => {
    await succeed('healthcheck-configure', '--enabled');
    expect(stored().targets.server.healthcheck).toEqual({ ...DEFAULT_HEALTHCHECK, enabled: true });

    await succeed(
      'healthcheck-configure',
      '--enabled',
      '--historicalTraceEnabled',
      '--historicalTraceStoreSize',
      '50',
      '--historicalTraceStoreTimeout=1d',
    );
    await succeed('healthcheck-configure', '--enabled=false');
    expect(stored().targets.server.healthcheck).toEqual({
      ...DEFAULT_HEALTHCHECK,
      historicalTraceEnabled: true,
      historicalTraceStoreSize: 50,
      historicalTraceStoreTimeout: '1d',
    });
    // An empty timeout forgets it.
    await succeed('healthcheck-configure', '--enabled=false', '--historicalTraceStoreTimeout=');
    expect(stored().targets.server.healthcheck.historicalTraceStoreTimeout).toBeUndefined();
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
  // Every configure setting the health check's HipChat notifier: asadmin-fidelity.test.ts, point 2.
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
  // The text layout: asadmin-fidelity.test.ts, point 6.
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
    const [result, fresh] = await Promise.all([
      run('get-healthcheck-configuration', '--json', '--target=c1'),
      run('get-healthcheck-configuration', '--json'),
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(fresh.stdout)).toEqual({
      target: 'server',
      ...DEFAULT_HEALTHCHECK,
      historicalTraceStoreTimeout: null,
      hipchatNotifier: null,
      checkers: [],
    });
    expect(JSON.parse(result.stdout)).toEqual({
      target: 'c1',
      enabled: false,
      historicalTraceEnabled: false,
      historicalTraceStoreSize: 20,
      historicalTraceStoreTimeout: null,
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
          thresholds: { critical: 80, warning: 50, good: 0 },
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
    ['healthcheck-service-configure-checker-with-thresholds', '--serviceName=healthcheck-cpu', '--enabled'],
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
    expect(
      targets('dyn').map((target) => existsSync(reloadRequestFile({ stateDir: sandbox.stateDir, configPath: sandbox.configPath, target }))),
    ).toEqual(Array(CHANGES.length).fill(true));
    expect(
      [...targets('off'), ...targets('none')].some((target) =>
        existsSync(reloadRequestFile({ stateDir: sandbox.stateDir, configPath: sandbox.configPath, target })),
      ),
    ).toBe(false);
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
  // Payara's own texts for these points are asserted (with their source lines) in asadmin-fidelity.test.ts.
  const cases: { args: string[]; code: number; message: string; config?: string }[] = [
    {
      args: ['healthcheck-configure-service', '--serviceName', 'healthcheck-foo', '--enabled', '--dynamic=true'],
      code: 2,
      message:
        "Invalid parameter: serviceName.  Its value is healthcheck-foo but it isn't one of these acceptable values: healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem,healthcheck-stuck",
    },
    {
      args: ['healthcheck-service-configure-checker-with-thresholds', '--serviceName', 'healthcheck-foo', '--enabled'],
      code: 2,
      // HealthCheckServiceConfigureCheckerWithThresholdsCommand.java L124-125: its list, with a space before healthcheck-stuck
      message:
        "Invalid parameter: serviceName.  Its value is healthcheck-foo but it isn't one of these acceptable values: healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem, healthcheck-stuck",
    },
    {
      args: [
        'healthcheck-service-configure-checker-with-thresholds',
        '--serviceName',
        'healthcheck-stuck',
        '--enabled',
        '--thresholdGood=5',
      ],
      code: 2,
      message:
        "Invalid parameter: serviceName.  Its value is healthcheck-stuck but it isn't one of these acceptable values: healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem",
    },
    {
      args: [
        'healthcheck-service-configure-checker-with-thresholds',
        '--serviceName',
        'healthcheck-threads',
        '--enabled',
        '--thresholdGood=5',
      ],
      code: 2,
      message: 'Service with name healthcheck-threads could not be found.',
    },
    {
      args: ['healthcheck-configure-service', ...CPU, '--enabled', '--unit', 'FORTNIGHTS'],
      code: 2,
      message: `Invalid parameter: unit.  Its value is FORTNIGHTS but it isn't one of these acceptable values: ${UNITS}`,
    },
    {
      args: ['healthcheck-configure-service', ...CPU, '--enabled', '--time=1.5'],
      code: 2,
      message: 'Invalid parameter: time.  Its value is 1.5 but it must be a whole number, 1 or more',
    },
    {
      args: ['healthcheck-configure-service', ...CPU, '--enabled', '--checkerName= '],
      code: 2,
      message: 'Invalid parameter: checkerName.  It must not be empty or contain control characters.',
    },
    {
      args: ['healthcheck-configure-service-threshold', ...CPU, '--thresholdGood', '-1'],
      code: 2,
      message:
        'Parameters for command healthcheck-configure-service-threshold violate the following constraints: violation reason [ Threshold is a percentage so must be greater than zero ] on parameter [ thresholdGood ]',
    },
    {
      args: ['healthcheck-configure-service-threshold', ...CPU, '--thresholdWarning', '90', '--dynamic=true'],
      code: 2,
      message: 'Invalid thresholds: critical 80, warning 90, good 0; they must satisfy critical >= warning >= good',
    },
    {
      args: ['healthcheck-configure-service-threshold', '--serviceName', 'healthcheck-gc', '--thresholdCritical', '90', '--dynamic=true'],
      code: 1,
      // HealthCheckServiceThresholdConfigurer.java L145: "Health Check Service Checker Configuration with name {0} could not be found."
      message:
        'Health Check Service Checker Configuration with name healthcheck-gc could not be found. Configure it first: notifier healthcheck-configure-service --serviceName healthcheck-gc --enabled',
    },
    {
      args: ['healthcheck-configure', '--enabled', '--historicalTraceStoreSize', '0'],
      code: 2,
      // HealthCheckConfigurer.java L122: @Min(value = 1, message = "Store size must be greater than 0")
      message:
        'Parameters for command healthcheck-configure violate the following constraints: violation reason [ Store size must be greater than 0 ] on parameter [ historicalTraceStoreSize ]',
    },
    {
      args: ['healthcheck-configure', '--enabled', '--historicalTraceStoreSize', '1.5'],
      code: 2,
      // MapInjectionResolver.java L476-478: "Invalid parameter: {0}.  This integer option must be set to a valid integer.\nIts value was set to {1}"
      message: 'Invalid parameter: historicalTraceStoreSize.  This integer option must be set to a valid integer. Its value was set to 1.5',
    },
    {
      args: ['healthcheck-configure', '--enabled', '--historicalTraceStoreSize', '10001'],
      code: 2,
      message: 'Invalid parameter: historicalTraceStoreSize.  Its value is 10001 but notifier keeps at most 10000 results',
    },
    {
      args: ['healthcheck-configure', '--enabled', '--historicalTraceStoreTimeout', 'soon'],
      code: 2,
      message:
        'Invalid parameter: historicalTraceStoreTimeout.  Its value is soon but it must be a number of seconds, or a number followed by s, m, h or d',
    },
    {
      args: ['list-historic-healthchecks', '--first=-1'],
      code: 2,
      message: 'Invalid parameter: first.  Its value is -1 but it must be 0 or more',
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
    { args: ['list-historic-healthchecks', '--target', 'nowhere'], code: 1, message: 'No such config named: nowhere' },
    {
      args: ['healthcheck-hipchat-notifier-configure', '--enabled', '--dynamic=true'],
      code: 1,
      message: 'is not valid JSON',
      config: '{"version": 1, "targets": {',
    },
    { args: ['get-healthcheck-configuration'], code: 1, message: 'is not valid JSON', config: '{"version": 1, "targets": {' },
  ];

  // Each case in a sandbox of its own, so that they can run at once.
  it.concurrent.each(cases.map((testCase) => ({ ...testCase, name: testCase.args.join(' ') })))(
    '$name: exit $code, one clear line, nothing changed',
    async ({ args, code, message, config }) => {
      const box = createSandbox({}, { inProcess: true });
      try {
        mkdirSync(dirname(box.configPath), { recursive: true });
        writeFileSync(box.configPath, config ?? JSON.stringify(CONFIG), { mode: 0o600 });
        const before = readFileSync(box.configPath, 'utf8');
        const result = await box.run(args);
        expect(result.code).toBe(code);
        expect(result.stdout).toBe('');
        expect(hasStackTrace(result.stderr)).toBe(false);
        const lines = result.stderr.trimEnd().split('\n');
        expect(lines.pop()).toBe(`Command ${args[0]} failed.`);
        expect(lines.join('\n')).toContain(message);
        expect(lines).toHaveLength(message.split('\n').length);
        expect(readFileSync(box.configPath, 'utf8')).toBe(before);
        expect(existsSync(reloadRequestFile({ stateDir: box.stateDir, configPath: box.configPath, target: 'server' }))).toBe(false);
      } finally {
        box.remove();
      }
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
    'healthcheck-service-configure-checker-with-thresholds',
    'list-historic-healthchecks',
    'notifier-list-services',
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
