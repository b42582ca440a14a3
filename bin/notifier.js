#!/usr/bin/env node
// CommonJS (see bin/package.json): the ES module loader would add to every start-up. The CLI itself
// is a bundle (dist/cli.cjs) run with V8's code cache (see code-cache.js).
'use strict';
const { join } = require('node:path');
const { compileBundle, runBundle } = require('./code-cache.js');

const bundle = join(__dirname, '..', 'dist', 'cli.cjs');
runBundle(compileBundle(bundle), bundle);
