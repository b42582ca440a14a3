// Row 1: start-up of the commands that do not send, against Node's own (`node -e 0`).
import { CLI, interleaved, median, runSync, sandboxEnv } from '../support.mjs';

const WARM_UP = 3;
const GOAL = 1.25;

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
  runSync(process.execPath, configure, env);
  const samples = await interleaved(
    WARM_UP + runs,
    cases.map((args) => () => runSync(process.execPath, args, env)),
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
