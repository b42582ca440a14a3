// The data folder: every accepted notification is appended to notifications.jsonl before its 204 is sent,
// and the file is read back on start, so stopping and starting the server loses nothing.
//
// - One JSON object per line: {"t":"r",...} a room, {"t":"n",...} a notification. Appends are written
//   with write(2) before the answer; there is no fsync per request (that would cap a bulk run at the
//   disk's flush rate): a killed process loses nothing, a machine crash may lose the last writes.
// - Compaction: retention drops old notifications in memory only, so the file also holds dead lines. When
//   those outnumber the live ones (plus 1000), the live state is written to a temporary file, flushed
//   and renamed over the data file: the file stays within about twice the live data, at O(1) amortized
//   cost per append, and a crash mid-compaction leaves either the old or the new file.
// - Safety: the folder is created 0700 (an existing one must be a real directory owned by us and is set
//   to 0700), files are 0600 and opened with O_NOFOLLOW, so a planted symlink cannot redirect a write.
//   A lock file (with our pid) keeps a second server away from the same folder for as long as it runs.
//   (util/lock.ts is for short read-modify-write sections: it deems a lock older than 30 s stale, so it
//   cannot hold a folder for a server's lifetime.)
import fs from 'node:fs';
import path from 'node:path';
import { describeErrno, errnoCode } from '../util/errno.js';
import { makePrivateFolder, PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from '../util/file-modes.js';
import { isProcessAlive } from '../util/process.js';
import { LocalHipChatDataError } from './errors.js';
import type { Room, StoredNotification } from './store.js';
import { isShownColor } from './validation.js';

const DATA_FILE = 'notifications.jsonl';
const TEMP_FILE = 'notifications.jsonl.tmp';
const LOCK_FILE = 'lock';
const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDWR, O_WRONLY, O_TRUNC } = fs.constants;

interface RoomLine {
  t: 'r';
  id: number;
  name: string;
  created: string;
  topic?: string;
  privacy?: 'public' | 'private';
  guestAccess?: boolean;
  dropped?: number;
}

type ItemLine = { t: 'n' } & Omit<StoredNotification, 'room'>;

export interface LoadedData {
  rooms: Room[];
  /** Lines that could not be used (a torn last line after a crash, a room no longer allowed...). */
  skipped: number;
}

function fail(message: string): never {
  throw new LocalHipChatDataError(message);
}

function roomLine(room: Room): RoomLine {
  return {
    t: 'r',
    id: room.id,
    name: room.name,
    created: room.created,
    topic: room.topic,
    privacy: room.privacy,
    guestAccess: room.guestAccess,
    dropped: room.dropped,
  };
}

function itemLine(item: StoredNotification): ItemLine {
  const { room: _room, ...rest } = item;
  return { t: 'n', ...rest };
}

export const encodeRoom = (room: Room): string => `${JSON.stringify(roomLine(room))}\n`;
export const encodeItem = (item: StoredNotification): string => `${JSON.stringify(itemLine(item))}\n`;

function isRoomLine(value: Record<string, unknown>): value is RoomLine & Record<string, unknown> {
  return value.t === 'r' && Number.isSafeInteger(value.id) && typeof value.name === 'string' && typeof value.created === 'string';
}

function isItemLine(value: Record<string, unknown>): value is ItemLine & Record<string, unknown> {
  return (
    value.t === 'n' &&
    Number.isSafeInteger(value.seq) &&
    Number.isSafeInteger(value.roomId) &&
    typeof value.id === 'string' &&
    typeof value.date === 'string' &&
    typeof value.message === 'string' &&
    (value.type === 'notification' || value.type === 'message')
  );
}

/** Creates or checks the folder: a real directory (not a symlink), ours, mode 0700. */
function prepareFolder(dir: string): void {
  try {
    makePrivateFolder(dir);
  } catch (err) {
    fail(`Cannot create the data folder ${dir}: ${describeErrno(err)}`);
  }
  const stat = fs.lstatSync(dir);
  if (stat.isSymbolicLink()) fail(`The data folder ${dir} is a symbolic link; give the real path`);
  if (!stat.isDirectory()) fail(`The data folder ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) fail(`The data folder ${dir} belongs to another user (uid ${stat.uid})`);
  if ((stat.mode & 0o777) !== PRIVATE_FOLDER_MODE) fs.chmodSync(dir, PRIVATE_FOLDER_MODE);
}

function openPrivate(file: string, flags: number): number {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | O_NOFOLLOW, PRIVATE_FILE_MODE);
  } catch (err) {
    if (errnoCode(err) === 'ELOOP') fail(`${file} is a symbolic link; refusing to follow it`);
    throw err;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    fail(`${file} is not a regular file`);
  }
  if ((stat.mode & 0o777) !== PRIVATE_FILE_MODE) fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  return fd;
}

function takeLock(file: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openPrivate(file, O_WRONLY | O_CREAT | O_EXCL);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') {
        if (err instanceof LocalHipChatDataError) throw err;
        fail(`Cannot lock the data folder (${file}): ${describeErrno(err)}`);
      }
    }
    const pid = Number.parseInt(readSmall(file), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && isProcessAlive(pid)) {
      fail(`The data folder ${path.dirname(file)} is in use by process ${pid} (another local HipChat server)`);
    }
    fs.rmSync(file, { force: true }); // left by a process that is gone
  }
  fail(`Cannot lock the data folder ${path.dirname(file)}`);
}

function readSmall(file: string): string {
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | O_NOFOLLOW);
    try {
      const buffer = Buffer.alloc(32);
      return buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, 32, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, 'utf8');
  let written = 0;
  while (written < buffer.length) written += fs.writeSync(fd, buffer, written, buffer.length - written);
}

export class DataLog {
  private fd: number;
  private lines = 0;
  private closed = false;

  private constructor(
    readonly dir: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Opens (creating) the folder and its data file and reads it back: rooms with their newest `max`
   * notifications (the older ones counted as dropped). Rooms not in `allowed` (when given) are left out.
   */
  static open(dir: string, max: number, allowed: ReadonlySet<string> | undefined): { log: DataLog; data: LoadedData } {
    const folder = path.resolve(dir);
    prepareFolder(folder);
    const lockFile = path.join(folder, LOCK_FILE);
    takeLock(lockFile);
    try {
      fs.rmSync(path.join(folder, TEMP_FILE), { force: true }); // a compaction that did not finish
      const fd = openPrivate(path.join(folder, DATA_FILE), O_RDWR | O_APPEND | O_CREAT);
      const log = new DataLog(folder, fd);
      const text = fs.readFileSync(fd, 'utf8');
      const data = log.parse(text, max, allowed);
      // A torn or unusable line, or a last line without its newline, is cleaned up now, before appending;
      // so is a file that holds mostly notifications `max` no longer keeps.
      if (data.skipped > 0 || (text !== '' && !text.endsWith('\n'))) log.compact(data.rooms);
      else
        log.maybeCompact(
          data.rooms.reduce((sum, r) => sum + 1 + r.items.length, 0),
          () => data.rooms,
        );
      return { log, data };
    } catch (err) {
      fs.rmSync(lockFile, { force: true });
      if (err instanceof LocalHipChatDataError) throw err;
      fail(`Cannot read the data folder ${folder}: ${describeErrno(err)}`);
    }
  }

  private parse(text: string, max: number, allowed: ReadonlySet<string> | undefined): LoadedData {
    const rooms = new Map<number, Room>();
    const names = new Set<string>();
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      this.lines += 1;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        skipped += 1;
        continue;
      }
      if (typeof value !== 'object' || value === null) {
        skipped += 1;
        continue;
      }
      const record = value as Record<string, unknown>;
      if (isRoomLine(record)) {
        if ((allowed !== undefined && !allowed.has(record.name)) || rooms.has(record.id) || names.has(record.name)) {
          skipped += 1;
          continue;
        }
        names.add(record.name);
        rooms.set(record.id, {
          id: record.id,
          name: record.name,
          created: record.created,
          topic: typeof record.topic === 'string' ? record.topic : '',
          privacy: record.privacy === 'private' ? 'private' : 'public',
          guestAccess: record.guestAccess === true,
          items: [],
          dropped: Number.isSafeInteger(record.dropped) ? (record.dropped as number) : 0,
        });
      } else if (isItemLine(record) && rooms.has(record.roomId)) {
        const room = rooms.get(record.roomId) as Room;
        const { t: _t, ...item } = record;
        // Fields the page and the API rely on get their type back, whatever the file says.
        room.items.push({
          ...(item as Omit<StoredNotification, 'room'>),
          room: room.name,
          message_format: record.message_format === 'html' ? 'html' : 'text',
          from: typeof record.from === 'string' ? record.from : '',
          notify: record.notify === true,
          color: isShownColor(record.color) ? record.color : undefined,
          ...(typeof record.card === 'object' && record.card !== null && !Array.isArray(record.card) ? {} : { card: undefined }),
        });
      } else {
        skipped += 1;
      }
    }
    for (const room of rooms.values()) {
      room.items.sort((a, b) => a.seq - b.seq);
      if (room.items.length > max) {
        room.dropped += room.items.length - max;
        room.items.splice(0, room.items.length - max);
      }
    }
    return { rooms: [...rooms.values()], skipped };
  }

  /** Appends lines (already encoded, each ending in \n) with one write, before the caller answers. */
  append(text: string, lineCount: number): void {
    if (this.closed) throw new Error('the data file is closed');
    writeAll(this.fd, text);
    this.lines += lineCount;
  }

  /** Compacts when dead lines outnumber live ones (plus 1000); `live` = rooms + retained notifications. */
  maybeCompact(live: number, rooms: () => Room[]): void {
    if (this.lines - live > Math.max(1000, live)) this.compact(rooms());
  }

  /** Rewrites the file with exactly the live state (temporary file, fsync, rename). */
  compact(rooms: Room[]): void {
    if (this.closed) return;
    const temp = path.join(this.dir, TEMP_FILE);
    fs.rmSync(temp, { force: true });
    const fd = openPrivate(temp, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC);
    let lines = 0;
    try {
      // Written in chunks so that a large state never becomes one huge string.
      let chunk = '';
      const flush = (): void => {
        writeAll(fd, chunk);
        chunk = '';
      };
      for (const room of rooms) {
        chunk += encodeRoom(room);
        lines += 1;
      }
      for (const room of rooms) {
        for (const item of room.items) {
          chunk += encodeItem(item);
          lines += 1;
          if (chunk.length > 1 << 20) flush();
        }
      }
      flush();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const file = path.join(this.dir, DATA_FILE);
    fs.renameSync(temp, file);
    fs.closeSync(this.fd);
    this.fd = openPrivate(file, O_RDWR | O_APPEND);
    this.lines = lines;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    const lock = path.join(this.dir, LOCK_FILE);
    if (readSmall(lock).trim() === String(process.pid)) fs.rmSync(lock, { force: true });
  }
}
