// Build step: runs typical commands through the bundles in one process, then saves V8's code cache of
// every function they compiled next to each bundle (see bin/code-cache.js). Its argument is the folder
// of the bundles being built.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { runCli, useDist, writeCaches } = require('../bin/code-cache.js');

const folder = process.argv[2];
useDist(folder);
const bundle = join(folder, 'cli.cjs');
const sandbox = mkdtempSync(join(tmpdir(), 'notifier-warm-'));
process.env = {
  PATH: process.env.PATH,
  HOME: sandbox,
  NOTIFIER_CONFIG: join(sandbox, 'config.json'),
  NOTIFIER_STATE_DIR: join(sandbox, 'state'),
};
const runs = [
  ['notification-hipchat-configure', '--enabled', '--roomName=warm-up', '--token=warmUpToken0123456789', '--apiUrl=http://127.0.0.1:9'],
  ['get-hipchat-notifier-configuration'],
  ['get-hipchat-notifier-configuration', '--json'],
  // Loads the notifier module (axios and all) and builds a sender, without a network.
  ['send-hipchat-notification', '--dryRun', '--message=warm-up'],
];

async function main() {
  try {
    for (const args of runs) {
      process.argv = [process.execPath, bundle, ...args];
      process.exitCode = undefined;
      // The bundle runs main() when loaded: load it afresh for each run (V8 keeps what it compiled).
      delete require.cache[bundle];
      runCli();
      // main() sets process.exitCode when it is done.
      while (process.exitCode === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      if (process.exitCode !== 0) throw new Error(`warm-up run ${args.join(' ')} exited ${process.exitCode}`);
    }
    writeCaches();
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
