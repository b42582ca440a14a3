// `npm test`: the static checks (scripts/checks.mjs) and the suite (vitest) at once. The suite waits on real
// time in places (rate-limit windows, a service's retries, servers starting) and leaves part of the 2 cores idle;
// the checks run at the lowest CPU priority and fill that, rather than taking 14 s of their own (from a fresh
// clone) before the suite starts. On a machine kept busy by others, a check at that priority would barely move:
// those not done when the suite ends start again at the normal priority. The suite's output streams as it runs;
// the checks' report follows it. The exit code is 1 if anything failed. Arguments go to vitest
// (`npm test -- --shard=1/4`).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CHECKS } from './checks.mjs';

const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));

/** Runs checks.mjs for `scripts`: their results, by name, as each ends. `stop()` ends the run (and its processes). */
function runChecks(scripts, lowPriority) {
  const done = new Map();
  const args = [path('checks.mjs'), '--json', ...(lowPriority ? ['--low-priority'] : []), ...scripts];
  // A group of its own, so that stop() reaches npm and the tools it started.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const result = JSON.parse(line);
    done.set(result.script, result);
  });
  const ended = new Promise((resolve) => child.on('close', resolve));
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { done, ended, stop };
}

const background = runChecks(CHECKS, true);
let running = background;
const vitest = spawn(process.execPath, [path('../node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
// Ctrl-C reaches vitest from the terminal, not the checks' own group; a SIGTERM reaches neither.
let interrupted = false;
const onSignal = (signal) => {
  interrupted = true;
  running.stop();
  if (signal === 'SIGTERM') vitest.kill('SIGTERM');
};
process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
const tested = await new Promise((resolve) => vitest.on('close', (code) => resolve(code === 0)));
if (interrupted) process.exit(130);

const left = CHECKS.filter((script) => !background.done.has(script));
const results = new Map(background.done);
if (left.length > 0) {
  background.stop();
  await background.ended;
  running = runChecks(left, false);
  await running.ended;
  for (const [script, result] of running.done) results.set(script, result);
}
let ok = tested;
for (const script of CHECKS) {
  const result = results.get(script);
  ok &&= result?.ok === true;
  process.stdout.write(result?.ok ? `ok: npm run ${script}\n` : `FAILED: npm run ${script}\n${result?.output ?? ''}`);
}
process.exitCode = ok ? 0 : 1;
