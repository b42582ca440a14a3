// Row 5: peak RSS of one --ndjson run streaming its notifications from stdin, at two sizes: it must stay
// under the limit and not grow with the count. Server limits off, --rateLimit far above what is sent.
import { CLI, configuredEnv, inputs, median, peakRssMb, startServer } from '../support.mjs';

const SIZES = [10_000, 100_000];
const LIMIT_MB = 150;
/** Flat: the larger run may take at most this much more than the smaller one. */
const FLAT = 1.1;

export async function memory({ runs }) {
  const server = await startServer();
  try {
    const env = await configuredEnv(server, '100000/1s');
    const peaks = [];
    for (const count of SIZES) {
      const { ndjson } = inputs(`memory-${count}`, count);
      const samples = [];
      for (let run = 0; run < runs; run++) {
        samples.push(await peakRssMb(process.execPath, [CLI, 'send-hipchat-notification', '--ndjson'], { env, stdin: ndjson }));
        // The server keeps every request; only the count matters here.
        if (server.delivered().length !== count) throw new Error(`memory: ${server.delivered().length} of ${count} delivered`);
        server.requests.length = 0;
      }
      peaks.push(median(samples));
    }
    const [small, large] = peaks;
    const format = (count) => count.toLocaleString('en-US').replace(/,/g, ' ');
    return [
      {
        what: `peak RSS, ${format(SIZES[0])} notifications streamed from stdin`,
        value: `${small.toFixed(1)} MB`,
        goal: `< ${LIMIT_MB} MB`,
        met: small < LIMIT_MB,
      },
      {
        what: `peak RSS, ${format(SIZES[1])} notifications streamed from stdin`,
        value: `${large.toFixed(1)} MB`,
        baseline: `${format(SIZES[0])}: ${small.toFixed(1)} MB`,
        ratio: `${(large / small).toFixed(2)}×`,
        goal: `< ${LIMIT_MB} MB and flat (≤ ${FLAT}×)`,
        met: large < LIMIT_MB && large / small <= FLAT,
      },
    ];
  } finally {
    await server.close();
  }
}
