// Where a notification service keeps its files, and how commands reach it. A service is identified by its
// config file and its target: two config files are two services, even for targets of the same name, and
// start, stop, "already running" and a `--dynamic=true` reload request all find the same folder:
//
//   <state folder>/services/<config file name>-<hash of its path>/<target>/
//       service.pid   which process runs it (pid, start time, command line)
//       service.log   its log, with --detach
//       reload        a reload request (--dynamic=true); the service polls it
//       spool/        notifications not yet accepted by HipChat; spool/bad/ what could not be read
//
// Files rather than signals for reloads: nothing to get wrong about pids.
import { createHash } from 'node:crypto';
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { errnoCode } from '../util/errno.js';
import { UnsafePathError } from '../util/errors.js';
import { PRIVATE_FILE_MODE } from '../util/file-modes.js';
import { checkFolder, privateFolderChain, readPrivateFile } from '../util/safe-fs.js';
import { ServiceError } from './errors.js';

/** Which service: the state folder it keeps its files in, its config file and its target. */
export interface ServiceId {
  stateDir: string;
  configPath: string;
  target: string;
}

/** A name longer than this is shortened (and told apart by a hash): file names have a limit. */
const MAX_NAME_LENGTH = 100;

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * The config file as a service knows it: its real path, so that a link to it and the file are one config;
 * for a file not made yet, the real path of its folder (it stays the same once the file exists).
 */
export function configIdentity(configPath: string): string {
  for (const real of [() => realpathSync(configPath), () => join(realpathSync(dirname(configPath)), basename(configPath))]) {
    try {
      return real();
    } catch {
      // not there (yet)
    }
  }
  return resolve(configPath);
}

/** Any name as one safe file name: URL-encoded, never '.' or '..', never too long. */
function fileName(name: string): string {
  const encoded = encodeURIComponent(name).replace(/^\./, '%2E');
  return encoded.length <= MAX_NAME_LENGTH ? encoded : `${encoded.slice(0, MAX_NAME_LENGTH - 13)}-${hashOf(name)}`;
}

/** The folders from the state folder down to the service's own: services/<config>/<target>. */
function segmentsOf(id: ServiceId): string[] {
  const config = configIdentity(id.configPath);
  return ['services', `${fileName(basename(config))}-${hashOf(config)}`, fileName(id.target)];
}

/** The service's folder (it may not exist yet). */
export function serviceFolder(id: ServiceId): string {
  return join(id.stateDir, ...segmentsOf(id));
}

export function pidFile(id: ServiceId): string {
  return join(serviceFolder(id), 'service.pid');
}

export function logFile(id: ServiceId): string {
  return join(serviceFolder(id), 'service.log');
}

export function reloadRequestFile(id: ServiceId): string {
  return join(serviceFolder(id), 'reload');
}

/** The state folder's own words for a folder or file that cannot be trusted: a ServiceError, one line. */
export function asServiceError(error: unknown): unknown {
  return error instanceof UnsafePathError ? new ServiceError(error.message) : error;
}

/**
 * Makes the service's folder, and the folders `below` it (0700, each level checked: real folders of this
 * user, not writable by others), and returns the deepest; a ServiceError when one cannot be trusted.
 */
export function prepareServiceFolder(id: ServiceId, ...below: string[]): string {
  try {
    return privateFolderChain(id.stateDir, [...segmentsOf(id), ...below], 'State folder');
  } catch (error) {
    throw asServiceError(error);
  }
}

/**
 * The service's folder when it exists and can be trusted, undefined when it does not exist (no service
 * ever ran); a ServiceError when one of its folders cannot be trusted. Makes nothing.
 */
export function existingServiceFolder(id: ServiceId): string | undefined {
  let folder = id.stateDir;
  try {
    if (!lstatSync(folder, { throwIfNoEntry: false })) return undefined;
    checkFolder(folder, 'State folder', { followLink: true, ownedByUs: true });
    for (const segment of segmentsOf(id)) {
      folder = join(folder, segment);
      if (!lstatSync(folder, { throwIfNoEntry: false })) return undefined;
      checkFolder(folder, 'Folder', { ownedByUs: true });
    }
  } catch (error) {
    throw asServiceError(error);
  }
  return folder;
}

/**
 * Asks a running service of this config and target, if any, to apply the stored configuration now.
 * Harmless when none runs: a service reads the configuration when it starts anyway.
 */
export function requestReload(id: ServiceId): void {
  prepareServiceFolder(id);
  // Replaced by a rename, never written through a link that someone put in its place.
  writeFileAtomic(reloadRequestFile(id), `${Date.now()}\n`, { mode: PRIVATE_FILE_MODE, durable: false });
}

/** The content of the reload request ('' when there is none), to notice a new one. */
export function readReloadRequest(id: ServiceId): string {
  try {
    return readPrivateFile(reloadRequestFile(id), 'Reload request') ?? '';
  } catch (error) {
    if (errnoCode(error) === 'ENOTDIR') return '';
    throw asServiceError(error);
  }
}
