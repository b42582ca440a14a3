// Row 4: 60 notifications in one --ndjson run through a 10-per-2-s limit that the server enforces too
// (per token and per room). Each run has a fresh server and a fresh limiter state.
import { CLI, configuredEnv, inputs, median, startServer, timed } from '../support.mjs';

const COUNT = 60;
const LIMIT = { limit: 10, windowMs: 2000 };
/** A full bucket sends 10 at once, then 10 per 2 s: the last of 60 goes 10 s after the first. */
const MINIMUM_MS = ((COUNT - LIMIT.limit) / LIMIT.limit) * LIMIT.windowMs;
const GOAL = 1.05;

async function once() {
  const server = await startServer({ tokenLimit: LIMIT, floodLimit: LIMIT });
  try {
    const env = await configuredEnv(server, `${LIMIT.limit}/${LIMIT.windowMs / 1000}s`);
    await timed(process.execPath, [CLI, 'send-hipchat-notification', '--ndjson'], { env, stdin: inputs('fidelity', COUNT).ndjson });
    const accepted = server.delivered().map((request) => request.receivedAt);
    if (accepted.length !== COUNT) throw new Error(`fidelity: ${accepted.length} of ${COUNT} delivered`);
    return { rejected: server.count(429), spanMs: Math.max(...accepted) - Math.min(...accepted) };
  } finally {
    await server.close();
  }
}

export async function fidelity({ runs }) {
  const results = [];
  for (let run = 0; run < runs; run++) results.push(await once());
  const rejected = results.reduce((sum, result) => sum + result.rejected, 0);
  const spanMs = median(results.map((result) => result.spanMs));
  const what = `${COUNT} notifications through ${LIMIT.limit} per ${LIMIT.windowMs / 1000} s (configured and enforced by the server)`;
  return [
    { what: `${what}: 429 answers`, value: `${rejected} in ${runs} runs`, goal: '0', met: rejected === 0 },
    {
      what: `${what}: first to last accepted`,
      value: `${(spanMs / 1000).toFixed(2)} s`,
      baseline: `the bucket's minimum: ${MINIMUM_MS / 1000} s`,
      ratio: (spanMs / MINIMUM_MS).toFixed(3),
      goal: `≤ ${GOAL}`,
      met: spanMs / MINIMUM_MS <= GOAL,
    },
  ];
}
