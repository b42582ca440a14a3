// start-notification-service: runs the target's notification service in the foreground (systemd,
// containers, CI), or with --detach in the background with its log in the state folder.
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import { resolveStateDir } from '../config/paths.js';
import { asServiceError, existingServiceFolder, logFile, pidFile, prepareServiceFolder, type ServiceId } from '../service/control.js';
import { alreadyRunning, claimPidFile, inspectPidFile, releasePidFile, unproven } from '../service/pid-file.js';
import type { LogLevel } from '../service/service.js';
import { DEFAULT_SPOOL_LIMIT } from '../service/spool.js';
import { startInBackground } from './shared/background.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { targetName, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'start-notification-service',
  details: [
    'Runs the health checks of the target and sends their results to HipChat, while the notification service, the HipChat notifier, the health check service, its HipChat notifier and a checker are enabled.',
    'A service is identified by its config file and its target: one service per config file and target; stop-notification-service with the same --config and --target stops it.',
    'Logs one line per event on stderr. SIGTERM, SIGINT (Ctrl-C), SIGHUP or SIGQUIT stops it within 5 seconds; notifications not yet sent stay in the spool and go out at the next start.',
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
    {
      description: 'A second service, from another config file',
      command: 'notifier --config ops.json start-notification-service --detach && notifier --config ops.json stop-notification-service',
    },
  ],
};

/** Each takes the same stop path: the checks stop, the request in flight finishes, the pid file goes. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];

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

/** Refuses early, before anything is started, when a service of this config and target runs (or may run). */
function refuseIfRunning(id: ServiceId): void {
  if (!existingServiceFolder(id)) return;
  const current = inspectPidFile(pidFile(id));
  if (current.state === 'running') throw alreadyRunning(id, current.record);
  if (current.state === 'unproven') throw unproven(id, current, 'no second service was started', `If none runs, remove ${pidFile(id)}.`);
}

/** Starts this same command without --detach as a background process; returns once it runs. */
async function detach(context: CommandContext, id: ServiceId, limit: number): Promise<void> {
  refuseIfRunning(id);
  prepareServiceFolder(id);
  const { pid, logPath } = await startInBackground({
    what: 'The notification service',
    args: ['start-notification-service', `--target=${id.target}`, `--spoolLimit=${limit}`, `--config=${id.configPath}`],
    env: context.env,
    logPath: logFile(id),
    // Ready once the pid file names the child as running.
    ready: (child) => {
      const current = inspectPidFile(pidFile(id));
      return current.state === 'running' && current.record.pid === child ? true : undefined;
    },
  }).catch((error: unknown) => {
    throw asServiceError(error);
  });
  context.print(`Notification service for target ${id.target} started in the background (pid ${pid}); log: ${logPath}`);
}

/** Resolves with the first stop signal; from then on a second one has its default effect (it ends the process at once). */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const other of STOP_SIGNALS) process.off(other, onSignal);
      resolve(signal);
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  });
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const id: ServiceId = { stateDir: resolveStateDir(context.env), configPath: context.configPath, target: targetName(args) };
  const limit = spoolLimit(args);
  if (booleanOption(args, 'detach')) {
    await detach(context, id, limit);
    return {};
  }

  // Listening before anything is claimed: a signal during the start takes the stop path too.
  const stopped = stopSignal();
  prepareServiceFolder(id);
  const record = await claimPidFile(id);
  const log = (level: LogLevel, message: string) => context.report(logLine(level, message));
  try {
    const { NotificationService } = await import('../service/service.js');
    const service = new NotificationService({ ...id, env: context.env, log, spoolLimit: limit });
    log('INFO', `notification service for target ${id.target} starting (pid ${process.pid}, config ${record.configPath})`);
    if (!record.process)
      log(
        'WARNING',
        'there is no /proc to record this process in: stop-notification-service will not be able to prove it is the service, and will not signal it',
      );
    await service.start();
    const signal = await stopped;
    log('INFO', `stopping (${signal})`);
    await service.stop();
  } finally {
    releasePidFile(id, record);
  }
  return {};
}
