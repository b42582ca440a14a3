// start-notification-service: runs the target's notification service in the foreground (systemd,
// containers, CI), or with --detach in the background with its log in the state folder.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import { resolveStateDir } from '../config/paths.js';
import { pidFile, serviceFolder } from '../service/control.js';
import { ServiceError } from '../service/errors.js';
import { alreadyRunning, claimPidFile, releasePidFile, runningService } from '../service/pid-file.js';
import type { LogLevel } from '../service/service.js';
import { DEFAULT_SPOOL_LIMIT } from '../service/spool.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../util/file-modes.js';
import { abortableSleep } from '../util/sleep.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { targetName, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'start-notification-service',
  details: [
    'Runs the health checks of the target and sends their results to HipChat, while the notification service, the HipChat notifier, the health check service, its HipChat notifier and a checker are enabled.',
    'Logs one line per event on stderr. SIGTERM or Ctrl-C stops it within 5 seconds; notifications not yet sent stay in the spool and go out at the next start.',
    'Configuration changes made with --dynamic=true apply within a second; others at the next start.',
  ].join('\n'),
  options: [
    targetOption,
    { name: 'detach', type: 'boolean', description: 'run in the background; the log goes to the state folder' },
    {
      name: 'spoolLimit',
      type: 'string',
      valueName: 'N',
      defaultValue: String(DEFAULT_SPOOL_LIMIT),
      description: 'most notifications kept waiting; beyond it the oldest are dropped and reported',
    },
  ],
  examples: [
    { description: 'In the foreground, e.g. as a systemd service', command: 'notifier start-notification-service' },
    {
      description: 'In the background, then stop it',
      command: 'notifier start-notification-service --detach && notifier stop-notification-service',
    },
  ],
};

const DETACH_WAIT_MS = 10_000;
const DETACH_POLL_MS = 50;

function spoolLimit(args: ParsedArgs): number {
  const text = stringOption(args, 'spoolLimit');
  if (text === undefined) return DEFAULT_SPOOL_LIMIT;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1_000_000)
    throw new UsageError(`Invalid --spoolLimit: ${text} (expected a whole number from 1 to 1000000)`);
  return Number(text);
}

function logLine(level: LogLevel, message: string): string {
  return `${new Date().toISOString()} ${level.padEnd(7)} ${message}`;
}

/** Starts this same command without --detach as a background process; returns once it runs. */
async function detach(context: CommandContext, target: string, stateDir: string, limit: number): Promise<void> {
  const pidPath = pidFile(stateDir, target);
  const running = runningService(pidPath);
  if (running) throw alreadyRunning(target, running);
  const folder = serviceFolder(stateDir, target);
  makePrivateFolder(folder);
  const logPath = join(folder, 'service.log');
  const log = openSync(logPath, 'a', PRIVATE_FILE_MODE);
  const child = spawn(
    process.execPath,
    [process.argv[1]!, 'start-notification-service', `--target=${target}`, `--spoolLimit=${limit}`, `--config=${context.configPath}`],
    { detached: true, stdio: ['ignore', log, log], env: context.env },
  );
  closeSync(log);
  child.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + DETACH_WAIT_MS;
  while (Date.now() < deadline) {
    if (runningService(pidPath)?.pid === child.pid) {
      context.print(`Notification service for target ${target} started in the background (pid ${child.pid}); log: ${logPath}`);
      return;
    }
    const code = await Promise.race([exited, abortableSleep(DETACH_POLL_MS).then(() => undefined)]);
    if (code !== undefined) throw new ServiceError(`The notification service did not start (exit ${code}); see ${logPath}`);
  }
  throw new ServiceError(`The notification service did not start within ${DETACH_WAIT_MS / 1000} s; see ${logPath}`);
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const target = targetName(args);
  const limit = spoolLimit(args);
  const stateDir = resolveStateDir(context.env);
  if (booleanOption(args, 'detach')) {
    await detach(context, target, stateDir, limit);
    return {};
  }

  const pidPath = pidFile(stateDir, target);
  claimPidFile(pidPath, target);
  const { NotificationService } = await import('../service/service.js');
  const log = (level: LogLevel, message: string) => context.report(logLine(level, message));
  const service = new NotificationService({ configPath: context.configPath, stateDir, target, env: context.env, log, spoolLimit: limit });
  try {
    log('INFO', `notification service for target ${target} starting (pid ${process.pid})`);
    await service.start();
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    log('INFO', 'stopping');
    await service.stop();
  } finally {
    releasePidFile(pidPath);
  }
  return {};
}
