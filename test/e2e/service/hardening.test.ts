// The notification service's commands against hostile cases (issue 14) and the rough edges of issue 10:
// pid files that name -1, 0, 1.5 or a reused pid (run inside a private pid namespace, so that nothing
// outside it can be signalled), links and open permissions in the state and config folders, a spool
// the service may not write, simultaneous starts, SIGHUP and SIGQUIT, and two config files.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidFile, prepareServiceFolder, serviceFolder, type ServiceId } from '../../../src/service/control.js';
import { capturedOutputs, CLI, createSandbox, hasStackTrace, permissionTestIds, PROJECT_ROOT, type Sandbox } from '../../support/cli.js';
import { TEST_TOKEN, type HipChatTestServer } from '../../support/hipchat-server.js';
import { startService, useServiceTestSetup, waitForDeliveries } from '../../support/service.js';
import { waitFor } from '../../support/wait.js';

const { sandbox, services, startServer } = useServiceTestSetup();

const idOf = (box: Sandbox, target = 'server', configPath = box.configPath): ServiceId => ({ stateDir: box.stateDir, configPath, target });

/** A configuration with the whole chain on and the machine-memory checker (its first result at once). */
function writeConfig(path: string, server: HipChatTestServer, periodMs = 200): void {
  const target = {
    hipchat: { enabled: true, roomName: 'ops', token: TEST_TOKEN, dynamic: false, noisy: true, apiUrl: server.url, rateLimit: '100/1s' },
    notification: { enabled: true },
    healthcheck: {
      enabled: true,
      historicalTraceEnabled: false,
      historicalTraceStoreSize: 20,
      hipchatNotifier: { enabled: true, noisy: true },
      checkers: { 'healthcheck-machinemem': { enabled: true, time: periodMs, unit: 'MILLISECONDS', checkerName: 'MEMM' } },
    },
  };
  writeFileSync(path, JSON.stringify({ version: 1, targets: { server: target } }), { mode: 0o600 });
}

function oneLineFailure(stderr: string, command: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(2);
  expect(lines[1]).toBe(`Command ${command} failed.`);
  return lines[0]!;
}

describe('pid files, inside a private pid namespace', () => {
  const NAMESPACE = ['-Upf', '--mount-proc', '-r'];
  const probe = spawnSync('unshare', [...NAMESPACE, process.execPath, '-e', 'process.exit(process.pid === 1 ? 0 : 1)']);
  const namespaceWorks = probe.status === 0;
  const STARTED_AT = '2026-01-01T00:00:00.000Z';
  type Outcome = {
    runs: { code: number | null; stdout: string; stderr: string }[];
    sentinelPid: number;
    sentinelAlive: boolean;
    pidFileLeft: boolean;
  };
  let box: Sandbox;
  let outcomes: Record<string, Outcome>;

  const CASES = [
    { name: '-1', content: `{"pid": -1, "startedAt": "${STARTED_AT}"}` },
    { name: '0', content: `{"pid": 0, "startedAt": "${STARTED_AT}"}` },
    { name: '1.5', content: `{"pid": 1.5, "startedAt": "${STARTED_AT}"}` },
    // An old pid file (pid only) naming a process whose command line mentions start-notification-service.
    { name: 'loose match', content: `{"pid": SENTINEL_PID, "startedAt": "${STARTED_AT}"}` },
    // The service's full record, but under its pid runs another process now (another start time).
    {
      name: 'reused pid',
      content: `{"pid": SENTINEL_PID, "startedAt": "${STARTED_AT}", "configPath": "CONFIG", "target": "reused pid", "process": {"startTime": "1", "exe": "NODE", "argv": ["NODE", "CLI", "start-notification-service"]}}`,
    },
    { name: 'no /proc', content: `{"pid": SENTINEL_PID, "startedAt": "${STARTED_AT}"}`, noProc: true },
    // A pid file that made every start refuse; then the service that replaced it is stopped by its proof.
    {
      name: 'start over 1.5',
      content: `{"pid": 1.5, "startedAt": "${STARTED_AT}"}`,
      args: [['start-notification-service', '--detach'], ['stop-notification-service']],
    },
  ];

  beforeAll(() => {
    if (!namespaceWorks) return;
    box = createSandbox();
    const cases = CASES.map((testCase) => {
      const id = idOf(box, testCase.name);
      prepareServiceFolder(id);
      return { ...testCase, content: testCase.content.replace('CONFIG', box.configPath), target: testCase.name, pidFile: pidFile(id) };
    });
    // setsid: the namespace in a session of its own, so that no signal to a process group reaches this runner.
    const result = spawnSync(
      'setsid',
      [
        '--wait',
        'unshare',
        ...NAMESPACE,
        process.execPath,
        join(PROJECT_ROOT, 'test', 'support', 'pid-namespace.mjs'),
        CLI,
        JSON.stringify(cases),
        JSON.stringify(box.env),
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    if (result.status !== 0) throw new Error(`the pid namespace run failed (${result.status}): ${result.stderr}`);
    outcomes = JSON.parse(result.stdout) as Record<string, Outcome>;
    for (const outcome of Object.values(outcomes)) for (const run of outcome.runs) capturedOutputs.push(run.stdout, run.stderr);
  }, 60_000);
  afterAll(() => box?.remove());

  const ready = it.skipIf(!namespaceWorks);
  if (!namespaceWorks) it.skip(`needs unshare -Upf --mount-proc -r (util-linux): ${probe.stderr}`, () => {});

  ready.each(['-1', '0', '1.5'])('issue 14 #1: a pid file saying %s signals nothing, is removed, and stop says why', (name) => {
    const { runs, sentinelAlive, pidFileLeft } = outcomes[name]!;
    expect(runs[0]).toMatchObject({
      code: 0,
      stdout: 'Command stop-notification-service executed successfully.\n',
      stderr: `Warning: No notification service is running for target ${name} (the pid file names pid ${name}, which is not a single process: the pid file was removed, nothing was signalled)\n`,
    });
    expect(sentinelAlive).toBe(true);
    expect(pidFileLeft).toBe(false);
  });

  ready('issue 14 #1: a pid file saying 1.5 no longer blocks a start; the new service is stopped by its proof', () => {
    const [start, stop] = outcomes['start over 1.5']!.runs;
    expect(start!.code, start!.stderr).toBe(0);
    const pid = /\(pid (\d+)\)/.exec(start!.stdout)![1];
    expect(stop).toMatchObject({
      code: 0,
      stdout: `Notification service for target start over 1.5 stopped (pid ${pid})\nCommand stop-notification-service executed successfully.\n`,
    });
  });

  ready('issue 14 #2: a pid whose command line only mentions start-notification-service is not taken for the service', () => {
    const { runs, sentinelPid, sentinelAlive, pidFileLeft } = outcomes['loose match']!;
    expect(runs[0]!.code).toBe(1);
    expect(oneLineFailure(runs[0]!.stderr, 'stop-notification-service')).toBe(
      `Cannot tell whether pid ${sentinelPid} is the notification service for target loose match (config ${box.configPath}): the pid file does not record when that process started; nothing was signalled. If it is, stop it with kill ${sentinelPid}; if not, remove ${pidFile(idOf(box, 'loose match'))}.`,
    );
    expect(sentinelAlive).toBe(true);
    expect(pidFileLeft).toBe(true);
  });

  ready('issue 14 #2: a reused pid (same number, another start time) signals nothing and counts as not running', () => {
    const { runs, sentinelPid, sentinelAlive, pidFileLeft } = outcomes['reused pid']!;
    expect(runs[0]).toMatchObject({
      code: 0,
      stderr: `Warning: No notification service is running for target reused pid (pid ${sentinelPid} is now another process: the pid file was removed, nothing was signalled)\n`,
    });
    expect(sentinelAlive).toBe(true);
    expect(pidFileLeft).toBe(false);
  });

  ready('issue 14 #1: without a readable /proc nothing is proven, so nothing is signalled, and stop says so', () => {
    const { runs, sentinelPid, sentinelAlive, pidFileLeft } = outcomes['no /proc']!;
    expect(runs[0]!.code).toBe(1);
    expect(oneLineFailure(runs[0]!.stderr, 'stop-notification-service')).toMatch(
      new RegExp(
        `^Cannot tell whether pid ${sentinelPid} is the notification service for target no /proc \\(config .*\\): there is no /proc to check it in; nothing was signalled\\. `,
      ),
    );
    expect(sentinelAlive).toBe(true);
    expect(pidFileLeft).toBe(true);
  });
});

describe('links and permissions in the state and config folders', () => {
  it('issue 14 #3: links in the state folder are never followed: reload, service.log, service.pid, spool', async () => {
    const folder = prepareServiceFolder(idOf(sandbox));
    const victim = join(sandbox.dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const elsewhere = join(sandbox.dir, 'elsewhere');
    mkdirSync(elsewhere);
    for (const name of ['reload', 'service.log']) symlinkSync(victim, join(folder, name));

    // The reload request replaces the link with a file of its own.
    const dynamic = await sandbox.run(['notification-configure', '--enabled', '--dynamic=true']);
    expect(dynamic.code, dynamic.stderr).toBe(0);
    expect(lstatSync(join(folder, 'reload')).isFile()).toBe(true);

    const detached = await sandbox.run(['start-notification-service', '--detach']);
    expect(detached.code).toBe(1);
    const log = join(folder, 'service.log');
    expect(oneLineFailure(detached.stderr, 'start-notification-service')).toBe(
      `Log file ${log} is a symbolic link; notifier does not follow links here: remove it`,
    );

    unlinkSync(log);
    symlinkSync(victim, join(folder, 'service.pid'));
    const linkedPid = await sandbox.run(['start-notification-service'], { timeoutMs: 10_000 });
    expect(linkedPid.code).toBe(1);
    expect(oneLineFailure(linkedPid.stderr, 'start-notification-service')).toBe(
      `Pid file ${join(folder, 'service.pid')} is a symbolic link; notifier does not follow links here: remove it`,
    );

    unlinkSync(join(folder, 'service.pid'));
    symlinkSync(elsewhere, join(folder, 'spool'));
    const linkedSpool = await sandbox.run(['start-notification-service'], { timeoutMs: 10_000 });
    expect(linkedSpool.code).toBe(1);
    expect(oneLineFailure(linkedSpool.stderr, 'start-notification-service')).toBe(
      `Folder ${join(folder, 'spool')} is a symbolic link; notifier does not follow links here: remove it`,
    );

    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readlinkSync(join(folder, 'spool'))).toBe(elsewhere);
  });

  it('issue 14 #3: a state folder writable by others (0777) is refused with one line', async () => {
    mkdirSync(sandbox.stateDir, { recursive: true });
    chmodSync(sandbox.stateDir, 0o777);
    const result = await sandbox.run(['start-notification-service'], { timeoutMs: 10_000 });
    expect(result.code).toBe(1);
    expect(oneLineFailure(result.stderr, 'start-notification-service')).toBe(
      `State folder ${sandbox.stateDir} is writable by group and others (mode 0777); run chmod go-w ${sandbox.stateDir}`,
    );
    expect(existsSync(join(sandbox.stateDir, 'services'))).toBe(false);
  });

  it('issue 14 #3: a config folder 0777 and a config file 0666 are refused (anyone could redirect the token); a 0644 file is warned about', async () => {
    const configured = await sandbox.run([
      'notification-hipchat-configure',
      '--enabled',
      '--roomName=ops',
      `--token=${TEST_TOKEN}`,
      '--apiUrl=http://127.0.0.1:9',
    ]);
    expect(configured.code, configured.stderr).toBe(0);
    const folder = join(sandbox.configPath, '..');
    const get = () => sandbox.run(['get-hipchat-notifier-configuration', '--maskToken']);

    chmodSync(folder, 0o777);
    let result = await get();
    expect(result.code).toBe(1);
    expect(oneLineFailure(result.stderr, 'get-hipchat-notifier-configuration')).toBe(
      `Config folder ${folder} is writable by group and others (mode 0777); run chmod go-w ${folder}`,
    );
    chmodSync(folder, 0o700);

    chmodSync(sandbox.configPath, 0o666);
    result = await get();
    expect(result.code).toBe(1);
    expect(oneLineFailure(result.stderr, 'get-hipchat-notifier-configuration')).toBe(
      `Config file ${sandbox.configPath} is writable by group and others (mode 0666), so anyone could redirect its token: run chmod 600 ${sandbox.configPath}`,
    );

    chmodSync(sandbox.configPath, 0o644);
    result = await get();
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `Warning: Config file ${sandbox.configPath} is readable by group and others (mode 0644) and holds a token: run chmod 600 ${sandbox.configPath}\n`,
    );
    // A write puts it back to 0600.
    expect((await sandbox.run(['notification-configure', '--enabled'])).code).toBe(0);
    expect(statSync(sandbox.configPath).mode & 0o777).toBe(0o600);
  });
});

describe('a spool the service may not write', () => {
  const ids = permissionTestIds();

  it.skipIf(!ids)(
    'issue 14 #4: EACCES on the spool: logged, no crash, notifications still sent; SIGTERM exits 0 and releases the pid file',
    async () => {
      const server = await startServer();
      // Run as nobody when root (root writes anywhere): its own state folder and config file.
      const own = (path: string) => (ids?.uid === undefined ? undefined : chownSync(path, ids.uid, ids.gid!));
      const stateDir = join(sandbox.dir, 'state');
      const configDir = join(sandbox.dir, 'config');
      for (const folder of [stateDir, configDir]) {
        mkdirSync(folder, { mode: 0o700 });
        own(folder);
      }
      const configPath = join(configDir, 'config.json');
      writeConfig(configPath, server);
      own(configPath);
      const child = spawn(process.execPath, [CLI, 'start-notification-service'], {
        env: { ...sandbox.env, NOTIFIER_STATE_DIR: stateDir, NOTIFIER_CONFIG: configPath },
        stdio: ['ignore', 'pipe', 'pipe'],
        ...ids,
      });
      services.push(child);
      let output = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await waitForDeliveries(server, 1);

      const id: ServiceId = { stateDir, configPath, target: 'server' };
      const spool = join(serviceFolder(id), 'spool');
      chmodSync(spool, 0o500);
      await waitFor(
        () => output.includes(`cannot write the spool ${spool}: permission denied`),
        () => `the spool failure in the log:\n${output}`,
      );
      const before = server.delivered().length;
      await waitForDeliveries(server, before + 2);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      capturedOutputs.push(output);
      expect(hasStackTrace(output)).toBe(false);
      expect(existsSync(pidFile(id))).toBe(false);
      chmodSync(spool, 0o700);
    },
  );
});

describe('starting and stopping', () => {
  it('issue 14 #7: ten simultaneous starts over a stale pid file leave exactly one service', async () => {
    const id = idOf(sandbox);
    prepareServiceFolder(id);
    // A stale pid file: the pid is alive (this test), but it is not the process that wrote it.
    const stale = {
      pid: process.pid,
      startedAt: '2026-01-01T00:00:00.000Z',
      configPath: sandbox.configPath,
      target: 'server',
      process: { startTime: '1', exe: process.execPath, argv: [process.execPath, CLI, 'start-notification-service'] },
    };
    writeFileSync(pidFile(id), JSON.stringify(stale), { mode: 0o600 });
    const starts = Array.from({ length: 10 }, () => startService(sandbox, services));
    await waitFor(
      () => starts.filter((start) => start.child.exitCode !== null).length === 9,
      () => `nine of ten starts to give up (${starts.map((start) => start.child.exitCode).join(', ')})`,
    );
    const running = starts.filter((start) => start.child.exitCode === null);
    expect(running).toHaveLength(1);
    for (const start of starts.filter((start) => start.child.exitCode !== null)) {
      expect(start.child.exitCode).toBe(1);
      expect(start.log()).toMatch(
        /^A notification service for target server \(config .*\) is already running \(pid \d+, since .*\)\nCommand start-notification-service failed\.\n$/,
      );
    }
    expect(JSON.parse(readFileSync(pidFile(id), 'utf8')).pid).toBe(running[0]!.child.pid);
    expect(await running[0]!.stop()).toBe(0);
    expect(existsSync(pidFile(id))).toBe(false);
  });

  it.each(['SIGHUP', 'SIGQUIT'] as const)(
    'issue 14 (minor): %s takes the stop path of SIGTERM: exit 0, pid file released',
    async (signal) => {
      const service = startService(sandbox, services);
      await service.waitForLog(/configuration applied/);
      expect(existsSync(pidFile(idOf(sandbox)))).toBe(true);
      expect(await service.stop(signal)).toBe(0);
      expect(service.log()).toMatch(new RegExp(`INFO {4}stopping \\(${signal}\\)\n.*INFO {4}stopped; 0 notifications kept in the spool\n`));
      expect(existsSync(pidFile(idOf(sandbox)))).toBe(false);
    },
  );

  it('issue 10: a service is its config file and target: two configs, two services, each stopped by its own config', async () => {
    const other = join(sandbox.dir, 'other.json');
    const first = await sandbox.run(['start-notification-service', '--detach']);
    expect(first.code, first.stderr).toBe(0);
    const second = await sandbox.run(['--config', other, 'start-notification-service', '--detach']);
    expect(second.code, second.stderr).toBe(0);
    const [firstPid, secondPid] = [first, second].map((result) => Number(/\(pid (\d+)\)/.exec(result.stdout)![1]));
    expect(second.stdout).toContain(`log: ${join(serviceFolder(idOf(sandbox, 'server', other)), 'service.log')}`);

    const stopOther = await sandbox.run(['stop-notification-service', '--config', other]);
    expect(stopOther).toMatchObject({
      code: 0,
      stdout: `Notification service for target server stopped (pid ${secondPid})\nCommand stop-notification-service executed successfully.\n`,
    });
    expect(existsSync(pidFile(idOf(sandbox)))).toBe(true);
    const stopFirst = await sandbox.run(['stop-notification-service']);
    expect(stopFirst).toMatchObject({
      code: 0,
      stdout: `Notification service for target server stopped (pid ${firstPid})\nCommand stop-notification-service executed successfully.\n`,
    });

    // Everything the services wrote is private: folders 0700, files 0600.
    const walk = (path: string): string[] => [
      path,
      ...(statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => walk(join(path, name))) : []),
    ];
    for (const path of walk(sandbox.stateDir))
      expect([path, statSync(path).mode & 0o777]).toEqual([path, statSync(path).isDirectory() ? 0o700 : 0o600]);
  });
});

describe('targets named like Object.prototype properties', () => {
  // The store keeps constructor and hasOwnProperty too (test/unit/config/store.test.ts); here, what the commands say.
  it("issue 14 #21: configure --target __proto__ stores it and get shows it; get --target constructor is 'No such config named', exit 1", async () => {
    const configured = await sandbox.run(['notification-configure', '--enabled', '--target=__proto__']);
    expect(configured.code, configured.stderr).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(sandbox.configPath, 'utf8')).targets)).toEqual(['__proto__']);
    const shown = await sandbox.run(['get-notification-configuration', '--target=__proto__']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^Enabled +Notifier Enabled +\ntrue /);
    const missing = await sandbox.run(['get-notification-configuration', '--target=constructor']);
    expect(missing.code).toBe(1);
    expect(oneLineFailure(missing.stderr, 'get-notification-configuration')).toBe('No such config named: constructor');
  });
});
