// stop-notification-service: asks the running notification service of the config file and target to
// stop (SIGTERM) and waits until it has: the request in flight finished, the rest kept in the spool. Only
// a process proven to be that service is signalled (see service/pid-file.ts).
import type { CommandSpec, ParsedArgs } from '../cli/asadmin/options.js';
import { resolveStateDir } from '../config/paths.js';
import { existingServiceFolder, pidFile, type ServiceId } from '../service/control.js';
import { ServiceError } from '../service/errors.js';
import { inspectPidFile, judge, removeStalePidFile, unproven } from '../service/pid-file.js';
import { describeErrno } from '../util/errno.js';
import { abortableSleep } from '../util/sleep.js';
import type { CommandContext } from './shared/command.js';
import { targetName, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'stop-notification-service',
  details: [
    'Stops the service started with the same config file (--config, $NOTIFIER_CONFIG or the default) and --target.',
    'A service that is not running is not an error: the command says so and succeeds, so that stopping is safe to repeat.',
    'Only a process proven to be that service is signalled (same pid, start time and command line as recorded in its pid file); where that cannot be checked (no /proc), nothing is signalled and the command fails.',
  ].join('\n'),
  options: [targetOption],
  examples: [
    { description: 'Stop the service of the default target', command: 'notifier stop-notification-service' },
    { description: 'Stop the one started from another config file', command: 'notifier --config ops.json stop-notification-service' },
  ],
};

const STOP_WAIT_MS = 10_000;
const STOP_POLL_MS = 50;

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const id: ServiceId = { stateDir: resolveStateDir(context.env), configPath: context.configPath, target: targetName(args) };
  const path = pidFile(id);
  const current = existingServiceFolder(id) ? inspectPidFile(path) : ({ state: 'none' } as const);
  if (current.state === 'none') {
    context.warn(`No notification service is running for target ${id.target}`);
    return;
  }
  if (current.state === 'stale') {
    await removeStalePidFile(path);
    context.warn(
      `No notification service is running for target ${id.target} (${current.reason}: the pid file was removed, nothing was signalled)`,
    );
    return;
  }
  if (current.state === 'unproven')
    throw unproven(id, current, 'nothing was signalled', `If it is, stop it with kill ${current.record.pid}; if not, remove ${path}.`);

  const { record } = current;
  try {
    process.kill(record.pid, 'SIGTERM');
  } catch (error) {
    throw new ServiceError(`Cannot stop the notification service of target ${id.target} (pid ${record.pid}): ${describeErrno(error)}`);
  }
  const deadline = Date.now() + STOP_WAIT_MS;
  // Until that process is gone: a new process that gets its pid meanwhile is not it.
  while (judge(record).state === 'running') {
    if (Date.now() > deadline)
      throw new ServiceError(
        `The notification service of target ${id.target} (pid ${record.pid}) did not stop within ${STOP_WAIT_MS / 1000} s`,
      );
    await abortableSleep(STOP_POLL_MS);
  }
  context.print(`Notification service for target ${id.target} stopped (pid ${record.pid})`);
}
