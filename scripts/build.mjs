// Build: the CLI as CommonJS bundles (fast start-up, see design.md), the library with tsc.
//
// V8 compiles every byte of a bundle a command loads, so the CLI is cut in pieces that load only when
// needed: cli.cjs (dispatch and asadmin's option rules), one piece per subcommand (the registry is read
// as data to know them), program.cjs (commander: only for --help, --version and mistakes), send.cjs (the
// notifier module with axios bundled in: only for the commands that send), the Redis store, and pieces
// several commands share: the config store with its schema (zod/mini), and every errors.ts
// (one piece, so that `instanceof` sees one class per error type). Bundled axios, code-cached, starts
// ~80 ms sooner than axios loaded from node_modules. CommonJS because an ESM bundle of commander fails
// with "Dynamic require", and ESM loads slower.
//
// Everything is built in a folder of its own and swapped in at the end, so that a test run (or a user)
// never sees a half-built dist/.
import { build, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { axiosTrim } from './axios-trim.mjs';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const staging = join(root, `dist.building-${process.pid}`);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The subcommand names, from the registry itself: it is data, so reformatting it cannot change what is built. */
async function registeredCommands() {
  const source = readFileSync(join(root, 'src/commands/registry.ts'), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm' });
  // Its load() functions are never called here: only the names are read.
  const { commands } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return commands.map((command) => command.name);
}

/** Every errors.ts under src/: each a piece of its own. */
function errorModules(folder = join(root, 'src')) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return errorModules(path);
    return entry.name === 'errors.ts' ? [path] : [];
  });
}

function fail(message) {
  console.error(`build: ${message}`);
  rmSync(staging, { recursive: true, force: true });
  process.exit(1);
}

const names = await registeredCommands();
const commandFolder = join(root, 'src/commands');
const commandFiles = readdirSync(commandFolder).filter((name) => name.endsWith('.ts') && name !== 'registry.ts');
for (const file of commandFiles) {
  if (!names.includes(file.replace(/\.ts$/, '')))
    fail(
      `src/commands/${file} is not in src/commands/registry.ts: src/commands/ holds one file per subcommand (shared code goes in src/commands/shared/)`,
    );
}
for (const name of names)
  if (!existsSync(join(commandFolder, `${name}.ts`))) fail(`the registry names ${name}, but there is no src/commands/${name}.ts`);

const commandPieces = Object.fromEntries(names.map((name) => [join(commandFolder, `${name}.ts`), `${name}.cjs`]));
// Every errors.ts in one piece: one file to load, not one per layer, and one class per error type.
const errorModulePaths = errorModules();
const errorPieces = Object.fromEntries(errorModulePaths.map((path) => [path, 'errors.cjs']));
const pieceByPath = new Map(
  Object.entries({
    [join(root, 'src/cli/main.ts')]: 'cli.cjs',
    [join(root, 'src/cli/program.ts')]: 'program.cjs',
    [join(root, 'src/notifier/send.ts')]: 'send.cjs',
    // The Redis client, loaded only for a target whose rate limit lives in Redis.
    [join(root, 'src/notifier/rate-limit/redis-store.ts')]: 'redis-store.cjs',
    // What most commands load (the config file and its schema with zod/mini): one copy rather than one per
    // command bundle. (asadmin's table is a few lines: a copy in each command that prints one costs less than
    // loading one more piece.)
    [join(root, 'src/config/store.ts')]: 'config-store.cjs',
    [join(root, 'src/config/schema.ts')]: 'config-store.cjs',
    ...errorPieces,
    ...commandPieces,
  }),
);

/** Imports of another piece become require('./<piece>.cjs') instead of a copy of it. */
function otherPiecesExternal(output) {
  return {
    name: 'other-pieces-external',
    setup(builder) {
      builder.onResolve({ filter: /^\./ }, (args) => {
        const path = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        const piece = pieceByPath.get(path);
        return piece && piece !== output ? { path: `./${piece}`, external: true } : undefined;
      });
    },
  };
}

/** What each piece is built from: its module, or everything of the modules that share it. */
const modulesByPiece = new Map();
for (const [path, output] of pieceByPath) modulesByPiece.set(output, [...(modulesByPiece.get(output) ?? []), path]);
const pieceEntries = new Map(
  [...modulesByPiece].map(([output, paths]) => [
    output,
    paths.length === 1
      ? { entryPoints: paths }
      : { stdin: { contents: paths.map((path) => `export * from ${JSON.stringify(path)};`).join('\n'), resolveDir: root, loader: 'ts' } },
  ]),
);

rmSync(staging, { recursive: true, force: true });
const results = await Promise.all(
  [...pieceEntries].map(async ([output, source]) => {
    const result = await build({
      ...source,
      outfile: join(staging, output),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // Dynamic import() of the other pieces becomes require(): bin/code-cache.js runs the bundle as a
      // vm.Script, which has no ES module loader, and require() is faster anyway.
      supported: { 'dynamic-import': false },
      define: { NOTIFIER_VERSION: JSON.stringify(version) },
      plugins: [otherPiecesExternal(output), axiosTrim()],
      // No source maps: they were two thirds of the package (6.5 MB), Node reads them only with
      // --enable-source-maps, and the bundles are not minified, so a NOTIFIER_DEBUG=1 stack trace
      // already points at readable code.
      sourcemap: false,
      // Only Redis's client is big enough (1.3 MB) for minifying to matter to the package; the rest stays
      // readable for stack traces.
      minify: output === 'redis-store.cjs',
      metafile: true,
      logLevel: 'warning',
    });
    return { output, inputs: Object.keys(result.metafile.inputs).map((input) => resolve(root, input)) };
  }),
);

// A command compiled into another piece would load with it: into cli.cjs, on every start.
for (const { output, inputs } of results) {
  const intruder = inputs.find((input) => pieceByPath.has(input) && pieceByPath.get(input) !== output);
  if (intruder)
    fail(
      `${relative(root, intruder)} ended up inside dist/${output}; it must stay a piece of its own (import it lazily, or from its own piece)`,
    );
}

// The trim holds: loading the sender loads none of what it takes out, nor the Redis client.
const loaded = execFileSync(
  process.execPath,
  [
    '-e',
    `require(${JSON.stringify(join(staging, 'send.cjs'))}); process.stdout.write([...process.moduleLoadList, ...Object.keys(require.cache)].join('\\n'))`,
  ],
  { encoding: 'utf8' },
);
for (const module of [
  'NativeModule internal/deps/undici/undici',
  'NativeModule http2',
  'NativeModule https',
  'NativeModule tls',
  'NativeModule zlib',
]) {
  if (loaded.split('\n').includes(module))
    fail(`dist/send.cjs still loads ${module.replace('NativeModule ', 'node:')} (see scripts/axios-trim.mjs)`);
}
if (readFileSync(join(staging, 'send.cjs'), 'utf8').includes('application/vnd.'))
  fail('dist/send.cjs still bundles mime-db (see scripts/axios-trim.mjs)');
// The Redis client is for targets whose limit lives in Redis only.
if (loaded.split('\n').includes(join(staging, 'redis-store.cjs')))
  fail('dist/send.cjs loads the Redis store at once: import it only for a Redis target');

execFileSync(
  process.execPath,
  // The library's maps would point at src/, which the package does not ship.
  [
    join(root, 'node_modules/@typescript/native/bin/tsc'),
    '-p',
    join(root, 'tsconfig.build.json'),
    '--outDir',
    join(staging, 'lib'),
    '--sourceMap',
    'false',
  ],
  {
    stdio: 'inherit',
  },
);
writeFileSync(join(staging, '.built'), `${new Date().toISOString()}\n`);

const old = join(root, `dist.old-${process.pid}`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(staging, dist);
rmSync(old, { recursive: true, force: true });

// V8's code cache of what typical commands compile, loaded by bin/code-cache.js; made in dist/ itself, since
// a cache keeps the file names it was made with (they show in stack traces). The warm-up's own output is of
// no interest unless it fails: one of its runs fails on purpose.
try {
  execFileSync(process.execPath, [join(root, 'scripts/warm-code-cache.cjs'), dist], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (error) {
  fail(`the code-cache warm-up failed:\n${error.stderr}`);
}
