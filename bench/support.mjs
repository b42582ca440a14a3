// What the bench rows share: child processes (timed, tracked and stopped at the end, each with an environment
// of its own that never holds NODE_EXTRA_CA_CERTS), throw-away sandboxes, the project's own HipChat server
// (src/local-hipchat, bundled once for this plain-JS bench) sending HipChat's rate-limit headers, and the
// inputs every contender sends.
//
// The bench drives notifier only through its CLI (bin/notifier.js) and the library's public exports
// (dist/lib/notifier/index.js), both built by `npm run build`: src/ may change under it.
import { build, stop } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'bin', 'notifier.js');
export const LIBRARY = join(ROOT, 'dist', 'lib', 'notifier', 'index.js');
export const CURL_SEND = join(ROOT, 'bench', 'curl-send.sh');
export const HTTP_LOOP = join(ROOT, 'bench', 'http-loop.mjs');
export const HTTP_POST = join(ROOT, 'bench', 'http-post.mjs');
export const TCP_POST = join(ROOT, 'bench', 'tcp-post.mjs');
export const LIMITER_WORKER = join(ROOT, 'bench', 'limiter-worker.mjs');
const TIME = '/usr/bin/time';
export const ROOM = 'bench';

/**
 * NODE_EXTRA_CA_CERTS alone adds ≈ 45 ms to every Node start here (Node reads and parses the whole bundle
 * before running anything): no process of the bench gets it, and the table says so. What it was is kept for
 * that line. Removed from this process too, so that nothing started without an explicit environment inherits it.
 */
export const EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_EXTRA_CA_CERTS;

/** A folder deleted at the end of the run (see cleanUp). */
const workDir = mkdtempSync(join(tmpdir(), 'notifier-bench-'));

/** Everything started that may still run: child processes, and what closes servers (HipChat, Redis). */
const children = new Set();
const closers = new Set();

/** Registers `close` (a server's) to run at cleanUp(); returns a function that runs it now, once. */
export function onCleanUp(close) {
  let closed;
  const once = () => {
    closers.delete(once);
    return (closed ??= Promise.resolve().then(close));
  };
  closers.add(once);
  return once;
}

/** Stops every child still running and every server still open, then deletes the work folder. */
export async function cleanUp() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.allSettled([...closers].map((close) => close()));
  rmSync(workDir, { recursive: true, force: true });
}

/** The tools the bench runs besides Node that are not there, each with the Debian package that has it. */
export function missingTools() {
  const tools = [
    ['bash', onPath('bash')],
    ['curl', onPath('curl')],
    // GNU time, not the shell keyword: it reports the peak RSS.
    ['time', existsSync(TIME)],
  ];
  return tools.filter(([, present]) => !present).map(([name]) => `${name} (apt-get install ${name})`);
}

export function onPath(name) {
  return process.env.PATH.split(':').some((dir) => existsSync(join(dir, name)));
}

export function loadAverage() {
  return loadavg()[0].toFixed(1);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** An environment for a child: PATH and `vars`, nothing inherited (so never NODE_EXTRA_CA_CERTS). */
export function childEnv(vars = {}) {
  return { PATH: process.env.PATH, ...vars };
}

function checkedEnv(env) {
  if (env === undefined) throw new Error('bench: every child gets an explicit environment (see childEnv)');
  if ('NODE_EXTRA_CA_CERTS' in env) throw new Error('bench: NODE_EXTRA_CA_CERTS must not reach a child');
  return env;
}

/** spawn() with the environment checked, and the child stopped by cleanUp() if it is still running then. */
export function start(command, args, { env, stdio = ['ignore', 'pipe', 'pipe'] } = {}) {
  const child = spawn(command, args, { env: checkedEnv(env), stdio });
  children.add(child);
  child.on('close', () => children.delete(child));
  return child;
}

/** spawnSync() with the environment checked: the least overhead for runs of some 30 ms (row 1). */
export function runSync(command, args, env) {
  const begin = process.hrtime.bigint();
  const result = spawnSync(command, args, { env: checkedEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - begin) / 1e6;
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr}`);
  return ms;
}

/**
 * Runs a command to its end; `ms` is the wall time from spawn to exit. `stdin` is a file to read from
 * (else stdin is empty). A non-zero exit is an error: a failed run must not pass for a fast one.
 */
export function timed(command, args, { env, stdin } = {}) {
  const input = stdin === undefined ? 'ignore' : openSync(stdin, 'r');
  return new Promise((resolve, reject) => {
    const begin = process.hrtime.bigint();
    let ms;
    const child = start(command, args, { env, stdio: [input, 'pipe', 'pipe'] });
    if (typeof input === 'number') closeSync(input);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', () => (ms = Number(process.hrtime.bigint() - begin) / 1e6));
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim().slice(-2000)}`));
    });
  });
}

/** Waits for all (so that none is left running), then throws the first failure, if any. */
export async function all(promises) {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => result.value);
}

/** Runs `rounds` rounds of every contender, one after the other, and returns each one's samples. */
export async function interleaved(rounds, contenders) {
  const samples = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, contender] of contenders.entries()) samples[index].push(await contender());
  }
  return samples;
}

const bundles = new Map();

/** A TypeScript module of the project (src/ or test/support/), bundled once with esbuild for this plain-JS bench. */
export async function bundled(path) {
  if (!bundles.has(path)) {
    const outfile = join(workDir, `bundle-${bundles.size + 1}.mjs`);
    bundles.set(
      path,
      (async () => {
        await build({ entryPoints: [join(ROOT, path)], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
        // esbuild's service process is a child too: stopped until the next build.
        await stop();
        return import(pathToFileURL(outfile).href);
      })(),
    );
  }
  return bundles.get(path);
}

/**
 * Limits far above anything the bench sends, so that nothing is throttled, yet present: the server sends
 * X-Ratelimit-* and X-FloodControl-* on every answer, as HipChat does, and notifier's limiter follows them.
 */
export const ROOMY = { limit: 1_000_000, windowMs: 60_000 };

/**
 * The project's own HipChat-compatible server, in this process on port 0, stopped by cleanUp() at the latest.
 * By default it sends HipChat's rate-limit headers with ROOMY limits; `headers: false` gives a server with no
 * limits and no such headers (for comparison). Other options go to startLocalHipChat (`record` only where a
 * row needs the requests themselves: it keeps at most that many).
 */
export async function startServer({ headers = true, ...options } = {}) {
  const { startLocalHipChat } = await bundled('src/local-hipchat/index.ts');
  const limits = headers ? { tokenLimit: ROOMY, floodLimit: ROOMY } : { noLimits: true };
  const server = await startLocalHipChat({ rooms: [ROOM], ...limits, ...options });
  const close = onCleanUp(() => server.close());
  return {
    server,
    url: server.url,
    token: server.tokens[0],
    /** Notifications the server accepted (retained or dropped by its retention), over its whole life. */
    accepted: () => server.rooms().reduce((sum, room) => sum + room.retained + room.dropped, 0),
    /**
     * The recorded requests since the last call (which it forgets): throws if the record may have lost some,
     * so that counts of 429s and times of deliveries are never taken from a partial record.
     */
    takeRecord: (limit) => {
      if (server.requests.length >= limit)
        throw new Error(`bench: the server recorded ${limit} requests or more: the record is not complete`);
      return server.requests.splice(0);
    },
    close,
  };
}

let sandboxes = 0;

/** The environment of a notifier with a HOME, config and state folder of its own (a machine of its own). */
export function sandboxEnv() {
  const dir = join(workDir, `sandbox-${++sandboxes}`);
  mkdirSync(dir, { mode: 0o700 });
  return childEnv({ HOME: dir, NOTIFIER_CONFIG: join(dir, 'config.json'), NOTIFIER_STATE_DIR: join(dir, 'state') });
}

/** A new folder under the work folder. */
export function freshDir(name) {
  const dir = join(workDir, `${name}-${++sandboxes}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/**
 * `env` (default: a new sandbox) configured to send to `server` at the given --rateLimit, with more options if
 * given (the token from the environment: in no process list).
 */
export async function configuredEnv(server, rateLimit, { env = sandboxEnv(), options = [] } = {}) {
  const args = ['--enabled', `--roomName=${ROOM}`, `--apiUrl=${server.url}`, `--rateLimit=${rateLimit}`, ...options];
  await timed(process.execPath, [CLI, 'notification-hipchat-configure', ...args], { env: { ...env, HIPCHAT_TOKEN: server.token } });
  return env;
}

/** The environment of curl-send.sh, http-loop.mjs, http-post.mjs and tcp-post.mjs: where to post, with which token. */
export function rawSenderEnv(server, vars = {}) {
  return childEnv({ URL: `${server.url}/v2/room/${ROOM}/notification`, HIPCHAT_TOKEN: server.token, ...vars });
}

/**
 * `count` notifications, as --ndjson input and as the request bodies notifier sends for them (what
 * curl-send.sh posts), each in a file.
 */
export function inputs(name, count) {
  const ndjson = join(workDir, `${name}.ndjson`);
  const bodies = join(workDir, `${name}.bodies`);
  if (!existsSync(ndjson)) {
    const messages = Array.from({ length: count }, (_, index) => `${name} ${index + 1}`);
    writeFileSync(ndjson, messages.map((message) => `${JSON.stringify({ message })}\n`).join(''));
    writeFileSync(bodies, messages.map((message) => `${JSON.stringify(body(message))}\n`).join(''));
  }
  return { ndjson, bodies };
}

/** The body of a notification with notifier's defaults, field for field as notifier sends it. */
export function body(message) {
  return { message, message_format: 'text', color: 'yellow', notify: false };
}

/** Peak RSS of a command in MB (10^6 bytes), as the kernel reports it to the parent (GNU time's %M, in KiB). */
export async function peakRssMb(command, args, options) {
  const report = join(workDir, 'time.out');
  await timed(TIME, ['-f', '%M', '-o', report, command, ...args], options);
  return (Number(readFileSync(report, 'utf8').trim()) * 1024) / 1e6;
}

/** 12 345 -> "12 345" (the table's thousands separator). */
export function count(value) {
  return value.toLocaleString('en-US').replace(/,/g, ' ');
}

export function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** A file of the work folder holding `text`. */
export function textFile(name, text) {
  const path = join(workDir, name);
  writeFileSync(path, text);
  return path;
}
