// Build step: runs typical commands (configure, then get) through the bundle in one process, then
// saves V8's code cache of every function they compiled next to the bundle.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { compileBundle, runBundle, writeCache } = require('../bin/code-cache.js');

const bundle = join(__dirname, '..', 'dist', 'cli.cjs');
const sandbox = mkdtempSync(join(tmpdir(), 'notifier-warm-'));
process.env = { PATH: process.env.PATH, HOME: sandbox, NOTIFIER_CONFIG: join(sandbox, 'config.json') };
const runs = [
  ['notification-hipchat-configure', '--enabled', '--roomName=warm-up', '--token=warmUpToken0123456789'],
  ['get-hipchat-notifier-configuration'],
  ['get-hipchat-notifier-configuration', '--json'],
];

const script = compileBundle(bundle);

async function main() {
  try {
    for (const args of runs) {
      process.argv = [process.execPath, bundle, ...args];
      process.exitCode = undefined;
      runBundle(script, bundle);
      // main() sets process.exitCode when it is done.
      while (process.exitCode === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      if (process.exitCode !== 0) throw new Error(`warm-up run ${args.join(' ')} exited ${process.exitCode}`);
    }
    writeCache(script, bundle);
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
