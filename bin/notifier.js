#!/usr/bin/env node
// CommonJS (see bin/package.json): the ES module loader would add to every start-up. The CLI itself
// is one bundled file, which starts faster than the unbundled modules.
require('../dist/cli.cjs');
