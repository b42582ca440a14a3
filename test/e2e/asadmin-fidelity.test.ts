// asadmin fidelity, round two (issue 13): one test per point of the issue, through the built CLI. Each
// expected text is Payara's own (payara/Payara at payara-server-4.1.2.181), its source line quoted beside
// it; where notifier differs on purpose the README's "Differences from asadmin" table says why. The
// test-hipchat-notifier-configuration texts are asserted in send/network.test.ts and the prompt in
// configure-get.test.ts, whose expectations these points changed.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandbox, type RunResult, type Sandbox } from '../support/cli.js';
import { startHipChatServer, type HipChatTestServer } from '../support/hipchat-server.js';
import { hipchatSection, startService } from '../support/service.js';

const TOKEN = 'fidelityToken-0123456789abcdefghijklmnop';
const CONFIGURE = 'notification-hipchat-configure';

const sandboxes: Sandbox[] = [];
const services: ChildProcess[] = [];
const servers: HipChatTestServer[] = [];
afterAll(async () => {
  for (const child of services) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(servers.map((server) => server.close()));
  for (const sandbox of sandboxes) sandbox.remove();
});

function sandbox(): Sandbox {
  const created = createSandbox({ TZ: 'UTC' });
  sandboxes.push(created);
  return created;
}

function stored(box: Sandbox): any {
  return JSON.parse(readFileSync(box.configPath, 'utf8'));
}

function writeConfig(box: Sandbox, targets: unknown): void {
  mkdirSync(dirname(box.configPath), { recursive: true });
  writeFileSync(box.configPath, JSON.stringify({ version: 1, targets }), { mode: 0o600 });
}

const success = (command: string, printed = '') => ({
  code: 0,
  stdout: `${printed}Command ${command} executed successfully.\n`,
  stderr: '',
});
const failure = (command: string, code: number, message: string) => ({
  code,
  stdout: '',
  stderr: `${message}\nCommand ${command} failed.\n`,
});

async function succeed(box: Sandbox, ...args: string[]): Promise<RunResult> {
  const result = await box.run(args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

describe.concurrent('asadmin fidelity (issue 13)', () => {
  it("1. option values are trimmed as asadmin's parser does; a blank value keeps the stored one", async () => {
    const box = sandbox();
    // Parser.java L324-325: if (value != null) value = value.trim();
    expect(
      await box.run([CONFIGURE, '--enabled', '--roomName', '  ops  ', `--token=\t${TOKEN} `, '--apiUrl= http://127.0.0.1:9 ']),
    ).toMatchObject(success(CONFIGURE));
    // HipchatNotificationConfigurer.java L80-81: if(!Strings.isNullOrEmpty(roomName)) { configuration.setRoomName(roomName); } (token alike)
    expect(await box.run([CONFIGURE, '--enabled= false ', '--roomName', '   ', '--token=  '])).toMatchObject(success(CONFIGURE));
    expect(await box.run(['get-hipchat-notifier-configuration'])).toMatchObject(
      success(
        'get-hipchat-notifier-configuration',
        'Enabled  Room Name  Token                                     \n' + `false    ops        ${TOKEN}  \n`,
      ),
    );
  });

  it("2. every notification-hipchat-configure sets the health check's HipChat notifier to its --enabled; a stored noisy stays", async () => {
    const box = sandbox();
    await succeed(box, CONFIGURE, '--enabled=false', '--roomName=ops', `--token=${TOKEN}`);
    // GetHealthCheckConfiguration.java L103: notifierHeaders[] = {"Name", "Notifier Enabled"};
    //   L193-194: values[0] = annotation.type(); values[1] = notifier.getEnabled();
    expect(await box.run(['get-healthcheck-configuration'])).toMatchObject(
      success(
        'get-healthcheck-configuration',
        'Health Check Service Configuration is enabled?: false\n' +
          'Name     Notifier Enabled  \n' +
          'HIPCHAT  false             \n' +
          'Below are the list of configuration details of each checker listed by its name.\n\n',
      ),
    );
    await succeed(box, 'healthcheck-hipchat-notifier-configure', '--enabled=false', '--noisy=false');
    // BaseNotificationConfigurer.java (5.183) L168: params.add("enabled", enabled.toString()); for every configure
    //   (4.1.2.181 L131: params.add("enabled", Boolean.TRUE.toString()); on the first one only)
    await succeed(box, CONFIGURE, '--enabled', '--roomName=', '--token=');
    expect(stored(box).targets.server.healthcheck.hipchatNotifier).toEqual({ enabled: true, noisy: false });
  });

  it("3. gc and cpool are threshold checkers (Payara's documentation example works); Payara's acceptable-values and constraint texts", async () => {
    const box = sandbox();
    const pool = await box.run(['healthcheck-configure-service', '--serviceName=healthcheck-cpool', '--enabled']);
    expect(pool.code).toBe(0);
    const example = [
      'healthcheck-configure-service-threshold',
      '--serviceName=healthcheck-cpool',
      '--thresholdCritical=90',
      '--thresholdWarning=50',
      '--thresholdGood=0',
    ];
    expect((await box.run(example)).code).toBe(0);
    expect(stored(box).targets.server.healthcheck.checkers['healthcheck-cpool'].thresholds).toEqual({ critical: 90, warning: 50, good: 0 });

    const before = readFileSync(box.configPath, 'utf8');
    const THRESHOLD = 'healthcheck-configure-service-threshold';
    const SERVICE = 'healthcheck-configure-service';
    const cases: [string[], number, string][] = [
      [
        [THRESHOLD, '--serviceName=healthcheck-foo'],
        2,
        // MapInjectionResolver.java L645 + common-util LocalStrings.properties L43:
        //   UnacceptableValue=Invalid parameter: {0}.  Its value is {1} but it isn''t one of these acceptable values: {2}
        // HealthCheckServiceThresholdConfigurer.java L87-88: acceptableValues = "healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads," + "healthcheck-machinemem"
        "Invalid parameter: serviceName.  Its value is healthcheck-foo but it isn't one of these acceptable values: healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem",
      ],
      [
        [SERVICE, '--serviceName=healthcheck-foo', '--enabled'],
        2,
        // HealthCheckServiceConfigurer.java L114-115: acceptableValues = "…,healthcheck-threads," + "healthcheck-machinemem,healthcheck-stuck"
        "Invalid parameter: serviceName.  Its value is healthcheck-foo but it isn't one of these acceptable values: healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem,healthcheck-stuck",
      ],
      [
        [THRESHOLD, '--serviceName=healthcheck-stuck'],
        2,
        "Invalid parameter: serviceName.  Its value is healthcheck-stuck but it isn't one of these acceptable values: healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem",
      ],
      [
        [THRESHOLD, '--serviceName=healthcheck-threads'],
        2,
        // HealthCheckServiceThresholdConfigurer.java L133: "Service with name {0} could not be found." (no threshold checker of that name)
        'Service with name healthcheck-threads could not be found.',
      ],
      [
        [THRESHOLD, '--serviceName=healthcheck-cpool', '--thresholdCritical=101', '--thresholdGood=abc'],
        2,
        // kernel LocalStrings.properties L213: commandrunner.unacceptableBV=Parameters for command {0} violate the following constraints: (its trailing space)
        //   L215: commandrunner.unacceptableBV.reason=violation reason [ {0} ] on parameter [ {1} ]
        // HealthCheckServiceThresholdConfigurer.java L92-93: @Min(value = 0, message = "Threshold is a percentage so must be greater than zero")
        //   @Max(value = 100, message ="Threshold is a percentage so must be less than 100")
        'Parameters for command healthcheck-configure-service-threshold violate the following constraints: ' +
          'violation reason [ Threshold is a percentage so must be less than 100 ] on parameter [ thresholdCritical ], ' +
          'violation reason [ Threshold is a percentage so must be greater than zero ] on parameter [ thresholdGood ], ' +
          'violation reason [ Threshold is a percentage so must be less than 100 ] on parameter [ thresholdGood ]',
      ],
      [
        [SERVICE, '--serviceName=healthcheck-cpool', '--enabled', '--time=0'],
        2,
        // HealthCheckServiceConfigurer.java L106: @Min(value = 1, message = "Time period must be 1 or more")
        'Parameters for command healthcheck-configure-service violate the following constraints: violation reason [ Time period must be 1 or more ] on parameter [ time ]',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => box.run(args)));
    results.forEach((result, index) => {
      const [args, code, message] = cases[index]!;
      expect(result, args.join(' ')).toMatchObject(failure(args[0]!, code, message));
    });
    expect(readFileSync(box.configPath, 'utf8')).toBe(before);
  });

  it("4. the service keeps a bounded history that outlives it, and list-historic-healthchecks prints Payara's table", async () => {
    const box = sandbox();
    const server = await startHipChatServer();
    servers.push(server);
    const cpu = { enabled: true, time: 50, unit: 'MILLISECONDS', checkerName: 'CPUC' };
    writeConfig(box, {
      server: {
        hipchat: hipchatSection(server),
        healthcheck: {
          enabled: true,
          historicalTraceEnabled: true,
          historicalTraceStoreSize: 2,
          hipchatNotifier: { enabled: true, noisy: true },
          checkers: { 'healthcheck-cpu': cpu },
        },
      },
    });
    const service = startService(box, services);
    await service.waitForLog(/ queued: /, 3);
    expect(await service.stop()).toBe(0);

    const [table, newest, json] = await Promise.all([
      box.run(['list-historic-healthchecks']),
      box.run(['list-historic-healthchecks', '--first', '1']),
      box.run(['list-historic-healthchecks', '--json']),
    ]);
    const entries: { time: string; level: string; subject: string; message: string }[] = JSON.parse(json.stdout).entries;
    // Bounded by the store size, newest first.
    expect(entries).toHaveLength(2);
    expect(Date.parse(entries[0]!.time)).toBeGreaterThanOrEqual(Date.parse(entries[1]!.time));
    // ListHistoricHealthChecks.java L151-152: event.getLevel() + SEPARATOR + event.getUserMessage() + SEPARATOR + formattedText (SEPARATOR = " - ", L78)
    const texts = entries.map(({ level, subject, message }) => `${level} - ${subject} - ${message}`);
    for (const text of texts) {
      expect(text).toMatch(
        /^(INFO|WARNING|SEVERE) - Health Check notification with severity level: \1 - CPUC:Health Check Result:\[\[status=(GOOD|WARNING|CRITICAL), message='CPU%: (?:[1-9]\d*)?\.\d\d, Time CPU used: [^']*''\]'\]$/,
      );
    }
    // java.util.Date.toString() (ListHistoricHealthChecks.java L133: values[0] = new Date(…)), here in UTC.
    const dates = entries.map(({ time }) => {
      const [weekday, day, month, year, clock] = new Date(time).toUTCString().replace(',', '').split(' ');
      return `${weekday} ${month} ${day} ${clock} UTC ${year}`;
    });
    // ListHistoricHealthChecks.java L79: headers[] = {"Occurring Date", "Health Check Message"}; ColumnFormatter: each column as wide
    //   as its longest cell + 2, every cell padded.
    const layout = (count: number) => {
      const width = Math.max('Health Check Message'.length, ...texts.slice(0, count).map((text) => text.length)) + 2;
      const rows = texts.slice(0, count).map((text, index) => dates[index]!.padEnd(30) + text.padEnd(width));
      return `${['Occurring Date'.padEnd(30) + 'Health Check Message'.padEnd(width), ...rows].join('\n')}\n`;
    };
    expect(table).toMatchObject(success('list-historic-healthchecks', layout(2)));
    expect(newest).toMatchObject(success('list-historic-healthchecks', layout(1)));
  });

  it('5. the options and commands Payara accepts: --notifierEnabled, --historicalTraceStoreTimeout, --name, the one-shot, notifier-list-services', async () => {
    const box = sandbox();
    const [configure, name, oneShot, notifiers] = await Promise.all([
      box.run([
        'healthcheck-configure',
        '--enabled',
        '--historicalTraceEnabled',
        '--historicalTraceStoreTimeout',
        '5m',
        '--notifierEnabled',
        '--target=a',
      ]),
      box.run(['healthcheck-configure-service', '--serviceName=healthcheck-heap', '--enabled', '--name=HEAP-1', '--target=b']),
      box.run([
        'healthcheck-service-configure-checker-with-thresholds',
        '--serviceName',
        'healthcheck-cpu',
        '--enabled',
        '--time',
        '10',
        '--unit',
        'SECONDS',
        '--thresholdCritical',
        '95',
        '--dynamic=true',
        '--target=c',
      ]),
      box.run(['notifier-list-services']),
    ]);
    // HealthCheckConfigurer.java L114-116: @Deprecated @Param(name = "notifierEnabled", optional = true) (it switched the log notifier)
    expect(configure).toMatchObject({
      ...success('healthcheck-configure'),
      stderr:
        "Warning: --notifierEnabled is deprecated: in Payara it switched the health check's log notifier, which notifier does not have; it has no effect\n",
    });
    // HealthCheckServiceConfigurer.java L155: actionReport.appendMessage("\n--name parameter is decremented, please begin using the --checkerName option\n");
    expect(name).toMatchObject(
      success('healthcheck-configure-service', '\n--name parameter is decremented, please begin using the --checkerName option\n\n'),
    );
    // HealthCheckServiceThresholdConfigurer.java L185-197: "Critical threshold for {0} service is set with value {1}." (Warning…, Good… alike), each + "\n"
    expect(oneShot).toMatchObject(
      success(
        'healthcheck-service-configure-checker-with-thresholds',
        'Critical threshold for healthcheck-cpu service is set with value 95.\n' +
          'Warning threshold for healthcheck-cpu service is set with value 50.\n' +
          'Good threshold for healthcheck-cpu service is set with value 0.\n\n',
      ),
    );
    // NotifierServiceLister.java L96: "Available Notifier Services") + ":\n"; L101: sb.append("\t" + serviceHandle.getActiveDescriptor().getName() + "\n");
    expect(notifiers).toMatchObject(success('notifier-list-services', 'Available Notifier Services:\n\tservice-hipchat\n\n'));
    const { a, b, c } = stored(box).targets;
    expect(a.healthcheck).toMatchObject({ enabled: true, historicalTraceEnabled: true, historicalTraceStoreTimeout: '5m' });
    expect(b.healthcheck.checkers['healthcheck-heap'].checkerName).toBe('HEAP-1');
    expect(c.healthcheck.checkers['healthcheck-cpu']).toEqual({
      enabled: true,
      time: 10,
      unit: 'SECONDS',
      checkerName: 'CPUC',
      thresholds: { critical: 95, warning: 50, good: 0 },
    });
  });

  it("6. get-healthcheck-configuration is laid out as Payara's: status lines, notifier table, one table per kind, '-' for unstored thresholds", async () => {
    const box = sandbox();
    const checker = (checkerName: string, time = 5, unit = 'MINUTES') => ({ enabled: true, time, unit, checkerName });
    writeConfig(box, {
      server: {
        healthcheck: {
          enabled: true,
          historicalTraceEnabled: true,
          historicalTraceStoreSize: 20,
          historicalTraceStoreTimeout: '5m',
          hipchatNotifier: { enabled: true, noisy: true },
          checkers: {
            'healthcheck-stuck': checker('STUCK'),
            'healthcheck-gc': checker('GBGC', 10, 'SECONDS'),
            'healthcheck-cpu': { ...checker('CPUC'), thresholds: { critical: 90, warning: 70, good: 0 } },
            'healthcheck-threads': checker('HOGT', 1),
          },
        },
      },
      fresh: { healthcheck: { enabled: false, historicalTraceEnabled: false, historicalTraceStoreSize: 20, checkers: {} } },
    });
    const [full, fresh] = await Promise.all([
      box.run(['get-healthcheck-configuration']),
      box.run(['get-healthcheck-configuration', '--target=fresh']),
    ]);
    // GetHealthCheckConfiguration.java L148-161 (the status lines), L210 ("Below are the list …"), L97-103 (the headings),
    //   L133-136 (the tables in the order base, hogging threads, threshold, stuck threads), L244-248 (… : "-").
    expect(full).toMatchObject(
      success(
        'get-healthcheck-configuration',
        'Health Check Service Configuration is enabled?: true\n' +
          'Historical Tracing Enabled?: true\n' +
          'Historical Tracing Store Size: 20\n' +
          'Health Check Historical Tracing Store Timeout in Seconds: 5m\n' +
          'Name     Notifier Enabled  \n' +
          'HIPCHAT  true              \n' +
          'Below are the list of configuration details of each checker listed by its name.\n' +
          '\n' +
          'Name  Enabled  Time  Unit     Threshold Percentage  Retry Count  \n' +
          'HOGT  true     1     MINUTES  95                    3            \n' +
          '\n' +
          'Name  Enabled  Time  Unit     Critical Threshold  Warning Threshold  Good Threshold  \n' +
          'CPUC  true     5     MINUTES  90                  70                 0               \n' +
          'GBGC  true     10    SECONDS  -                   -                  -               \n' +
          '\n' +
          'Name   Enabled  Time  Unit     Threshold Time  Threshold Unit  \n' +
          'STUCK  true     5     MINUTES  5               MINUTES         \n' +
          '\n',
      ),
    );
    // No notifier: no notifier table (L176: if (!configuration.getNotifierList().isEmpty())).
    expect(fresh).toMatchObject(
      success(
        'get-healthcheck-configuration',
        'Health Check Service Configuration is enabled?: false\n' +
          'Below are the list of configuration details of each checker listed by its name.\n\n',
      ),
    );
  });

  it("7. the notification service is on by default, as in Payara's domain template", async () => {
    const box = sandbox();
    const [text, json] = await Promise.all([
      box.run(['get-notification-configuration']),
      box.run(['get-notification-configuration', '--json']),
    ]);
    // payara_template domain.xml L102: <notification-service-configuration enabled="true">
    // GetNotificationConfiguration.java L114: String headers[] = {"Enabled", "Notifier Enabled"}; (the HipChat notifier is not configured yet)
    expect(text).toMatchObject(success('get-notification-configuration', 'Enabled  Notifier Enabled  \ntrue     false             \n'));
    expect(JSON.parse(json.stdout)).toEqual({ target: 'server', enabled: true, notifierEnabled: false, notifierConfigured: false });
    expect(existsSync(box.configPath)).toBe(false);
  });

  it("8. healthcheck-configure-service-threshold --dynamic=true prints Payara's threshold lines; without it, nothing", async () => {
    const box = sandbox();
    await succeed(box, 'healthcheck-configure-service', '--serviceName=healthcheck-cpu', '--enabled');
    const THRESHOLD = 'healthcheck-configure-service-threshold';
    const [quiet, dynamic] = await Promise.all([
      box.run([THRESHOLD, '--serviceName', 'healthcheck-cpu', '--thresholdCritical', '90', '--target=server']),
      box.run([THRESHOLD, '--serviceName', 'healthcheck-cpu', '--thresholdCritical', '090', '--thresholdGood=5', '--dynamic=true']),
    ]);
    expect(quiet).toMatchObject(success(THRESHOLD));
    // HealthCheckServiceThresholdConfigurer.java L185, L191, L197: "Critical threshold for {0} service is set with value {1}."
    //   "Warning threshold for {0} service is set with value {1}." "Good threshold for {0} service is set with value {1}."
    //   each followed by appendMessage("\n"); the value as given.
    expect(dynamic).toMatchObject(
      success(
        THRESHOLD,
        'Critical threshold for healthcheck-cpu service is set with value 090.\n' +
          'Warning threshold for healthcheck-cpu service is set with value 50.\n' +
          'Good threshold for healthcheck-cpu service is set with value 5.\n\n',
      ),
    );
  });

  it('9. where notifier differs on purpose (the README table), it does what the table says', async () => {
    const box = sandbox();
    const [mistyped, anyCase, serverConfig] = await Promise.all([
      box.run([CONFIGURE, '--enabled', '--roomName=ops', '--tokn=SECRET-value']),
      box.run(['healthcheck-configure-service', '--serviceName', 'HEALTHCHECK-CPU', '--enabled', '--unit', 'seconds']),
      box.run(['get-healthcheck-configuration', '--target', 'server-config']),
    ]);
    // Parser.java L204-205: strings.get("parser.invalidOption", arg) names the whole argument; notifier leaves the value out.
    expect(mistyped).toMatchObject(failure(CONFIGURE, 2, 'Invalid option: --tokn. Did you mean --token?'));
    // MapInjectionResolver.java L639: paramValueStr.equals(s.trim()) is case-sensitive; notifier takes any case.
    expect(anyCase.code).toBe(0);
    expect(stored(box).targets.server.healthcheck.checkers['healthcheck-cpu']).toMatchObject({ unit: 'SECONDS', checkerName: 'CPUC' });
    // Payara resolves server-config to the DAS config; for notifier it is a target like any other.
    expect(serverConfig).toMatchObject(failure('get-healthcheck-configuration', 1, 'No such config named: server-config'));
  });
});
