// Row 3: 2000 notifications in one --ndjson run against the bare node:http keep-alive loop posting the same 2000
// in order (bench/http-loop.mjs), both to a server sending HipChat's rate-limit headers (roomy limits); the curl
// loop (bench/curl-send.sh, one curl process per notification: the shell user's way) for scale, and the same
// --ndjson run against a server sending no such headers, for comparison. --rateLimit far above what is sent.
import {
  CLI,
  configuredEnv,
  count,
  CURL_SEND,
  formatMs,
  HTTP_LOOP,
  inputs,
  interleaved,
  median,
  rawSenderEnv,
  startServer,
  timed,
} from '../support.mjs';

const COUNT = 2000;
/** curl costs the same per notification whatever the count (a process each): a sample of this many per round is timed and scaled. */
const CURL_SAMPLE = 100;
const GOAL = 1.6;

/** Times `run` and checks that `server` accepted exactly `expected` more notifications meanwhile. */
const delivering = (name, server, expected, run) => async () => {
  const before = server.accepted();
  const { ms } = await run();
  const delivered = server.accepted() - before;
  if (delivered !== expected) throw new Error(`bulk: ${name} delivered ${delivered} of ${expected}`);
  return ms;
};

export async function bulk({ runs }) {
  const server = await startServer();
  const bare = await startServer({ headers: false });
  try {
    const env = await configuredEnv(server, '100000/1s');
    const bareEnv = await configuredEnv(bare, '100000/1s');
    const { ndjson } = inputs('bulk', COUNT);
    const sample = inputs('bulk-curl', CURL_SAMPLE).bodies;
    const send = (environment) => () =>
      timed(process.execPath, [CLI, 'send-hipchat-notification', '--ndjson'], { env: environment, stdin: ndjson });
    const samples = await interleaved(runs, [
      delivering('--ndjson', server, COUNT, send(env)),
      delivering('the http loop', server, COUNT, () => timed(process.execPath, [HTTP_LOOP], { env: rawSenderEnv(server), stdin: ndjson })),
      delivering('curl', server, CURL_SAMPLE, () => timed('bash', [CURL_SEND], { env: rawSenderEnv(server), stdin: sample })),
      delivering('--ndjson without headers', bare, COUNT, send(bareEnv)),
    ]);
    const [notifier, loop, curlSample, noHeaders] = samples.map(median);
    const curl = curlSample * (COUNT / CURL_SAMPLE);
    const perMessageUs = ((notifier - loop) / COUNT) * 1000;
    const loopBaseline = `bare keep-alive loop: ${formatMs(loop)}`;
    return [
      {
        what: `${count(COUNT)} notifications: one \`send-hipchat-notification --ndjson\` run, server sending HipChat's headers`,
        value: formatMs(notifier),
        baseline: loopBaseline,
        ratio: `${(notifier / loop).toFixed(2)}× (+${perMessageUs.toFixed(0)} µs per message)`,
        goal: `≤ ${GOAL}×`,
        met: notifier / loop <= GOAL,
      },
      {
        what: `the baseline: a bare \`node:http\` keep-alive loop posting the same ${count(COUNT)} in order (bench/http-loop.mjs)`,
        value: formatMs(loop),
      },
      {
        what: `the shell user's baseline: ${count(COUNT)} curl processes (bench/curl-send.sh; ${CURL_SAMPLE} timed per round, × ${COUNT / CURL_SAMPLE})`,
        value: formatMs(curl),
        baseline: `\`--ndjson\`: ${formatMs(notifier)}`,
        ratio: `\`--ndjson\` ${(curl / notifier).toFixed(1)}× faster`,
      },
      {
        what: `for comparison: the same \`--ndjson\` run against a server sending no rate-limit headers`,
        value: formatMs(noHeaders),
        baseline: loopBaseline,
        ratio: `${(noHeaders / loop).toFixed(2)}×`,
      },
    ];
  } finally {
    await server.close();
    await bare.close();
  }
}
