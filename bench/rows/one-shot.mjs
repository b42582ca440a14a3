// Row 2: one notification per process (a CI job's step), against `node -e 0`, beside what one notification
// costs at least from Node (a script doing one node:http POST of the same body: the floor; the same request
// written on a raw TCP socket) and from the shell (bash + curl). Every contender posts the same body to the
// same server, which sends HipChat's rate-limit headers; each delivery is counted.
import {
  body,
  CLI,
  configuredEnv,
  CURL_SEND,
  HTTP_POST,
  interleaved,
  median,
  rawSenderEnv,
  startServer,
  TCP_POST,
  textFile,
  timed,
} from '../support.mjs';

const WARM_UP = 2;
const GOAL = 2;
const MESSAGE = 'x';

export async function oneShot({ runs }) {
  const server = await startServer();
  try {
    // Far above what the runs send: the limiter never waits.
    const env = await configuredEnv(server, '100000/1s');
    const json = JSON.stringify(body(MESSAGE));
    const raw = rawSenderEnv(server, { BODY: json });
    const bodies = textFile('one-shot.bodies', `${json}\n`);
    const contenders = [
      { delivers: false, run: () => timed(process.execPath, ['-e', '0'], { env }) },
      { delivers: true, run: () => timed(process.execPath, [CLI, 'send-hipchat-notification', MESSAGE], { env }) },
      { delivers: true, run: () => timed(process.execPath, [HTTP_POST], { env: raw }) },
      { delivers: true, run: () => timed(process.execPath, [TCP_POST], { env: raw }) },
      { delivers: true, run: () => timed('bash', [CURL_SEND], { env: rawSenderEnv(server), stdin: bodies }) },
    ];
    const samples = await interleaved(
      WARM_UP + runs,
      contenders.map(({ delivers, run }) => async () => {
        const before = server.accepted();
        const { ms } = await run();
        const delivered = server.accepted() - before;
        if (delivered !== (delivers ? 1 : 0)) throw new Error(`one-shot: a run delivered ${delivered} notifications`);
        return ms;
      }),
    );
    const [node, notifier, post, tcp, curl] = samples.map((values) => median(values.slice(WARM_UP)));
    const baseline = `\`node -e 0\`: ${node.toFixed(1)} ms`;
    const line = (what, ms, extra = {}) => ({
      what,
      value: `${ms.toFixed(1)} ms`,
      baseline,
      ratio: `${(ms / node).toFixed(2)}×`,
      ...extra,
    });
    return [
      line('one notification: one `send-hipchat-notification x` process', notifier, {
        ratio: `${(notifier / node).toFixed(2)}× (${(notifier / post).toFixed(2)}× the floor)`,
        goal: `≤ ${GOAL}×`,
        met: notifier / node <= GOAL,
      }),
      line('the floor: a Node script doing one `node:http` POST of the same body', post),
      line('below the floor: the same POST written on a raw TCP socket (`node:net`)', tcp),
      line('for scale: bash + curl posting the same body (bench/curl-send.sh)', curl),
    ];
  } finally {
    await server.close();
  }
}
