// What the notification service's end-to-end tests share: the seed scenario's configuration, a
// service process whose log a test can wait on, and waiting for deliveries.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { serviceFolder } from '../../src/service/control.js';
import { inspectPidFile } from '../../src/service/pid-file.js';
import { capturedOutputs, CLI, createSandbox, type Sandbox } from './cli.js';
import {
  startHipChatServer,
  TEST_TOKEN,
  type HipChatServerOptions,
  type HipChatTestServer,
  type RecordedRequest,
} from './hipchat-server.js';
import { waitFor } from './wait.js';

/**
 * What a service test file shares, as hooks: a fresh sandbox per test (the same object, refilled), the
 * service processes and HipChat servers a test started (killed and closed after it), and at the end of
 * the file the check that no output held the token.
 */
export function useServiceTestSetup(): {
  sandbox: Sandbox;
  services: ChildProcess[];
  startServer(options?: HipChatServerOptions): Promise<HipChatTestServer>;
} {
  const sandbox = {} as Sandbox;
  const services: ChildProcess[] = [];
  const servers: HipChatTestServer[] = [];
  beforeEach(() => {
    Object.assign(sandbox, createSandbox());
  });
  afterEach(async () => {
    for (const service of services.splice(0)) if (service.exitCode === null) service.kill('SIGKILL');
    // And those a failed test left running in the background (--detach): proven to be this sandbox's services.
    for (const pid of detachedServices(sandbox)) process.kill(pid, 'SIGKILL');
    await Promise.all(servers.splice(0).map((server) => server.close()));
    sandbox.remove();
  });
  afterAll(() => {
    expect(capturedOutputs.filter((output) => output.includes(TEST_TOKEN))).toEqual([]);
  });
  // The outage tests close a server and open it again on its port. Other test files, run at the same time,
  // listen on port 0 of 127.0.0.1 and may be given that port in between; the service would then deliver to their
  // server. On a loopback address of each sandbox's own, nobody else can take it.
  let host = '127.0.0.1';
  beforeEach(() => {
    host = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
  });
  const startServer = async (options: HipChatServerOptions = {}) => {
    const server = await startHipChatServer({ host, ...options });
    servers.push(server);
    return server;
  };
  return { sandbox, services, startServer };
}

/** The pids of the services running in the sandbox's state folder, each proven by its pid file. */
function detachedServices(sandbox: Sandbox): number[] {
  const services = join(sandbox.stateDir, 'services');
  const pidFiles = readdirSafe(services).flatMap((config) =>
    readdirSafe(join(services, config)).map((target) => join(services, config, target, 'service.pid')),
  );
  return pidFiles.flatMap((path) => {
    try {
      const state = inspectPidFile(path);
      return state.state === 'running' ? [state.record.pid] : [];
    } catch {
      return []; // a link or a folder where the pid file should be: nothing of ours runs from it
    }
  });
}

function readdirSafe(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

export async function cli(sandbox: Sandbox, ...args: string[]): Promise<void> {
  const result = await sandbox.run(args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
}

/**
 * The seed scenario's configuration: the HipChat notifier, the notification service, the health check and
 * the CPU checker (its first result comes after one period; the machine-memory checker's at once).
 */
export async function configureAll(
  sandbox: Sandbox,
  server: HipChatTestServer,
  checker: string[] = ['--time', '1', '--unit', 'SECONDS'],
  hipchat: string[] = [],
  serviceName = 'healthcheck-cpu',
): Promise<void> {
  const tokenFile = join(sandbox.dir, 'token');
  writeFileSync(tokenFile, TEST_TOKEN);
  await cli(
    sandbox,
    'notification-hipchat-configure',
    '--enabled',
    '--roomName',
    'ops',
    '--tokenFile',
    tokenFile,
    '--apiUrl',
    server.url,
    ...hipchat,
  );
  await cli(sandbox, 'notification-configure', '--enabled');
  await cli(sandbox, 'healthcheck-configure', '--enabled');
  await cli(sandbox, 'healthcheck-configure-service', '--serviceName', serviceName, '--enabled', ...checker);
}

/** A stored HipChat notifier section for the test server (a fast local rate), as a test writes it into the config file. */
export function hipchatSection(server: HipChatTestServer, enabled = true) {
  return { enabled, roomName: 'ops', token: TEST_TOKEN, dynamic: false, noisy: true, apiUrl: server.url, rateLimit: '1000/1s' };
}

export interface RunningService {
  child: ChildProcess;
  log(): string;
  /** The lines of the log that match, e.g. every ' queued: ' line. */
  matches(pattern: RegExp): string[];
  waitForLog(pattern: RegExp, count?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startService(sandbox: Sandbox, services: ChildProcess[], ...args: string[]): RunningService {
  const child = spawn(process.execPath, [CLI, 'start-notification-service', ...args], {
    env: sandbox.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  services.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  void exited.then(() => capturedOutputs.push(output));
  const matches = (pattern: RegExp) => output.split('\n').filter((line) => pattern.test(line));
  return {
    child,
    log: () => output,
    matches,
    async waitForLog(pattern, count = 1) {
      await waitFor(
        () => matches(pattern).length >= count || child.exitCode !== null,
        () => `${count} × ${pattern} in the service log:\n${output}`,
      );
      if (matches(pattern).length < count) throw new Error(`the service exited before ${count} × ${pattern}:\n${output}`);
    },
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

export function messages(requests: RecordedRequest[]): string[] {
  return requests.map((request) => (request.body as { message: string }).message);
}

export async function waitForDeliveries(server: HipChatTestServer | (() => RecordedRequest[]), count: number): Promise<void> {
  const delivered = typeof server === 'function' ? server : () => server.delivered();
  await waitFor(
    () => delivered().length >= count,
    () => `${count} deliveries (${delivered().length} so far)`,
  );
}

/** The folder of the service of the sandbox's default config file and this target. */
export function serviceFolderOf(sandbox: Sandbox, target = 'server', configPath = sandbox.configPath): string {
  return serviceFolder({ stateDir: sandbox.stateDir, configPath, target });
}

/** How many notifications the target's spool holds. */
export function spooled(sandbox: Sandbox, target = 'server'): number {
  const spool = join(serviceFolderOf(sandbox, target), 'spool');
  try {
    return readdirSync(spool).filter((name) => name.endsWith('.json')).length;
  } catch {
    return 0;
  }
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A CPU result as the service posts it: the subject with the origin (Payara's Message.addIdentifyingInfo),
 * then the result as HealthCheckResultEntry.toString writes it, with DecimalFormat("#.00") and
 * prettyPrintDuration's units. Groups: 1 the level, 2 the status.
 */
export const HEALTH_MESSAGE = new RegExp(
  `^Health Check notification with severity level: (SEVERE|WARNING|INFO|FINE)\\. \\(host:${escaped(hostname())}, server:server, domain:notifier,instance:server\\)\\n` +
    `CPUC:Health Check Result:\\[\\[status=(CRITICAL|WARNING|GOOD|FINE), message='CPU%: (?:[1-9]\\d*)?\\.\\d\\d, Time CPU used: (?:[1-9]\\d* minutes )?(?:[1-9]\\d* seconds )?(?:[1-9]\\d* milliseconds)?'']'\\]$`,
);
export const COLOR_OF_LEVEL: Record<string, string> = { SEVERE: 'red', WARNING: 'yellow', INFO: 'green', FINE: 'gray' };

/** The "Time CPU used: …" of a CPU result in milliseconds, as prettyPrintDuration wrote it ('' for none). */
export function cpuTimeUsedMs(message: string): number {
  const used = /Time CPU used: ((?:\d+ \w+ ?)*)/.exec(message);
  if (!used) throw new Error(`no "Time CPU used" in ${message}`);
  const unit: Record<string, number> = { minutes: 60_000, seconds: 1000, milliseconds: 1 };
  return [...used[1]!.matchAll(/(\d+) (\w+)/g)].reduce((sum, [, count, name]) => sum + Number(count) * unit[name!]!, 0);
}
