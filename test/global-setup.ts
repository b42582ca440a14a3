// Before the suite: build dist/ from the current source, so that end-to-end tests (which run
// bin/notifier.js) never test an old build. Skipped when dist/ is newer than every input of the build.
// And a temporary folder of the suite's own (TMPDIR for the workers): the suite fails if a test leaves anything
// in it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INPUTS = ['src', 'scripts', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

function builtAt(): number {
  try {
    return statSync(join(ROOT, 'dist', '.built')).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): () => void {
  const newest = Math.max(...INPUTS.map((input) => newestChange(join(ROOT, input))));
  if (builtAt() <= newest) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  // The workers start after this and inherit it, so os.tmpdir() is this folder in every test.
  const suiteTmp = mkdtempSync(join(tmpdir(), 'notifier-suite-'));
  // Open to the unprivileged uid that permission tests run as (see permissionTestIds), as /tmp is.
  chmodSync(suiteTmp, 0o755);
  process.env.TMPDIR = suiteTmp;
  return () => {
    const left = readdirSync(suiteTmp);
    rmSync(suiteTmp, { recursive: true, force: true });
    if (left.length === 0) return;
    // vitest prints what a teardown throws but still exits 0.
    console.error(`\nFAILED: the tests left ${left.length} temporary files or folders behind: ${left.join(', ')}`);
    process.exitCode = 1;
  };
}
