// Row 8 (issue 12): many runners, one limit. 10 sender processes on three simulated machines (each its own HOME,
// config and state folder), all configured with --rateLimitStore redis://… on a redis-server started here, send
// 3 notifications each (--ndjson) at once, with --rateLimit 5/2s, to a server enforcing 5 per 2 s (per token and
// per room, with HipChat's headers). Every notification must arrive once, with zero 429s, and the whole run take
// no more than 1.2 × the least time the limit allows.
import { redisKeys, redisMissing, startRedis } from '../redis.mjs';
import { all, CLI, configuredEnv, inputs, median, sandboxEnv, startServer, timed } from '../support.mjs';
import { acceptedTimes, limitRows } from './fidelity.mjs';

const MACHINES = 3;
const PROCESSES = 10;
const EACH = 3;
const TOTAL = PROCESSES * EACH;
const LIMIT = { limit: 5, windowMs: 2000 };
/** A full bucket sends 5 at once, then 5 per 2 s: the last of 30 goes 10 s after the first. */
const MINIMUM_MS = ((TOTAL - LIMIT.limit) / LIMIT.limit) * LIMIT.windowMs;
const LIMIT_PER_S = LIMIT.limit / (LIMIT.windowMs / 1000);
const GOAL = 1.2;
const RECORD = 1000;
const WHAT = `Redis: ${PROCESSES} processes on ${MACHINES} machines, ${EACH} notifications each, through ${LIMIT.limit} per ${LIMIT.windowMs / 1000} s (configured and enforced by the server)`;

async function once(redisUrl) {
  const server = await startServer({ tokenLimit: LIMIT, floodLimit: LIMIT, record: RECORD });
  try {
    const machines = [];
    for (let machine = 0; machine < MACHINES; machine++) {
      machines.push(
        await configuredEnv(server, `${LIMIT.limit}/${LIMIT.windowMs / 1000}s`, {
          env: sandboxEnv(),
          options: [`--rateLimitStore=${redisUrl}`],
        }),
      );
    }
    await all(
      Array.from({ length: PROCESSES }, (_, index) =>
        timed(process.execPath, [CLI, 'send-hipchat-notification', '--ndjson'], {
          env: machines[index % MACHINES],
          stdin: inputs(`redis-${index + 1}`, EACH).ndjson,
        }),
      ),
    );
    // The shared limit lived in Redis (and not in each machine's state folder).
    if ((await redisKeys(redisUrl)) === 0) throw new Error('redis: the senders left nothing in Redis');
    const requests = server.takeRecord(RECORD);
    const accepted = acceptedTimes(requests, TOTAL, 'redis');
    const messages = new Set(requests.filter((request) => request.status === 204).map((request) => request.body?.message));
    if (messages.size !== TOTAL) throw new Error(`redis: ${messages.size} different notifications of ${TOTAL} delivered`);
    return { rejected: requests.filter((request) => request.status === 429).length, spanMs: Math.max(...accepted) - Math.min(...accepted) };
  } finally {
    await server.close();
  }
}

export async function redis({ runs }) {
  const missing = redisMissing();
  if (missing !== undefined)
    return [{ what: WHAT, value: `not measured: ${missing}`, goal: '0 429s, ≤ 1.2× the minimum', verdict: 'not measured' }];
  const { url, close } = await startRedis();
  const results = [];
  try {
    for (let run = 0; run < runs; run++) results.push(await once(url));
  } finally {
    await close();
  }
  const rows = limitRows(WHAT, results, MINIMUM_MS, GOAL);
  // After the first window's burst, the rest goes at the rate the limit allows at most.
  const rate = (TOTAL - LIMIT.limit) / (median(results.map((result) => result.spanMs)) / 1000);
  return [
    {
      what: `${WHAT}: notifications per second after the first ${LIMIT.limit} ((${TOTAL} − ${LIMIT.limit}) / first to last accepted)`,
      value: `${rate.toFixed(2)}/s`,
      baseline: `the limit: ${LIMIT_PER_S}/s`,
      ratio: `${(rate / LIMIT_PER_S).toFixed(2)}×`,
    },
    ...rows,
  ];
}
