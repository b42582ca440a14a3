// stop-local-hipchat: stops a local HipChat server that start-local-hipchat runs (--detach, or in another
// terminal) through its own API: POST /_local/shutdown with its token, then waits until it is gone. No
// signal is ever sent, so a stale state file can never make it stop a process that is not ours.
import type { CommandSpec, ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import { abortableSleep } from '../util/sleep.js';
import type { CommandContext } from './shared/command.js';
import { BackgroundProcessError } from './shared/errors.js';
import {
  isRunning,
  listStates,
  readState,
  removeState,
  requestShutdown,
  stateFile,
  type LocalServerState,
} from './shared/local-hipchat-state.js';
import { wholeNumberOption } from './shared/option-values.js';

export const spec: CommandSpec = {
  name: 'stop-local-hipchat',
  details: [
    'Asks the server to stop through its API (POST /_local/shutdown with its token) and waits until it has: open requests answered, the data folder written and released.',
    'Without --port it stops the one server that runs; when several run, give --port. A server that is not running is not an error: the command says so and succeeds, so that stopping is safe to repeat.',
  ].join('\n'),
  options: [
    { name: 'port', type: 'string', valueName: 'N', description: 'the port of the server to stop (default: the only one running)' },
  ],
  examples: [
    { description: 'Stop the server started with --detach', command: 'notifier stop-local-hipchat' },
    { description: 'Stop the one on port 9090', command: 'notifier stop-local-hipchat --port 9090' },
  ],
};

const STOP_WAIT_MS = 10_000;
const STOP_POLL_MS = 20;
/** A server that no longer answers but left its state file is taken for gone after this long. */
const GONE_AFTER_MS = 1000;

/** The servers that answer as the instance their state file names; the files of those that are gone are removed. */
async function running(entries: { path: string; state: LocalServerState }[]): Promise<{ path: string; state: LocalServerState }[]> {
  const alive = await Promise.all(entries.map(async (entry) => ((await isRunning(entry.state)) ? entry : undefined)));
  for (const [index, entry] of entries.entries()) if (alive[index] === undefined) removeState(entry.path, entry.state.pid);
  return alive.filter((entry) => entry !== undefined);
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const port = wholeNumberOption(args, 'port', { min: 1, max: 65_535, reason: 'it must be a whole number from 1 to 65535' });
  const candidates =
    port === undefined
      ? listStates(context.env)
      : [{ path: stateFile(context.env, port), state: readState(stateFile(context.env, port)) }].filter(
          (entry): entry is { path: string; state: LocalServerState } => entry.state !== undefined,
        );
  const servers = await running(candidates);
  if (servers.length === 0) {
    context.warn(port === undefined ? 'No local HipChat server is running' : `No local HipChat server is running on port ${port}`);
    return;
  }
  if (servers.length > 1) {
    throw new UsageError(`Local HipChat servers run on ports ${servers.map((s) => s.state.port).join(', ')}: give --port`);
  }
  const { path, state } = servers[0]!;
  if (!(await requestShutdown(state))) {
    throw new BackgroundProcessError(`The local HipChat server on port ${state.port} (pid ${state.pid}) refused to stop`);
  }
  // Gone once it has removed its state file, its last act (after its data folder is released). A server
  // that stopped answering without removing it (killed meanwhile) is gone too, a moment later.
  const deadline = Date.now() + STOP_WAIT_MS;
  let silentSince: number | undefined;
  while (readState(path)?.instance === state.instance) {
    const now = Date.now();
    if (await isRunning(state)) silentSince = undefined;
    else if (now - (silentSince ??= now) > GONE_AFTER_MS) {
      removeState(path, state.pid);
      break;
    }
    if (now > deadline) {
      throw new BackgroundProcessError(
        `The local HipChat server on port ${state.port} (pid ${state.pid}) did not stop within ${STOP_WAIT_MS / 1000} s`,
      );
    }
    await abortableSleep(STOP_POLL_MS);
  }
  context.print(`Local HipChat server on port ${state.port} stopped (pid ${state.pid})`);
}
