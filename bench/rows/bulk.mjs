// Row 3: 2000 notifications in one --ndjson run against 2000 sequential curl processes, and the ceiling,
// a bare node:http keep-alive loop. Server limits off, --rateLimit far above what is sent.
import { CLI, configuredEnv, CURL_SEND, HTTP_LOOP, inputs, interleaved, median, rawSenderEnv, startServer, timed } from '../support.mjs';

const COUNT = 2000;
const GOAL = 10;

export async function bulk({ runs }) {
  const server = await startServer();
  try {
    const env = await configuredEnv(server, '100000/1s');
    const { ndjson, bodies } = inputs('bulk', COUNT);
    /** Times one contender and checks that it delivered all of them. */
    const delivering = (name, run) => async () => {
      const before = server.delivered().length;
      const { ms } = await run();
      const delivered = server.delivered().length - before;
      if (delivered !== COUNT) throw new Error(`bulk: ${name} delivered ${delivered} of ${COUNT}`);
      return ms;
    };
    const samples = await interleaved(runs, [
      delivering('curl', () => timed('bash', [CURL_SEND], { env: rawSenderEnv(server), stdin: bodies })),
      delivering('--ndjson', () => timed(process.execPath, [CLI, 'send-hipchat-notification', '--ndjson'], { env, stdin: ndjson })),
      delivering('the http loop', () => timed(process.execPath, [HTTP_LOOP], { env: rawSenderEnv(server), stdin: ndjson })),
    ]);
    const [curl, notifier, ceiling] = samples.map(median);
    const baseline = `${COUNT} curl processes: ${(curl / 1000).toFixed(2)} s`;
    return [
      {
        what: `${COUNT} notifications: one \`send-hipchat-notification --ndjson\` run`,
        value: `${(notifier / 1000).toFixed(2)} s`,
        baseline,
        ratio: `${(curl / notifier).toFixed(1)}× faster (${(notifier / ceiling).toFixed(2)}× the ceiling's time)`,
        goal: `≥ ${GOAL}× faster`,
        met: curl / notifier >= GOAL,
      },
      {
        what: `the ceiling: a bare \`node:http\` keep-alive loop posting the same ${COUNT} in order`,
        value: `${(ceiling / 1000).toFixed(2)} s`,
        baseline,
        ratio: `${(curl / ceiling).toFixed(1)}× faster`,
      },
    ];
  } finally {
    await server.close();
  }
}
