// Runs the CLI's bundles (dist/*.cjs) with V8's code cache: their functions come compiled from
// <bundle>.cache (made by the build's warm-up runs) instead of being compiled on every start, which
// saves about a third of notifier's own start-up. Node 20 has no built-in compile cache (22 does).
// A cache made by another Node version is rejected by V8 and the bundle is compiled as usual.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

/** The bundles' folder; the build's warm-up points it at the folder being built. */
let dist = join(__dirname, '..', 'dist');
/** The scripts compiled so far, by file: the build's warm-up saves their caches. */
const scripts = new Map();

function readCache(file) {
  try {
    return readFileSync(`${file}.cache`);
  } catch {
    return undefined; // no cache yet (a build in progress): compile as usual
  }
}

const compile = Module.prototype._compile;
Module.prototype._compile = function compileWithCache(content, filename) {
  if (dirname(filename) !== dist || !filename.endsWith('.cjs')) return compile.call(this, content, filename);
  const script = new vm.Script(Module.wrap(content), { filename, cachedData: readCache(filename) });
  scripts.set(filename, script);
  return script.runInThisContext().call(this.exports, this.exports, Module.createRequire(filename), this, filename, dist);
};

/** Runs the CLI: dist/cli.cjs and, as it needs them, the other bundles. */
function runCli() {
  require(join(dist, 'cli.cjs'));
}

function useDist(folder) {
  dist = folder;
}

/** Writes the cache of everything compiled so far (called by the build after its warm-up runs). */
function writeCaches() {
  for (const [file, script] of scripts) writeFileSync(`${file}.cache`, script.createCachedData());
}

module.exports = { runCli, useDist, writeCaches };
