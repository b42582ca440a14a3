// Row 7: 60 notifications in one --ndjson run through a 10-per-2-s limit, configured (--rateLimit 10/2s) and
// enforced by the server too (per token and per room, with HipChat's headers). Each run has a fresh server and a
// fresh limiter state.
import { CLI, configuredEnv, inputs, median, startServer, timed } from '../support.mjs';

const COUNT = 60;
const LIMIT = { limit: 10, windowMs: 2000 };
/** A full bucket sends 10 at once, then 10 per 2 s: the last of 60 goes 10 s after the first. */
const MINIMUM_MS = ((COUNT - LIMIT.limit) / LIMIT.limit) * LIMIT.windowMs;
const GOAL = 1.05;
const RECORD = 1000;

/** Times of the accepted notifications in `requests` (recorded), checking there are `expected` of them. */
export function acceptedTimes(requests, expected, row) {
  const accepted = requests
    .filter((request) => request.status === 204 && request.url.endsWith('/notification'))
    .map((request) => request.receivedAt);
  if (accepted.length !== expected) throw new Error(`${row}: ${accepted.length} of ${expected} delivered`);
  return accepted;
}

async function once() {
  const server = await startServer({ tokenLimit: LIMIT, floodLimit: LIMIT, record: RECORD });
  try {
    const env = await configuredEnv(server, `${LIMIT.limit}/${LIMIT.windowMs / 1000}s`);
    await timed(process.execPath, [CLI, 'send-hipchat-notification', '--ndjson'], { env, stdin: inputs('fidelity', COUNT).ndjson });
    const requests = server.takeRecord(RECORD);
    const accepted = acceptedTimes(requests, COUNT, 'fidelity');
    return { rejected: requests.filter((request) => request.status === 429).length, spanMs: Math.max(...accepted) - Math.min(...accepted) };
  } finally {
    await server.close();
  }
}

/**
 * The rows of a run through a limit: 429 answers (goal 0) and the median first-to-last accepted against the
 * bucket's minimum (goal ≤ `goal`×). `results`: one {rejected, spanMs} per run.
 */
export function limitRows(what, results, minimumMs, goal) {
  const rejected = results.reduce((sum, result) => sum + result.rejected, 0);
  const spanMs = median(results.map((result) => result.spanMs));
  return [
    {
      what: `${what}: 429 answers`,
      value: `${rejected} in ${results.length} run${results.length === 1 ? '' : 's'}`,
      goal: '0',
      met: rejected === 0,
    },
    {
      what: `${what}: first to last accepted`,
      value: `${(spanMs / 1000).toFixed(2)} s`,
      baseline: `the bucket's minimum: ${minimumMs / 1000} s`,
      ratio: (spanMs / minimumMs).toFixed(3),
      goal: `≤ ${goal}`,
      met: spanMs / minimumMs <= goal,
    },
  ];
}

export async function fidelity({ runs }) {
  const results = [];
  for (let run = 0; run < runs; run++) results.push(await once());
  return limitRows(
    `${COUNT} notifications through ${LIMIT.limit} per ${LIMIT.windowMs / 1000} s (configured and enforced by the server)`,
    results,
    MINIMUM_MS,
    GOAL,
  );
}
