// Build: the CLI as CommonJS bundles (fast start-up, see design.md), the library with tsc.
//
// V8 compiles every byte of a bundle a command loads, so the CLI is cut in pieces that load only
// when needed: cli.cjs (dispatch and asadmin's option rules), one piece per subcommand, program.cjs (commander: only for
// --help, --version and mistakes), send.cjs (the notifier module with axios bundled in: only for the
// commands that send), and errors.cjs, shared by all so that `instanceof` sees one class per error
// type. Bundled axios, code-cached, starts ~80 ms sooner than axios loaded from node_modules.
// CommonJS because an ESM bundle of commander fails with "Dynamic require", and ESM loads slower.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
// Each subcommand is a piece of its own too (those registry.ts loads), so that a command loads only
// what it uses.
const registry = readFileSync(resolve(root, 'src/commands/registry.ts'), 'utf8');
const commandPieces = Object.fromEntries(
  [...registry.matchAll(/import\('\.\/([\w-]+)\.js'\)/g)].map(([, name]) => [`src/commands/${name}.ts`, `${name}.cjs`]),
);
const pieces = {
  'src/main.ts': 'cli.cjs',
  'src/program.ts': 'program.cjs',
  'src/notifier/send.ts': 'send.cjs',
  'src/errors.ts': 'errors.cjs',
  ...commandPieces,
};
const pieceByPath = new Map(Object.entries(pieces).map(([source, output]) => [resolve(root, source), output]));

/** Imports of another piece become require('./<piece>.cjs') instead of a copy of it. */
function otherPiecesExternal(entry) {
  return {
    name: 'other-pieces-external',
    setup(builder) {
      builder.onResolve({ filter: /^\./ }, (args) => {
        const path = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        const piece = pieceByPath.get(path);
        return piece && path !== entry ? { path: `./${piece}`, external: true } : undefined;
      });
    },
  };
}

rmSync(resolve(root, 'dist'), { recursive: true, force: true });

await Promise.all(
  [...pieceByPath].map(([entry, output]) =>
    build({
      entryPoints: [entry],
      outfile: resolve(root, 'dist', output),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // Dynamic import() of the other pieces becomes require(): bin/code-cache.js runs the bundle as a
      // vm.Script, which has no ES module loader, and require() is faster anyway.
      supported: { 'dynamic-import': false },
      define: { NOTIFIER_VERSION: JSON.stringify(version) },
      // cli-table3 requires its colour package only to colour cells, in a try/catch that falls back to
      // plain text; notifier's tables have no colour, so it is never loaded: don't compile it into a bundle.
      external: ['@colors/colors/safe'],
      plugins: [otherPiecesExternal(entry)],
      sourcemap: 'linked',
      logLevel: 'warning',
    }),
  ),
);

// V8's code cache of what typical commands compile, loaded by bin/code-cache.js (the warm-up's own
// output is of no interest).
execFileSync(process.execPath, [resolve(root, 'scripts/warm-code-cache.cjs')], { stdio: ['ignore', 'ignore', 'inherit'] });

execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', resolve(root, 'tsconfig.build.json')], { stdio: 'inherit' });
