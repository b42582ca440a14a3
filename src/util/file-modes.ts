// The modes of everything notifier writes: its files hold a token, or state that only the user may change.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errnoCode } from './errno.js';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Creates the folder and its missing parents, each 0700 whatever the umask; folders that already exist are
 * left as they are (they are the user's). One mkdir per missing folder, parents first: Node's own recursive
 * mkdir retries forever on a path it cannot create under /proc.
 */
export function makePrivateFolder(folder: string): void {
  const missing: string[] = [];
  for (let path = resolve(folder); ; path = dirname(path)) {
    if (exists(path)) break;
    missing.unshift(path);
    if (dirname(path) === path) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path, { mode: PRIVATE_FOLDER_MODE });
    } catch (error) {
      // Made by a concurrent process in the meantime: that is as good.
      if (errnoCode(error) !== 'EEXIST') throw error;
      continue;
    }
    // mkdir's mode is filtered by the umask: set it on every folder made here, and only on those.
    chmodSync(path, PRIVATE_FOLDER_MODE);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}
