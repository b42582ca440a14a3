// Synchronous node:fs calls: these files are small, and node:fs/promises alone costs milliseconds of
// every configure's start-up.
import { closeSync, fchmodSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename as baseName, dirname, join } from 'node:path';
import { errnoCode } from './errno.js';
import { isProcessAlive } from './process.js';
import { randomId } from './random-id.js';

const TEMP_SUFFIX = '.tmp';
/** `<pid>.<random id>` between `.<basename>.` and `.tmp`. */
const TEMP_MIDDLE = /^(\d+)\.[0-9a-z]+$/;

/**
 * Writes data to path atomically: temp file in the same folder (name `.<basename>.<pid>.<random>.tmp`), written
 * with the given mode, renamed over path. Durable (the default) also fsyncs the file before the rename and the
 * folder after it; a cache that may be lost in a crash can skip that. On any failure the temp file is removed
 * and path is untouched.
 */
export function writeFileAtomic(path: string, data: string, options: { mode: number; durable?: boolean }): void {
  const dir = dirname(path);
  const temp = join(dir, `.${baseName(path)}.${process.pid}.${randomId()}${TEMP_SUFFIX}`);
  const durable = options.durable ?? true;
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', options.mode);
    // open()'s mode is filtered by the umask; the caller asked for this exact mode.
    fchmodSync(fd, options.mode);
    writeAll(fd, Buffer.from(data, 'utf8'));
    // Without fsync a crash after rename can leave an empty file under the final name.
    if (durable) fsyncSync(fd);
    const closing = fd;
    fd = undefined;
    closeSync(closing);
    renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
  if (durable) syncFolder(dir);
}

function writeAll(fd: number, data: Buffer): void {
  for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
}

/** Makes the rename durable; some file systems refuse to fsync a folder, and the data is already safe then. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Removes temp files left in dir by writeFileAtomic for basename whose writer pid is dead (kill -9'd writers);
 * call it while holding the lock.
 */
export function removeOrphanTempFiles(dir: string, basename: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  const prefix = `.${basename}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
    const pid = TEMP_MIDDLE.exec(name.slice(prefix.length, -TEMP_SUFFIX.length))?.[1];
    if (pid === undefined || isProcessAlive(Number(pid))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch (err) {
      // Another process cleaning up at the same time got there first.
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
}
