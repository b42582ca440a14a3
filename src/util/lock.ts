// A cross-process lock on a file path, made for short read-modify-write sections run by many concurrent,
// short-lived processes that may be kill -9'd at any moment.
//
// The lock is the file `<path>.lock`, created with O_EXCL; its content names the holder. A lock whose holder
// died (same host) or that is older than STALE_MS is stale. Breaking a stale lock is the delicate part: two
// processes that judged the same lock stale must not both delete it, since the second delete could hit a fresh
// lock taken in between. So a stale lock is only deleted under a break marker named after that exact lock
// (inode, mtime and content hashed), created with O_EXCL, after re-checking that the lock file is still that
// one. Lock instances never repeat (the content carries a random nonce), so once one is gone no later re-check
// can match it. A breaker kill -9'd while holding its marker is replaced through the next marker generation.

import { closeSync, fstatSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { errnoCode } from './errno.js';
import { LockTimeoutError } from './errors.js';
import { PRIVATE_FILE_MODE } from './file-modes.js';
import { isProcessAlive } from './process.js';
import { randomId } from './random-id.js';
import { abortableSleep, backoffDelay, type Backoff } from './sleep.js';

export interface LockOptions {
  timeoutMs?: number /* default 10_000 */;
}

/** A lock (or break marker) older than this is stale even if its holder seems alive (other host, reused pid). */
const STALE_MS = 30_000;
/**
 * A lock (or marker) that names no holder this long after it was made was left by a creator kill -9'd between
 * creating and writing it, two calls made back to back. Waiting STALE_MS for it would fail every configure and
 * every send (they give up after 10 s) for half a minute.
 */
const UNWRITTEN_STALE_MS = 2_000;
/** How often a waiting process looks again: soon at first, as most holders are done within milliseconds. */
const POLL: Backoff = { firstMs: 2, maxMs: 25, factor: 1.5, jitter: true };

interface Holder {
  pid: number;
  hostname: string;
  time: number;
  nonce: string;
}

/** One lock file instance as read from disk. */
interface Snapshot {
  /** Identifies this instance: a new lock at the same path never has the same key. */
  key: string;
  mtimeMs: number;
  /** Undefined while the creator has not written it yet (or if it died before writing). */
  holder: Holder | undefined;
}

/** Runs fn while holding the lock `<path>.lock`; always releases it (also when fn throws). */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${path}.lock`;
  const holder: Holder = {
    pid: process.pid,
    hostname: hostname(),
    time: Date.now(),
    nonce: randomId(),
  };
  const content = `${JSON.stringify(holder)}\n`;
  // File system errors (a read-only folder, say) go to the caller as they are: it knows what the file is for.
  await acquire(lockPath, content, options.timeoutMs ?? 10_000);
  try {
    return await fn();
  } finally {
    release(lockPath, content);
  }
}

async function acquire(lockPath: string, content: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  for (;;) {
    if (createExclusive(lockPath, content)) return;
    const current = readSnapshot(lockPath);
    // Gone since our attempt (released or broken): try again at once.
    if (current === undefined) continue;
    if (isStale(current) && breakStale(lockPath, current, content)) continue;
    if (Date.now() >= deadline) {
      const by = current.holder ? `pid ${current.holder.pid} on ${current.holder.hostname}` : 'an unknown process';
      throw new LockTimeoutError(`Timed out after ${timeoutMs} ms waiting for the lock ${lockPath}, held by ${by}.`);
    }
    await abortableSleep(backoffDelay(++polls, POLL));
  }
}

/**
 * Deletes the stale lock `judged` unless it has changed since. Returns false when another live process is
 * breaking it (the caller should wait), true when the caller should look again at once.
 */
function breakStale(lockPath: string, judged: Snapshot, content: string): boolean {
  const marker = (generation: number) => `${lockPath}.${judged.key}.${generation}.break`;
  for (let generation = 0; ; generation++) {
    if (createExclusive(marker(generation), content)) {
      try {
        const current = readSnapshot(lockPath);
        if (current?.key === judged.key) unlinkIfPresent(lockPath);
      } finally {
        // Only after the lock is gone: a breaker that takes a marker from now on finds no match.
        for (let g = generation; g >= 0; g--) unlinkIfPresent(marker(g));
      }
      return true;
    }
    const other = readSnapshot(marker(generation));
    if (other === undefined) return true;
    if (!isStale(other)) return false;
    // That breaker died holding the marker: the next generation takes over.
  }
}

function release(lockPath: string, content: string): void {
  try {
    // Someone may have broken our lock (we held it beyond STALE_MS) and taken it: leave theirs alone.
    if (readFileSync(lockPath, 'utf8') === content) unlinkSync(lockPath);
  } catch {
    // Best effort: throwing here would hide fn's outcome, and a lock left behind goes stale when we exit.
  }
}

function isStale(snapshot: Snapshot): boolean {
  const age = Date.now() - snapshot.mtimeMs;
  if (age > STALE_MS) return true;
  const holder = snapshot.holder;
  if (holder === undefined) return age > UNWRITTEN_STALE_MS;
  return holder.hostname === hostname() && !isProcessAlive(holder.pid);
}

/** Creates file with content, failing (false) if it exists. */
function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    writeFileSync(fd, content, 'utf8');
    closeSync(fd);
  } catch (err) {
    // A half-written lock would block others until it goes stale.
    closeSync(fd);
    unlinkIfPresent(file);
    throw err;
  }
  return true;
}

function readSnapshot(file: string): Snapshot | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    // Stat the opened file, not the path, so that inode, mtime and content belong to the same instance.
    const stats = fstatSync(fd, { bigint: true });
    const raw = readFileSync(fd, 'utf8');
    const key = `${stats.dev}-${stats.ino}-${stats.mtimeNs}-${contentHash(raw)}`;
    return { key, mtimeMs: Number(stats.mtimeMs), holder: parseHolder(raw) };
  } finally {
    closeSync(fd);
  }
}

/** FNV-1a (53 bits): with inode and mtime, enough to tell two lock files apart in a file name. */
function contentHash(text: string): string {
  let hash = 0xcbf29ce484222325n & 0x1fffffffffffffn;
  for (let i = 0; i < text.length; i++) hash = ((hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & 0x1fffffffffffffn;
  return hash.toString(36);
}

function parseHolder(raw: string): Holder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<Holder> | null;
    if (
      typeof value?.pid === 'number' &&
      Number.isInteger(value.pid) &&
      value.pid > 0 &&
      typeof value.hostname === 'string' &&
      typeof value.time === 'number' &&
      typeof value.nonce === 'string'
    ) {
      return { pid: value.pid, hostname: value.hostname, time: value.time, nonce: value.nonce };
    }
  } catch {
    // Empty or partly written: treated as a holder we cannot identify.
  }
  return undefined;
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}
