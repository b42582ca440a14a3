// Private files and folders, kept safe from other users: a file notifier writes or reads in its state
// folder is never reached through a symbolic link (O_NOFOLLOW), is a regular file (never a FIFO that
// would block, never a device), and lies in folders nobody else can change (not writable by group or
// others, owned by this user). Every file made here is 0600, every folder 0700, whatever the umask.
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from './errno.js';
import { UnsafePathError } from './errors.js';
import { makePrivateFolder, PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from './file-modes.js';

const { O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;

/** Group or others may write: they could replace what is inside (or the file itself). */
const WRITABLE_BY_OTHERS = 0o022;
const READABLE_BY_OTHERS = 0o044;
const STICKY = 0o1000;

/** '0777': a mode as chmod takes it. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function whoElse(bits: number, write: boolean): string {
  const group = (bits & (write ? 0o020 : 0o040)) !== 0;
  const others = (bits & (write ? 0o002 : 0o004)) !== 0;
  return group && others ? 'group and others' : group ? 'its group' : 'others';
}

/** 'is writable by others (mode 0777)', or undefined when only the owner may write. */
export function writableByOthers(stats: Pick<Stats, 'mode'>): string | undefined {
  if ((stats.mode & WRITABLE_BY_OTHERS) === 0) return undefined;
  return `is writable by ${whoElse(stats.mode, true)} (mode ${formatMode(stats.mode)})`;
}

/** 'is readable by others (mode 0644)', or undefined when only the owner may read. */
export function readableByOthers(stats: Pick<Stats, 'mode'>): string | undefined {
  if ((stats.mode & READABLE_BY_OTHERS) === 0) return undefined;
  return `is readable by ${whoElse(stats.mode, false)} (mode ${formatMode(stats.mode)})`;
}

export interface FolderRule {
  /** The folder may be a symbolic link to a folder (the user's own choice, e.g. $NOTIFIER_STATE_DIR). */
  followLink?: boolean;
  /** A sticky folder (like /tmp) may be writable by others: they cannot rename or remove what is ours. */
  allowSticky?: boolean;
  /** It must belong to this user (or root). */
  ownedByUs?: boolean;
}

function ownUid(): number | undefined {
  return process.getuid?.();
}

/**
 * Why private files must not be kept in this folder, as the rest of a sentence ('is writable by others
 * (mode 0777); run chmod go-w /x'), or undefined when they may. Errors of lstat (ENOENT too) are thrown.
 */
export function folderProblem(folder: string, rule: FolderRule = {}): string | undefined {
  let stats = lstatSync(folder);
  if (stats.isSymbolicLink()) {
    if (!rule.followLink) return 'is a symbolic link; notifier does not follow links here: remove it';
    stats = statSync(folder);
  }
  if (!stats.isDirectory()) return 'is not a folder';
  const uid = ownUid();
  if (rule.ownedByUs && uid !== undefined && stats.uid !== uid && stats.uid !== 0)
    return `belongs to another user (uid ${stats.uid}), who could change it`;
  const writable = writableByOthers(stats);
  if (writable && !(rule.allowSticky && (stats.mode & STICKY) !== 0)) return `${writable}; run chmod go-w ${folder}`;
  return undefined;
}

/** Throws an UnsafePathError naming the folder ('State folder /x is writable by others …') when it is not safe. */
export function checkFolder(folder: string, what: string, rule: FolderRule = {}): void {
  const problem = folderProblem(folder, rule);
  if (problem) throw new UnsafePathError(folder, `${what} ${folder} ${problem}`);
}

/**
 * Makes `base` (with its missing parents, 0700) and the folders `segments` below it, one level at a time,
 * and checks each: `base` may be a symbolic link (the user's choice) but must be the user's and not
 * writable by others; every folder below it must be a real folder of the user's, not writable by others.
 * Returns the deepest folder. `what` names base in messages ('State folder').
 */
export function privateFolderChain(base: string, segments: readonly string[], what: string): string {
  makePrivateFolder(base);
  checkFolder(base, what, { followLink: true, ownedByUs: true });
  let folder = base;
  for (const segment of segments) {
    folder = join(folder, segment);
    try {
      mkdirSync(folder, { mode: PRIVATE_FOLDER_MODE });
      // mkdir's mode is filtered by the umask.
      chmodPrivate(folder);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
    checkFolder(folder, 'Folder', { ownedByUs: true });
  }
  return folder;
}

function chmodPrivate(folder: string): void {
  const fd = openSync(folder, O_RDONLY | O_NOFOLLOW);
  try {
    fchmodSync(fd, PRIVATE_FOLDER_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens path (created 0600 with O_CREAT) without following a symbolic link and checks that it is a regular
 * file; closes it on refusal (an UnsafePathError). `what` names it in errors ('Log file').
 */
export function openRegular(path: string, flags: number, what: string): number {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not block (for reading) or fail later (for writing).
    fd = openSync(path, flags | O_NOFOLLOW | O_NONBLOCK, PRIVATE_FILE_MODE);
  } catch (error) {
    if (errnoCode(error) === 'ELOOP' && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink())
      throw new UnsafePathError(path, `${what} ${path} is a symbolic link; notifier does not follow links here: remove it`);
    throw error;
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw new UnsafePathError(path, `${what} ${path} is not a regular file`);
  }
  return fd;
}

/**
 * Opens path to append to it (created 0600 when missing), never through a symbolic link; an existing file
 * of ours is made 0600 again. Returns the file descriptor. `what` names it in errors ('Log file').
 */
export function openPrivateAppend(path: string, what: string): number {
  const fd = openRegular(path, O_WRONLY | O_APPEND | O_CREAT, what);
  try {
    const stats = fstatSync(fd);
    if ((stats.mode & 0o777) !== PRIVATE_FILE_MODE && stats.uid === ownUid()) fchmodSync(fd, PRIVATE_FILE_MODE);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/**
 * The text of a small file, read without following a symbolic link; undefined when it does not exist.
 * A file over maxBytes, a link or anything but a regular file is an UnsafePathError.
 */
export function readPrivateFile(path: string, what: string, maxBytes = 64 * 1024): string | undefined {
  let fd: number;
  try {
    fd = openRegular(path, O_RDONLY, what);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length <= maxBytes; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) throw new UnsafePathError(path, `${what} ${path} is larger than ${maxBytes} bytes`);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}
