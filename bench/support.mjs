// What the bench rows share: timed child processes, throw-away sandboxes, the test HipChat server,
// and the inputs every contender sends.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'bin', 'notifier.js');
export const CURL_SEND = join(ROOT, 'bench', 'curl-send.sh');
export const HTTP_LOOP = join(ROOT, 'bench', 'http-loop.mjs');
const TIME = '/usr/bin/time';
const ROOM = 'bench';

/** A folder deleted at the end of the run (see cleanUp). */
const workDir = mkdtempSync(join(tmpdir(), 'notifier-bench-'));

export function cleanUp() {
  rmSync(workDir, { recursive: true, force: true });
}

/** The tools the bench runs besides Node that are not there, each with the Debian package that has it. */
export function missingTools() {
  const onPath = (name) => process.env.PATH.split(':').some((dir) => existsSync(join(dir, name)));
  const tools = [
    ['bash', onPath('bash')],
    ['curl', onPath('curl')],
    // GNU time, not the shell keyword: it reports the peak RSS.
    ['time', existsSync(TIME)],
  ];
  return tools.filter(([, present]) => !present).map(([name]) => `${name} (apt-get install ${name})`);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs a command to its end; `ms` is the wall time from spawn to exit. `stdin` is a file to read from
 * (else stdin is empty). A non-zero exit is an error: a failed run must not pass for a fast one.
 */
export function timed(command, args, { env, stdin } = {}) {
  const input = stdin === undefined ? 'ignore' : openSync(stdin, 'r');
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let ms;
    const child = spawn(command, args, { env, stdio: [input, 'pipe', 'pipe'] });
    if (typeof input === 'number') closeSync(input);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', () => (ms = Number(process.hrtime.bigint() - start) / 1e6));
    child.on('close', (code) => {
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

/** Runs `rounds` rounds of every contender, one after the other, and returns each one's samples. */
export async function interleaved(rounds, contenders) {
  const samples = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, contender] of contenders.entries()) samples[index].push(await contender());
  }
  return samples;
}

let serverModule;

/**
 * The test suite's HipChat server (the local HipChat through test/support/hipchat-server.ts, TypeScript),
 * bundled once for this plain-JS bench. Every request is recorded (up to a million, not the tests'
 * 10 000): the rows count deliveries over runs of 100 000 notifications.
 */
export async function startServer(options = {}) {
  if (serverModule === undefined) {
    const outfile = join(workDir, 'hipchat-server.mjs');
    await build({
      entryPoints: [join(ROOT, 'test', 'support', 'hipchat-server.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'warning',
    });
    serverModule = await import(pathToFileURL(outfile).href);
  }
  return serverModule.startHipChatServer({ record: 1_000_000, ...options });
}

function serverToken() {
  return serverModule.TEST_TOKEN;
}

let sandboxes = 0;

/** The environment of a notifier with a HOME, config and state folder of its own. */
export function sandboxEnv() {
  const dir = join(workDir, `sandbox-${++sandboxes}`);
  return { PATH: process.env.PATH, HOME: dir, NOTIFIER_CONFIG: join(dir, 'config.json'), NOTIFIER_STATE_DIR: join(dir, 'state') };
}

/** sandboxEnv() configured to send to `server` at the given --rateLimit (the token from the environment: in no process list). */
export async function configuredEnv(server, rateLimit) {
  const env = sandboxEnv();
  const options = ['--enabled', `--roomName=${ROOM}`, `--apiUrl=${server.url}`, `--rateLimit=${rateLimit}`];
  await timed(process.execPath, [CLI, 'notification-hipchat-configure', ...options], { env: { ...env, HIPCHAT_TOKEN: serverToken() } });
  return env;
}

/** The environment of curl-send.sh and http-loop.mjs: where to post, with which token. */
export function rawSenderEnv(server) {
  return { PATH: process.env.PATH, URL: `${server.url}/v2/room/${ROOM}/notification`, HIPCHAT_TOKEN: serverToken() };
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
function body(message) {
  return { message, message_format: 'text', color: 'yellow', notify: false };
}

/** Peak RSS of a command in MB (10^6 bytes), as the kernel reports it to the parent (GNU time's %M, in KiB). */
export async function peakRssMb(command, args, options) {
  const report = join(workDir, 'time.out');
  await timed(TIME, ['-f', '%M', '-o', report, command, ...args], options);
  return (Number(readFileSync(report, 'utf8').trim()) * 1024) / 1e6;
}
