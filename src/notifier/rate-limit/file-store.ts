// The shared limits in the state folder: one file per (API URL, token), read and changed under a file lock
// by every process on the machine. The change itself is synchronous inside the lock, so that the lock is held
// for the least time; waiting happens outside it.
//
// The file is rewritten in place with one write (padded with spaces to its old length, which JSON ignores), so
// that a process killed at any moment leaves either the old state or the new one; a state that cannot be read
// counts the room's limit as used up now rather than free.
import { closeSync, constants, fstatSync, readSync, writeSync, ftruncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeErrno } from '../../util/errno.js';
import { LockTimeoutError, UnsafePathError } from '../../util/errors.js';
import { withFileLock } from '../../util/lock.js';
import { openRegular, privateFolderChain } from '../../util/safe-fs.js';
import { RateLimitStateError } from '../errors.js';
import { limitKey } from './key.js';
import type { LimitStore } from './limiter.js';
import {
  applyUpdate,
  createLimitState,
  exhaustedLimitState,
  readLimitState,
  type LimitState,
  type LimitUpdate,
  type TakeOutcome,
} from './limits.js';

/** Padding beyond this is cut off (the cut may be lost in a crash: what is left is still valid JSON). */
const MAX_PADDING = 4096;
/** The largest state file read: a few rooms' grants and windows take a few kilobytes. */
const MAX_STATE_BYTES = 1024 * 1024;

export interface FileLimitStoreOptions {
  stateDir: string;
  apiUrl: string;
  token: string;
  now?: () => number;
}

export class FileLimitStore implements LimitStore {
  private readonly stateDir: string;
  private readonly folder: string;
  private readonly file: string;
  private readonly now: () => number;
  private folderReady = false;

  constructor(options: FileLimitStoreOptions) {
    this.stateDir = resolve(options.stateDir);
    this.folder = join(this.stateDir, 'limits');
    this.file = join(this.folder, `${limitKey(options.apiUrl, options.token)}.json`);
    this.now = options.now ?? Date.now;
  }

  async apply(update: LimitUpdate): Promise<TakeOutcome | undefined> {
    this.createFolder();
    try {
      return await withFileLock(this.file, async () => this.applyLocked(update));
    } catch (error) {
      // A lock timeout and an unsafe file explain themselves; file system errors are reported against the folder.
      if (error instanceof LockTimeoutError || error instanceof RateLimitStateError) throw error;
      if (error instanceof UnsafePathError) throw new RateLimitStateError(error.message, { cause: error });
      throw new RateLimitStateError(`Cannot write the rate-limit state in ${this.folder}: ${describeErrno(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {}

  private applyLocked(update: LimitUpdate): TakeOutcome | undefined {
    // Not following a link, and only a regular file: a link planted in the folder must not make us write
    // elsewhere, nor a FIFO make us wait forever.
    const fd = openRegular(this.file, constants.O_RDWR | constants.O_CREAT, 'Rate-limit state');
    try {
      const { text, size } = readAll(fd);
      const now = this.now();
      const { state, taken } = applyUpdate(parseState(text, update, now), update, now);
      const json = JSON.stringify(state);
      const length = Buffer.byteLength(json);
      const padded = length < size ? json.padEnd(json.length + (size - length)) : json;
      writeAll(fd, Buffer.from(padded));
      if (size - length > MAX_PADDING) ftruncateSync(fd, length);
      return taken;
    } finally {
      closeSync(fd);
    }
  }

  private createFolder(): void {
    if (this.folderReady) return;
    try {
      // The state folder is the user's and nobody else may write in it; limits/ is a real folder of ours.
      privateFolderChain(this.stateDir, ['limits'], 'State folder');
    } catch (error) {
      if (error instanceof UnsafePathError) throw new RateLimitStateError(error.message, { cause: error });
      throw new RateLimitStateError(`Cannot create the rate-limit state folder ${this.folder}: ${describeErrno(error)}`, { cause: error });
    }
    this.folderReady = true;
  }
}

/** The stored state; an empty file is a new one, an unreadable or damaged one counts the room's limit as used. */
function parseState(text: string, update: LimitUpdate, now: number): LimitState {
  if (text.trim() === '') return createLimitState();
  try {
    const stored = readLimitState(JSON.parse(text));
    if (stored !== undefined) return stored;
  } catch {
    // damaged: below
  }
  return exhaustedLimitState(update.room, update.rate, now);
}

function readAll(fd: number): { text: string; size: number } {
  const size = fstatSync(fd).size;
  if (size > MAX_STATE_BYTES) return { text: '{}', size };
  const buffer = Buffer.alloc(size);
  for (let read = 0; read < size; ) {
    const got = readSync(fd, buffer, read, size - read, read);
    if (got === 0) break;
    read += got;
  }
  return { text: buffer.toString('utf8'), size };
}

function writeAll(fd: number, data: Buffer): void {
  for (let written = 0; written < data.length; ) written += writeSync(fd, data, written, data.length - written, written);
}
