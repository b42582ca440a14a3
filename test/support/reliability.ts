// What the reliability suites (test/e2e/reliability-*.test.ts) share: sandboxes whose left-over files are
// scanned for the token, a config written straight to disk, byte snapshots of whole folders, and the shape
// of a failure on stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { capturedOutputs, CLI, createSandbox, hasStackTrace, type RunOptions, type RunResult, type Sandbox } from './cli.js';
import { TEST_TOKEN, type HipChatTestServer } from './hipchat-server.js';

export const SEND = 'send-hipchat-notification';
export const CONFIGURE = 'notification-hipchat-configure';
export const GET = 'get-hipchat-notifier-configuration';

/** Files allowed to hold the token: a config file and the token file a test wrote. */
const TOKEN_HOLDERS = new Set(['config.json', 'token']);
const leakedFiles: string[] = [];
/** Every 8 characters in a row of the token: a piece of it is a leak too. */
const TOKEN_PIECES = Array.from({ length: TEST_TOKEN.length - 7 }, (_, start) => TEST_TOKEN.slice(start, start + 8));

export function holdsToken(text: string): boolean {
  return TOKEN_PIECES.some((piece) => text.includes(piece));
}

/** Calls visit for root and every entry under it, a folder before what it holds. */
function walk(root: string, visit: (path: string, stats: Stats) => void): void {
  const stats = lstatSync(root, { throwIfNoEntry: false });
  if (!stats) return;
  visit(root, stats);
  if (stats.isDirectory()) for (const name of readdirSync(root)) walk(join(root, name), visit);
}

/** A file's bytes, or undefined when a permission case left it unreadable to us (not root). */
function bytesOf(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw error;
  }
}

/** Every file under root, other than a config or token file, that holds the token or a piece of it. */
function filesHoldingToken(root: string): string[] {
  const found: string[] = [];
  walk(root, (path, stats) => {
    if (stats.isFile() && !TOKEN_HOLDERS.has(basename(path)) && holdsToken(bytesOf(path)?.toString('latin1') ?? '')) found.push(path);
  });
  return found;
}

/**
 * A fresh sandbox, scanned for the token and removed when the test ends (pass the test context's
 * onTestFinished, so that concurrent tests each clean up their own).
 */
export function scannedSandbox(onTestFinished: (fn: () => void) => void): Sandbox {
  const box = createSandbox();
  onTestFinished(() => {
    // Folders a permission case made read-only or unreadable must be opened again to be scanned and removed.
    walk(box.dir, (path, stats) => {
      if (stats.isDirectory()) chmodSync(path, stats.mode | 0o700);
    });
    leakedFiles.push(...filesHoldingToken(box.dir));
    box.remove();
  });
  return box;
}

/** Call once per file: at its end, no output it captured and no file its tests left holds the token or a piece of it. */
export function checkSecretsAfterAll(): void {
  // A worker runs file after file (isolate: false): another file's leaks were reported there.
  beforeAll(() => {
    leakedFiles.length = 0;
  });
  afterAll(() => {
    expect(capturedOutputs.filter(holdsToken)).toEqual([]);
    expect(leakedFiles).toEqual([]);
  });
}

/**
 * Starts the CLI in a sandbox and hands back the child, for a test that kills it; its outputs join
 * capturedOutputs like runCli's.
 */
export function startCli(box: Sandbox, args: string[], input = ''): { child: ChildProcess; result: Promise<RunResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: box.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const result = new Promise<RunResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      capturedOutputs.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
  child.stdin!.on('error', () => {}); // a killed child closes its end early
  child.stdin!.end(input);
  return { child, result };
}

/**
 * The default target's configuration, written as the README documents it (0600 in a 0700 folder), without
 * spending a configure process on it. The rate limit is high by default: these tests are not about it.
 */
export function writeConfig(
  box: Sandbox,
  server: Pick<HipChatTestServer, 'url'>,
  rateLimit = '1000/1s',
  /** More targets, each the default one with these settings changed. */
  others: Record<string, { roomName?: string; apiUrl?: string; rateLimit?: string; rateLimitStore?: string }> = {},
  /** Where the shared rate limit lives ('file' when not given). */
  rateLimitStore?: string,
): void {
  const hipchat = {
    enabled: true,
    roomName: 'ops',
    token: TEST_TOKEN,
    dynamic: false,
    noisy: true,
    apiUrl: server.url,
    rateLimit,
    ...(rateLimitStore === undefined ? {} : { rateLimitStore }),
  };
  const targets: Record<string, unknown> = { server: { hipchat } };
  for (const [name, changes] of Object.entries(others)) targets[name] = { hipchat: { ...hipchat, ...changes } };
  mkdirSync(dirname(box.configPath), { recursive: true, mode: 0o700 });
  writeFileSync(box.configPath, `${JSON.stringify({ version: 1, targets }, null, 2)}\n`, { mode: 0o600 });
}

/** `count` --ndjson lines and the messages they carry, in order. */
export function ndjsonBatch(count: number, label: string): { input: string; messages: string[] } {
  const messages = Array.from({ length: count }, (_, index) => `${label} #${index + 1} ✓ "quoted"`);
  return { input: messages.map((message) => `${JSON.stringify({ message })}\n`).join(''), messages };
}

/** The messages the server accepted (204) for a room, in the order it received them. */
export function deliveredMessages(server: HipChatTestServer, room = 'ops'): string[] {
  return server.delivered(room).map((request) => (request.body as { message: string }).message);
}

/** Everything under root: type, mode and bytes (or link target) of every entry, by path. */
export function snapshotTree(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  walk(root, (path, stats) => {
    const mode = (stats.mode & 0o7777).toString(8);
    if (stats.isSymbolicLink()) entries[path] = `link ${mode} -> ${readlinkSync(path)}`;
    else if (stats.isDirectory()) entries[path] = `dir ${mode}`;
    // Reading a FIFO would wait for a writer.
    else if (!stats.isFile()) entries[path] = `special ${mode}`;
    else entries[path] = `file ${mode} ${bytesOf(path)?.toString('base64') ?? 'unreadable'}`;
  });
  return entries;
}

/** Hands a folder tree to the uid/gid a permission case runs as (nothing to do when that is us). */
export function handOver(root: string, ids: Pick<RunOptions, 'uid' | 'gid'>): void {
  if (ids.uid === undefined || ids.gid === undefined) return;
  walk(root, (path) => lchownSync(path, ids.uid!, ids.gid!));
}

/**
 * A failed command's stderr: no stack trace, asadmin's outcome line last; returns the lines before it
 * (the reason), for the caller to compare.
 */
export function failureReason(stderr: string, command: string): string[] {
  expect(hasStackTrace(stderr), stderr).toBe(false);
  const lines = stderr.trimEnd().split('\n');
  expect(lines.pop()).toBe(`Command ${command} failed.`);
  return lines;
}
