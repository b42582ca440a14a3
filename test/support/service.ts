// What the notification service's end-to-end tests share: the seed scenario's configuration, a
// service process whose log a test can wait on, and waiting for deliveries.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { capturedOutputs, CLI, type Sandbox } from './cli.js';
import { TEST_TOKEN, type HipChatTestServer, type RecordedRequest } from './hipchat-server.js';
import { waitFor } from './wait.js';

export async function cli(sandbox: Sandbox, ...args: string[]): Promise<void> {
  const result = await sandbox.run(args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
}

/** The seed scenario's configuration: the HipChat notifier, the notification service, the health check and the CPU checker. */
export async function configureAll(
  sandbox: Sandbox,
  server: HipChatTestServer,
  checker: string[] = ['--time', '1', '--unit', 'SECONDS'],
  hipchat: string[] = [],
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
  await cli(sandbox, 'healthcheck-configure-service', '--serviceName', 'healthcheck-cpu', '--enabled', ...checker);
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

/** How many notifications the target's spool holds. */
export function spooled(sandbox: Sandbox, target = 'server'): number {
  const spool = join(sandbox.stateDir, 'services', encodeURIComponent(target), 'spool');
  try {
    return readdirSync(spool).filter((name) => name.endsWith('.json')).length;
  } catch {
    return 0;
  }
}

export const HEALTH_MESSAGE =
  /^Health Check notification with severity level: (SEVERE|WARNING|INFO|FINE)\. \(host:[^,]+, server:server\)\nCPUC:Health Check Result:\[\[status=(CRITICAL|WARNING|GOOD|FINE), message='CPU%: \d+\.\d\d, Time CPU used: \d+ seconds \d+ milliseconds'\]\]$/;
export const COLOR_OF_LEVEL: Record<string, string> = { SEVERE: 'red', WARNING: 'yellow', INFO: 'green', FINE: 'gray' };
