// A stand-in for the npm registry, for installing the packed tarball without the network: it serves the
// packages package-lock.json locks for production (their metadata from the lock, their tarballs from the
// npm cache that `npm ci` filled, read and never written), so `npm install -g notifier.tgz` resolves the
// same versions the project was tested with.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { homedir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

interface LockEntry {
  version: string;
  integrity?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
  os?: string[];
  cpu?: string[];
}

export interface NpmRegistry {
  url: string;
  /** Tarballs the lock names that the npm cache does not hold (then an install would fail). */
  missing: string[];
  close(): Promise<void>;
}

/** Where npm keeps its cache: what `npm test` / `npx` tell their children, else npm's default. */
export function npmCacheFolder(): string {
  return process.env.npm_config_cache || join(homedir(), '.npm');
}

/** The file cacache keeps a tarball in, by its integrity (sha512-<base64>). */
function cachedTarball(cache: string, integrity: string): string {
  const [algorithm, digest] = integrity.split('-', 2) as [string, string];
  const hex = Buffer.from(digest, 'base64').toString('hex');
  return join(cache, '_cacache', 'content-v2', algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

export async function startNpmRegistry(lockFile: string, cache = npmCacheFolder()): Promise<NpmRegistry> {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, LockEntry> };
  const versions = new Map<string, Map<string, LockEntry>>();
  const tarballs = new Map<string, string>();
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.includes('node_modules/') || entry.dev || !entry.integrity) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!versions.has(name)) versions.set(name, new Map());
    versions.get(name)!.set(entry.version, entry);
    const file = cachedTarball(cache, entry.integrity);
    tarballs.set(`/-/${encodeURIComponent(name)}/${entry.version}.tgz`, file);
    if (!existsSync(file)) missing.push(`${name}@${entry.version}`);
  }

  const server = http.createServer((request, response) => {
    // Nothing of this throw-away registry is worth caching in npm's cache.
    const headers = { 'Cache-Control': 'no-store' };
    const tarball = tarballs.get(request.url ?? '');
    if (tarball !== undefined && existsSync(tarball)) {
      response.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream' });
      createReadStream(tarball).pipe(response);
      return;
    }
    const name = decodeURIComponent((request.url ?? '/').slice(1));
    const known = versions.get(name);
    if (!known) {
      response.writeHead(404, { ...headers, 'Content-Type': 'application/json' });
      response.end('{"error":"not found"}');
      return;
    }
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const manifests = Object.fromEntries(
      [...known].map(([version, entry]) => {
        const { integrity, dev: _dev, ...fields } = entry;
        return [version, { name, ...fields, dist: { integrity, tarball: `${base}/-/${encodeURIComponent(name)}/${version}.tgz` } }];
      }),
    );
    response.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ name, 'dist-tags': { latest: [...known.keys()].at(-1) }, versions: manifests }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    missing,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
