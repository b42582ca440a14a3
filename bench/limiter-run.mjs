// Runs bench/limiter-worker.mjs processes (rows 4 and 5): the shared limiter alone, through the library's public
// exports, started at once after all have loaded.
import { createInterface } from 'node:readline';
import { all, childEnv, freshDir, LIBRARY, LIMITER_WORKER, ROOM, start } from './support.mjs';

/**
 * Starts one limiter worker per entry of `jobs`, waits until all have loaded, starts them at once and resolves with
 * the wall time from the start to the last one's result, and their results. Throws if one fails.
 */
export async function limiterRun(jobs) {
  const workers = jobs.map((job) => {
    const child = start(process.execPath, [LIMITER_WORKER, JSON.stringify({ library: LIBRARY, ...job })], {
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // A worker that is gone makes writes to its stdin fail: its exit says why.
    child.stdin.on('error', () => {});
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const exited = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`limiter worker exited ${code ?? signal}: ${stderr.trim()}`)),
      );
    });
    // Handled here too: a worker killed after another failed rejects with nobody waiting.
    exited.catch(() => {});
    const next = async () => {
      const { value, done } = await lines.next();
      if (done) {
        await exited;
        throw new Error(`limiter worker ended early: ${stderr.trim()}`);
      }
      return value;
    };
    return { child, next, exited };
  });
  try {
    const ready = await all(workers.map(({ next }) => next()));
    if (ready.some((line) => line !== 'ready')) throw new Error(`limiter worker: ${ready.find((line) => line !== 'ready')}`);
    const begin = process.hrtime.bigint();
    for (const { child } of workers) child.stdin.write('go\n');
    const results = await all(
      workers.map(async ({ next }) => {
        const result = JSON.parse(await next());
        return { ...result, at: process.hrtime.bigint() };
      }),
    );
    const wallMs = Number(results.reduce((last, { at }) => (at > last ? at : last), begin) - begin) / 1e6;
    await all(workers.map(({ exited }) => exited));
    return { wallMs, results };
  } catch (error) {
    // The others would wait for the start, or run on for nothing.
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  } finally {
    for (const { child } of workers) child.stdin.end();
  }
}

/** One job per process, all on a new state folder (one machine), as in the CLI's --rateLimit=100000/1s. */
export function limiterJobs(processes, each, headers) {
  const stateDir = freshDir('limiter-state');
  const shared = {
    stateDir,
    apiUrl: 'http://127.0.0.1:9/',
    token: 'benchLimiterToken0123456789',
    room: ROOM,
    rate: { count: 100_000, perMs: 1000 },
  };
  return Array.from({ length: processes }, (_, index) => ({ ...shared, index, processes, count: each, headers }));
}
