// `npm test`: the static checks (scripts/checks.mjs) and the suite (vitest) at once. The suite waits on real
// time in places (rate-limit windows, a service's retries, servers starting) and leaves part of the 2 cores idle;
// the checks run at the lowest priority and fill that, rather than taking 14 s of their own (from a fresh clone)
// before the suite starts. The suite's output streams as it runs; the checks' report follows it. The exit code
// is 1 if anything failed. Arguments go to vitest (`npm test -- --shard=1/4`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));

/** Runs a command to its end: its exit code, and its output when piped. */
function run(command, args, { pipe = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: pipe ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (pipe) {
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
    }
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

const checks = run(process.execPath, [path('checks.mjs'), '--low-priority'], { pipe: true });
const vitest = run(process.execPath, [path('../node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)]);
const [checked, tested] = await Promise.all([checks, vitest]);
process.stdout.write(checked.output);
process.exitCode = checked.ok && tested.ok ? 0 : 1;
