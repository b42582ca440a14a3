import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename as baseName, dirname, join } from 'node:path';

const TEMP_SUFFIX = '.tmp';
/** `<pid>.<random id>` between `.<basename>.` and `.tmp`. */
const TEMP_MIDDLE = /^(\d+)\.[0-9a-z]+$/;

/**
 * Writes data to path atomically: temp file in the same folder (name `.<basename>.<pid>.<random>.tmp`), written
 * with the given mode, fsync'd, renamed over path; the folder fsync'd best-effort. On any failure the temp file
 * is removed and path is untouched.
 */
export async function writeFileAtomic(path: string, data: string, options: { mode: number }): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${baseName(path)}.${process.pid}.${randomId()}${TEMP_SUFFIX}`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', options.mode);
    // open()'s mode is filtered by the umask; the caller asked for this exact mode.
    await handle.chmod(options.mode);
    await handle.writeFile(data, 'utf8');
    // Without fsync a crash after rename can leave an empty file under the final name.
    await handle.sync();
    const closing = handle;
    handle = undefined;
    await closing.close();
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncFolder(dir);
}

/** Makes the rename durable; some file systems refuse to fsync a folder, and the data is already safe then. */
async function syncFolder(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Removes temp files left in dir by writeFileAtomic for basename whose writer pid is dead (kill -9'd writers);
 * call it while holding the lock.
 */
export async function removeOrphanTempFiles(dir: string, basename: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw err;
  }
  const prefix = `.${basename}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
    const pid = TEMP_MIDDLE.exec(name.slice(prefix.length, -TEMP_SUFFIX.length))?.[1];
    if (pid === undefined || isProcessAlive(Number(pid))) continue;
    await unlink(join(dir, name)).catch((err: unknown) => {
      // Another process cleaning up at the same time got there first.
      if (errorCode(err) !== 'ENOENT') throw err;
    });
  }
}

/** True unless the process with this pid (on this machine) certainly no longer exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return errorCode(err) !== 'ESRCH';
  }
}

function errorCode(err: unknown): unknown {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Unique enough for temp file names and lock nonces, whose job is to tell instances apart, not to be secret;
 * node:crypto would add milliseconds to every configure's start-up.
 */
export function randomId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
