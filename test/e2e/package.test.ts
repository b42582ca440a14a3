// The package as a CI job gets it (issue 10): `npm pack`, then `npm install -g` of the tarball into a
// throw-away prefix with a throw-away HOME, and the installed `notifier` run: --version and one real send.
// Its dependencies come from a stand-in registry serving what package-lock.json locks out of the npm
// cache `npm ci` filled (support/npm-registry.ts): no network, a few seconds.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { capturedOutputs, PROJECT_ROOT } from '../support/cli.js';
import { startHipChatServer, TEST_TOKEN } from '../support/hipchat-server.js';
import { startNpmRegistry } from '../support/npm-registry.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'notifier-package-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  expect(capturedOutputs.filter((output) => output.includes(TEST_TOKEN))).toEqual([]);
});

/** npm with nothing of this machine's own: a fresh HOME and cache, no update check, no audit. */
function npm(args: string[]) {
  return run('npm', [...args, '--no-update-notifier', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: join(work, 'home'), npm_config_cache: join(work, 'npm-cache') },
  });
}

describe('the package', () => {
  it('packs without source maps, at most 3 MB unpacked, with its LICENSE; installs globally and runs', async () => {
    // dist/ is built by the suite's global setup: packing runs no script.
    const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work]);
    const [packed] = JSON.parse(stdout) as { name: string; filename: string; unpackedSize: number; files: { path: string }[] }[];
    const paths = packed!.files.map((file) => file.path);
    expect(packed!.name).toBe('hipchat-notifier-cli');
    expect(packed!.unpackedSize).toBeLessThanOrEqual(3_000_000);
    expect(paths.filter((path) => path.endsWith('.map') || path.startsWith('src/'))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'bin/notifier.js', 'dist/cli.cjs']));

    const registry = await startNpmRegistry(join(PROJECT_ROOT, 'package-lock.json'));
    try {
      expect(registry.missing, 'tarballs that npm ci should have left in the npm cache').toEqual([]);
      const prefix = join(work, 'prefix');
      await npm(['install', '--global', '--prefix', prefix, '--registry', registry.url, join(work, packed!.filename)]);

      const installed = join(prefix, 'bin', 'notifier');
      const env = { PATH: process.env.PATH, HOME: join(work, 'home') };
      expect((await run(installed, ['--version'], { env })).stdout).toBe(`${packed!.filename.match(/-(\d+\.\d+\.\d+)\.tgz$/)![1]}\n`);
      const hipchat = await startHipChatServer();
      try {
        const sent = await run(installed, ['send-hipchat-notification', '--roomName', 'ops', '--apiUrl', hipchat.url, 'installed'], {
          env: { ...env, HIPCHAT_TOKEN: TEST_TOKEN },
        });
        capturedOutputs.push(sent.stdout, sent.stderr);
        expect(sent).toMatchObject({ stdout: 'Command send-hipchat-notification executed successfully.\n', stderr: '' });
        expect(hipchat.delivered().map((request) => (request.body as { message: string }).message)).toEqual(['installed']);
      } finally {
        await hipchat.close();
      }
      // The library export loads with the dependencies npm installed beside it.
      const library = join(prefix, 'lib', 'node_modules', 'hipchat-notifier-cli', 'dist', 'lib', 'notifier', 'index.js');
      const { stdout: exported } = await run(process.execPath, [
        '-e',
        `import(${JSON.stringify(library)}).then((m) => console.log(typeof m.sendNotification))`,
      ]);
      expect(exported).toBe('function\n');
    } finally {
      await registry.close();
    }
  });
});
