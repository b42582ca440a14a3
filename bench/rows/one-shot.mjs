// Row 2: one notification per process, notifier against a bash + curl one-shot posting the same body;
// `node -e 0` beside them shows how much of the difference is Node's own start-up.
import { CLI, configuredEnv, CURL_SEND, inputs, interleaved, median, rawSenderEnv, startServer, timed } from '../support.mjs';

const WARM_UP = 2;
const GOAL = 2;

export async function oneShot({ runs }) {
  const server = await startServer();
  try {
    // Far above what the runs send: the limiter never waits.
    const env = await configuredEnv(server, '100000/1s');
    // The same notification each time, as notifier sends it (inputs() calls it "one-shot 1").
    const { bodies } = inputs('one-shot', 1);
    const contenders = [
      () => timed('bash', [CURL_SEND], { env: rawSenderEnv(server), stdin: bodies }),
      () => timed(process.execPath, [CLI, 'send-hipchat-notification', '--message=one-shot 1'], { env }),
      // The notifier's environment: an inherited NODE_EXTRA_CA_CERTS alone would add tens of milliseconds.
      () => timed(process.execPath, ['-e', '0'], { env }),
    ];
    const samples = await interleaved(
      WARM_UP + runs,
      contenders.map((run) => async () => (await run()).ms),
    );
    const delivered = server.delivered().length;
    if (delivered !== 2 * (WARM_UP + runs))
      throw new Error(`one-shot: ${delivered} notifications delivered, expected ${2 * (WARM_UP + runs)}`);
    const [curl, notifier, node] = samples.map((values) => median(values.slice(WARM_UP)));
    const baseline = `bash + curl one-shot: ${curl.toFixed(1)} ms`;
    return [
      {
        what: 'one notification: one `send-hipchat-notification` process',
        value: `${notifier.toFixed(1)} ms`,
        baseline,
        ratio: `${(notifier / curl).toFixed(2)}×`,
        goal: `≤ ${GOAL}×`,
        met: notifier / curl <= GOAL,
      },
      {
        what: 'for scale: `node -e 0`, Node starting and doing nothing',
        value: `${node.toFixed(1)} ms`,
        baseline,
        ratio: `${(node / curl).toFixed(2)}×`,
      },
    ];
  } finally {
    await server.close();
  }
}
