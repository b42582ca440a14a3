#!/usr/bin/env node
// CommonJS (see bin/package.json): the ES module loader would add to every start-up. The CLI itself
// is bundled (dist/*.cjs) and run with V8's code cache (see code-cache.js).
'use strict';
require('./code-cache.js').runCli();
