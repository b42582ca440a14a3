// Runs the CLI bundle with V8's code cache: the bundle's functions come compiled from
// dist/cli.cjs.cache (made by the build) instead of being compiled on every start, which saves about
// a third of notifier's own start-up. Node 20 has no built-in compile cache (22 does). A cache made by
// another Node version is rejected by V8 and the bundle is simply compiled as usual.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

function compileBundle(file) {
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // No cache yet (a build in progress) or not readable: compile as usual.
  }
  return new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
}

/** Runs the bundle as Node would run a CommonJS module. */
function runBundle(script, file) {
  const module = new Module(file, null);
  module.filename = file;
  module.paths = Module._nodeModulePaths(dirname(file));
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, dirname(file));
}

/** Writes the cache of everything compiled so far (called by the build after warm-up runs). */
function writeCache(script, file) {
  writeFileSync(`${file}.cache`, script.createCachedData());
}

module.exports = { compileBundle, runBundle, writeCache };
