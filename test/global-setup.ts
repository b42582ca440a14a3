// Before the suite: build dist/ from the current source, so that end-to-end tests (which run
// bin/notifier.js) never test an old build. Skipped when dist/ is newer than every input of the build.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

export default function setup(): void {
  const newest = Math.max(...INPUTS.map((input) => newestChange(join(ROOT, input))));
  if (builtAt() > newest) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
