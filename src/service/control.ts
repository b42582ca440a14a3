// How commands reach a running notification service of a target: the pid file it keeps, and the
// reload request a `--dynamic=true` configure leaves for it (the service polls it and re-reads the
// configuration within a second). Files rather than signals: nothing to get wrong about pids.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../util/file-modes.js';

/** Folder of one target's service files: pid file, reload request, spool. */
export function serviceFolder(stateDir: string, target: string): string {
  // encodeURIComponent keeps any target name a single, safe file name.
  return join(stateDir, 'services', encodeURIComponent(target));
}

export function reloadRequestFile(stateDir: string, target: string): string {
  return join(serviceFolder(stateDir, target), 'reload');
}

export function pidFile(stateDir: string, target: string): string {
  return join(serviceFolder(stateDir, target), 'service.pid');
}

/**
 * Asks a running service of the target, if any, to apply the stored configuration now. Harmless when
 * none runs: a service reads the configuration when it starts anyway.
 */
export function requestReload(stateDir: string, target: string): void {
  makePrivateFolder(serviceFolder(stateDir, target));
  writeFileSync(reloadRequestFile(stateDir, target), `${Date.now()}\n`, { mode: PRIVATE_FILE_MODE });
}

/** The content of the reload request ('' when there is none), to notice a new one. */
export function readReloadRequest(stateDir: string, target: string): string {
  try {
    return readFileSync(reloadRequestFile(stateDir, target), 'utf8');
  } catch {
    return '';
  }
}
