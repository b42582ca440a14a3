// Writes test/durations.json: how long each test file took in the last full run, from vitest's cache
// (node_modules/.vite). test/support/sequencer.ts starts the longest files first by it when the cache does not
// know a file, as in a fresh clone. Run it after a full `npm test` when files were added or changed much;
// a stale entry only changes the order files start in.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, 'node_modules/.vite/vitest');
const [newest] = (existsSync(cacheDir) ? readdirSync(cacheDir) : [])
  .map((name) => join(cacheDir, name, 'results.json'))
  .map((file) => ({ file, stats: statSync(file, { throwIfNoEntry: false }) }))
  .filter(({ stats }) => stats !== undefined)
  .sort((a, b) => b.stats.mtimeMs - a.stats.mtimeMs);
if (newest === undefined) throw new Error(`no results in ${cacheDir}: run npm test first`);
const { results } = JSON.parse(readFileSync(newest.file, 'utf8'));
const durations = Object.fromEntries(
  results
    .map(([key, { duration }]) => [key.slice(key.indexOf(':') + 1), Math.round(duration)])
    // The cache keeps files that have since been deleted.
    .filter(([file]) => existsSync(join(root, file)))
    .sort(([a], [b]) => (a < b ? -1 : 1)),
);
writeFileSync(join(root, 'test/durations.json'), `${JSON.stringify(durations, null, 2)}\n`);
console.log(`test/durations.json: ${Object.keys(durations).length} files`);
