// Build step: runs typical commands through the bundles in one process, then saves V8's code cache of
// every function they compiled next to each bundle (see bin/code-cache.js). Its argument is the folder
// of the bundles. The sends go to a HipChat stand-in in this process (loopback, a free port), so that the
// whole request path, answer and rate-limit headers included, is compiled and cached, not only a dry run.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { runCli, useDist, writeCaches } = require('../bin/code-cache.js');

const folder = process.argv[2];
useDist(folder);
const bundle = join(folder, 'cli.cjs');
const sandbox = mkdtempSync(join(tmpdir(), 'notifier-warm-'));

/** Answers every notification 204 with both of HipChat's windows, as HipChat does. */
function startStandIn() {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const reset = String(Math.floor(Date.now() / 1000) + 60);
      response.writeHead(204, {
        'X-Ratelimit-Limit': '100000',
        'X-Ratelimit-Remaining': '99999',
        'X-Ratelimit-Reset': reset,
        'X-FloodControl-Limit': '100000',
        'X-FloodControl-Remaining': '99999',
        'X-FloodControl-Reset': reset,
      });
      response.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A port on loopback where nothing listens. */
function closedPort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function run(args, expectedCode = 0) {
  process.argv = [process.execPath, bundle, ...args];
  process.exitCode = undefined;
  // The bundle runs main() when loaded: load it afresh for each run (V8 keeps what it compiled).
  delete require.cache[bundle];
  runCli();
  // main() sets process.exitCode when it is done.
  while (process.exitCode === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  if (process.exitCode !== expectedCode) throw new Error(`warm-up run ${args.join(' ')} exited ${process.exitCode}`);
  process.exitCode = 0;
}

async function main() {
  const server = await startStandIn();
  const apiUrl = `http://127.0.0.1:${server.address().port}`;
  process.env = {
    PATH: process.env.PATH,
    HOME: sandbox,
    NOTIFIER_CONFIG: join(sandbox, 'config.json'),
    NOTIFIER_STATE_DIR: join(sandbox, 'state'),
  };
  try {
    await run(['notification-hipchat-configure', '--enabled', '--roomName=warm-up', '--token=warmUpToken0123456789', `--apiUrl=${apiUrl}`]);
    await run(['get-hipchat-notifier-configuration']);
    await run(['get-hipchat-notifier-configuration', '--json']);
    await run(['send-hipchat-notification', '--dryRun', '--message=warm-up']);
    // Twice: the first run creates the state; the second reads and rewrites it, as most runs do.
    await run(['send-hipchat-notification', '--message=warm-up']);
    await run(['send-hipchat-notification', '--message=warm-up']);
    // The Redis store's bundle, loaded and connecting: no Redis here, so it gives up after one attempt (exit 75).
    const store = `--rateLimitStore=redis://127.0.0.1:${await closedPort()}`;
    await run(['send-hipchat-notification', store, '--maxWait=1ms', '--message=warm-up'], 75);
    writeCaches();
  } finally {
    server.close();
    rmSync(sandbox, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
