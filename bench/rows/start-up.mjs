// Row 1: start-up of the commands that do not send, against Node's own (`node -e 0`).
import { spawnSync } from 'node:child_process';
import { CLI, interleaved, median, sandboxEnv } from '../support.mjs';

const WARM_UP = 3;
const GOAL = 1.3;

/**
 * Wall time of one run. Synchronous, unlike the other rows' timed(): nothing else runs in this process
 * here, and waiting in spawnSync adds the least to runs of some 30 ms.
 */
function runMs(args, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

export async function startUp({ runs }) {
  const env = sandboxEnv();
  const configure = [
    CLI,
    'notification-hipchat-configure',
    '--enabled',
    '--roomName=bench',
    '--token=benchToken0123456789',
    '--target=bench',
  ];
  // get prints the configuration that configure writes, as a user would see it.
  const cases = [['-e', '0'], [CLI, 'get-hipchat-notifier-configuration', '--target=bench'], configure];
  runMs(configure, env);
  const samples = await interleaved(
    WARM_UP + runs,
    cases.map((args) => () => runMs(args, env)),
  );
  const [node, get, set] = samples.map((values) => median(values.slice(WARM_UP)));
  const row = (what, ms) => ({
    what,
    value: `${ms.toFixed(1)} ms`,
    baseline: `\`node -e 0\`: ${node.toFixed(1)} ms`,
    ratio: `${(ms / node).toFixed(2)}×`,
    goal: `≤ ${GOAL}×`,
    met: ms / node <= GOAL,
  });
  return [row('start-up: `get-hipchat-notifier-configuration`', get), row('start-up: `notification-hipchat-configure`', set)];
}
