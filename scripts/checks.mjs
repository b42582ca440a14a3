// `npm test`'s static checks (typecheck, lint, format) at once rather than one after the other: each leaves
// a core idle part of the time, and the suite's budget is 60 s on 2 cores. Each one's output is shown whole,
// after it ends, so that the three never interleave; the exit code is 1 if any failed. With --low-priority
// (scripts/test.mjs, beside the suite) they run at the lowest CPU priority, which their processes inherit.
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

if (process.argv.includes('--low-priority')) setPriority(19);

const CHECKS = ['typecheck', 'lint', 'format:check'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const results = await Promise.all(
  CHECKS.map(
    (script) =>
      new Promise((resolve) => {
        const child = spawn(npm, ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('close', (code) => {
          process.stdout.write(`${code === 0 ? 'ok' : 'FAILED'}: npm run ${script}\n${code === 0 ? '' : output}`);
          resolve(code === 0);
        });
      }),
  ),
);
process.exitCode = results.every(Boolean) ? 0 : 1;
