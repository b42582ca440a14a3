// `npm test`'s static checks (typecheck, lint, format) at once rather than one after the other: each leaves
// a core idle part of the time, and the suite's budget is 60 s on 2 cores. Each one's output is shown whole,
// after it ends, so that the three never interleave; the exit code is 1 if any failed.
//
// `node scripts/checks.mjs [--low-priority] [--json] [SCRIPT…]` runs the named scripts only. scripts/test.mjs,
// which runs them beside the suite, passes --low-priority (the lowest CPU priority, which their processes
// inherit) and --json (one line {script, ok, output} as each ends, so that it knows which are done).
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { pathToFileURL } from 'node:url';

/** The package scripts that are npm test's static checks (scripts/test.mjs reads this list too). */
export const CHECKS = ['typecheck', 'lint', 'format:check'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs one script, its output kept, and reports it when it ends; resolves whether it passed. */
function check(script, json) {
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const ok = code === 0;
      process.stdout.write(
        json ? `${JSON.stringify({ script, ok, output })}\n` : `${ok ? 'ok' : 'FAILED'}: npm run ${script}\n${ok ? '' : output}`,
      );
      resolve(ok);
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
  const named = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  if (flags.includes('--low-priority')) setPriority(19);
  const results = await Promise.all((named.length > 0 ? named : CHECKS).map((script) => check(script, flags.includes('--json'))));
  process.exitCode = results.every(Boolean) ? 0 : 1;
}
