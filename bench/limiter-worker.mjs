// The shared limiter alone, driven through the library's public exports (no HTTP): `count` times acquire() then
// observe() with the headers a roomy HipChat sends (or none, with "headers": false), on the state folder given.
// Prints "ready" once loaded, starts on a line on stdin (so that the parent times the work, not Node's start),
// and ends with one JSON line: {"taken", "ms", "waits"}. Run by rows 4 and 5.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const job = JSON.parse(process.argv[2]);
const { SharedRateLimiter, FileLimitStore } = await import(pathToFileURL(job.library).href);
const LIMIT = 1_000_000;
const WINDOW_MS = 60_000;

const store = new FileLimitStore({ stateDir: job.stateDir, apiUrl: job.apiUrl, token: job.token });
const limiter = new SharedRateLimiter({ store, room: job.room, rate: { count: job.rate.count, perMs: job.rate.perMs } });

/** What HipChat answers a send with, `used` units into a window of LIMIT per minute (HipChat's windows are aligned). */
function roomyHeaders(used) {
  const now = Date.now();
  const reset = String((Math.floor(now / WINDOW_MS) + 1) * (WINDOW_MS / 1000));
  const remaining = String(Math.max(0, LIMIT - used));
  return {
    date: new Date(now).toUTCString(),
    'x-ratelimit-limit': String(LIMIT),
    'x-ratelimit-remaining': remaining,
    'x-ratelimit-reset': reset,
    'x-floodcontrol-limit': String(LIMIT),
    'x-floodcontrol-remaining': remaining,
    'x-floodcontrol-reset': reset,
  };
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write('ready\n');
// No start (the parent gave up): nothing to measure.
if ((await lines.next()).done) process.exit(1);

let waits = 0;
const onWait = () => waits++;
const begin = process.hrtime.bigint();
for (let index = 0; index < job.count; index++) {
  await limiter.acquire({ onWait });
  // As if every process's answers so far had counted in the server's window.
  await limiter.observe(job.headers ? roomyHeaders(index * job.processes + job.index + 1) : {});
}
await limiter.close();
const ms = Number(process.hrtime.bigint() - begin) / 1e6;
process.stdout.write(`${JSON.stringify({ taken: job.count, ms, waits })}\n`);
process.exit(0);
