// Row 6: peak RSS of one --ndjson run streaming its notifications from stdin, at two sizes: it must stay under the
// limit and not grow with the count. The server sends HipChat's headers (roomy limits); --rateLimit far above
// what is sent. `node -e 0` for scale.
import { childEnv, CLI, configuredEnv, count, inputs, median, peakRssMb, startServer } from '../support.mjs';

const SIZES = [10_000, 100_000];
const LIMIT_MB = 90;
/** Flat: the larger run may take at most this much more than the smaller one. */
const FLAT = 1.1;

export async function memory({ runs }) {
  const server = await startServer();
  try {
    const env = await configuredEnv(server, '100000/1s');
    const peaks = [];
    for (const size of SIZES) {
      const { ndjson } = inputs(`memory-${size}`, size);
      const samples = [];
      for (let run = 0; run < runs; run++) {
        const before = server.accepted();
        samples.push(await peakRssMb(process.execPath, [CLI, 'send-hipchat-notification', '--ndjson'], { env, stdin: ndjson }));
        const delivered = server.accepted() - before;
        if (delivered !== size) throw new Error(`memory: ${delivered} of ${size} delivered`);
      }
      peaks.push(median(samples));
    }
    const node = await peakRssMb(process.execPath, ['-e', '0'], { env: childEnv() });
    const [small, large] = peaks;
    return [
      {
        what: `peak RSS, ${count(SIZES[0])} notifications streamed through \`--ndjson\``,
        value: `${small.toFixed(1)} MB`,
        baseline: `\`node -e 0\`: ${node.toFixed(1)} MB`,
        goal: `≤ ${LIMIT_MB} MB`,
        met: small <= LIMIT_MB,
      },
      {
        what: `peak RSS, ${count(SIZES[1])} notifications streamed through \`--ndjson\``,
        value: `${large.toFixed(1)} MB`,
        baseline: `${count(SIZES[0])}: ${small.toFixed(1)} MB`,
        ratio: `${(large / small).toFixed(2)}×`,
        goal: `≤ ${LIMIT_MB} MB and flat (≤ ${FLAT}×)`,
        met: large <= LIMIT_MB && large / small <= FLAT,
      },
    ];
  } finally {
    await server.close();
  }
}
