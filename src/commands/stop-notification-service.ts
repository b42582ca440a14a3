// stop-notification-service: asks the target's running notification service to stop (SIGTERM) and
// waits until it has: the request in flight finished, the rest kept in the spool.
import type { CommandSpec, ParsedArgs } from '../cli/asadmin/options.js';
import { resolveStateDir } from '../config/paths.js';
import { pidFile } from '../service/control.js';
import { ServiceError } from '../service/errors.js';
import { runningService } from '../service/pid-file.js';
import { isProcessAlive } from '../util/process.js';
import { abortableSleep } from '../util/sleep.js';
import type { CommandContext } from './shared/command.js';
import { targetName, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'stop-notification-service',
  details: 'A service that is not running is not an error: the command says so and succeeds, so that stopping is safe to repeat.',
  options: [targetOption],
  examples: [{ description: 'Stop the service of the default target', command: 'notifier stop-notification-service' }],
};

const STOP_WAIT_MS = 10_000;
const STOP_POLL_MS = 50;

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const target = targetName(args);
  const running = runningService(pidFile(resolveStateDir(context.env), target));
  if (!running) {
    context.warn(`No notification service is running for target ${target}`);
    return;
  }
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (isProcessAlive(running.pid)) {
    if (Date.now() > deadline)
      throw new ServiceError(
        `The notification service of target ${target} (pid ${running.pid}) did not stop within ${STOP_WAIT_MS / 1000} s`,
      );
    await abortableSleep(STOP_POLL_MS);
  }
  context.print(`Notification service for target ${target} stopped (pid ${running.pid})`);
}
