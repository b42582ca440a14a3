// Build: the CLI as one CommonJS bundle (fast start-up, see design.md), the library with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/cli.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // CommonJS: an ESM bundle of commander fails with "Dynamic require".
  format: 'cjs',
  // axios is loaded on first use by the commands that send, straight from node_modules.
  external: ['axios'],
  define: { NOTIFIER_VERSION: JSON.stringify(version) },
  sourcemap: 'linked',
  logLevel: 'warning',
});

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
