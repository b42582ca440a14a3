// Build: the CLI as one CommonJS bundle (fast start-up, see design.md), the library with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// commander requires child_process at load time, only to run external subcommands (which notifier
// has none of); loading it costs ~10 ms of every start. Hand commander a stand-in that loads the
// real module on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'lazy' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};

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
  plugins: [lazyChildProcess],
  sourcemap: 'linked',
  logLevel: 'warning',
});

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
