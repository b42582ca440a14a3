// The modes of everything notifier writes: its files hold a token, or state that only the user may change.
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Creates the folder and its missing parents, each 0700 whatever the umask; folders that already exist are
 * left as they are (they are the user's).
 */
export function makePrivateFolder(folder: string): void {
  const target = resolve(folder);
  const first = mkdirSync(target, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (first === undefined) return;
  // mkdir's mode is filtered by the umask: set it on every folder made here, and only on those.
  for (let path = target; ; path = dirname(path)) {
    chmodSync(path, PRIVATE_FOLDER_MODE);
    if (path === first || dirname(path) === path) break;
  }
}
