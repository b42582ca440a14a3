// A bounded, ordered queue of notifications kept on disk, so that a stop, a crash (kill -9) or a long
// HipChat outage loses none: one file per notification, named by a sequence number, written atomically
// (never through a link), deleted once HipChat has accepted it. Only the service of one config and
// target writes it (its pid file sees to that).
//
// A disk that refuses a write (full, read-only, permissions) never loses a notification that is still
// in memory: it waits there, in order, until a later flush() writes it or it is sent. An item that cannot
// be read or parsed is moved to bad/ and reported, never deleted. How many were dropped from a full spool
// and not yet reported is kept in the file `dropped`, so that a summary survives a restart.
import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { COLORS, MESSAGE_FORMATS, type RoomNotification } from '../notifier/message.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { describeErrno, errnoCode } from '../util/errno.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../util/file-modes.js';
import { parsePlainJson } from '../util/plain-data.js';
import { checkFolder, privateFolderChain, readPrivateFile } from '../util/safe-fs.js';

const ITEM = /^(\d{12})\.json$/;
/** Left by writeFileAtomic when its writer was killed; only this service writes here. */
const TEMP_FILE = /^\..*\.tmp$/;
const DROPPED_FILE = 'dropped';
const BAD_FOLDER = 'bad';
/** A notification is at most 10 000 characters; JSON may spell each as \uXXXX. */
const MAX_ITEM_BYTES = 256 * 1024;

export const DEFAULT_SPOOL_LIMIT = 10_000;

export interface SpooledNotification {
  sequence: number;
  notification: RoomNotification;
}

export interface SpoolEvents {
  /** A spool file that cannot be read or parsed: moved to `movedTo`, or left where it is (undefined) when that failed too. */
  badItem(file: string, reason: string, movedTo: string | undefined): void;
}

function isNotification(value: unknown): value is RoomNotification {
  const { message, messageFormat, color, notify, from } = (value !== null && typeof value === 'object' ? value : {}) as Record<
    string,
    unknown
  >;
  return (
    typeof message === 'string' &&
    message.length > 0 &&
    (MESSAGE_FORMATS as readonly unknown[]).includes(messageFormat) &&
    (COLORS as readonly unknown[]).includes(color) &&
    typeof notify === 'boolean' &&
    (from === undefined || typeof from === 'string')
  );
}

export class Spool {
  /** Sequence numbers of the items on disk, oldest first. */
  private readonly onDisk: number[];
  /** Items not written yet (the disk refused), oldest first; all newer than those on disk. */
  private readonly inMemory: SpooledNotification[] = [];
  /** Files of items already sent whose deletion failed: deleted at the next flush. */
  private readonly undeleted: number[] = [];
  private nextSequence: number;
  private droppedCount = 0;
  private droppedDirty = false;

  constructor(
    private readonly folder: string,
    readonly limit = DEFAULT_SPOOL_LIMIT,
    private readonly events: SpoolEvents = { badItem: () => {} },
  ) {
    makePrivateFolder(folder);
    checkFolder(folder, 'Spool folder', { ownedByUs: true });
    const names = readdirSync(folder);
    for (const name of names) if (TEMP_FILE.test(name)) unlinkIfPresent(join(folder, name));
    this.onDisk = names
      .map((name) => ITEM.exec(name)?.[1])
      .filter((sequence): sequence is string => sequence !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    this.nextSequence = (this.onDisk.at(-1) ?? 0) + 1;
    this.droppedCount = this.readDropped();
    // Started with a lower limit than the spool holds: the oldest go, counted like any other drop.
    const excess = this.onDisk.length - limit;
    if (excess > 0) {
      for (let i = 0; i < excess; i++) this.forget(this.onDisk[0]!);
      this.droppedCount += excess;
      // A failure leaves it dirty: the service's first flush writes it.
      this.writeDropped();
    }
  }

  /** Notifications waiting, on disk and in memory. */
  get size(): number {
    return this.onDisk.length + this.inMemory.length;
  }

  /** Notifications that only memory holds: lost if the process ends before a flush succeeds. */
  get unwritten(): number {
    return this.inMemory.length;
  }

  /** Dropped from the full spool and not yet reported (kept across restarts). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Whether something waits to be written or deleted (see flush). */
  get dirty(): boolean {
    return this.inMemory.length > 0 || this.undeleted.length > 0 || this.droppedDirty;
  }

  /**
   * Adds a notification at the end. Returns how many of the oldest were dropped to stay within the limit,
   * and the error when the disk refused a write (the notification then waits in memory, see flush).
   */
  append(notification: RoomNotification): { dropped: number; error?: unknown } {
    const item = { sequence: this.nextSequence++, notification };
    let error: unknown;
    // Once one waits in memory, the later ones wait behind it (for the next flush): the order on disk
    // stays the order they were measured in.
    if (this.inMemory.length === 0) error = this.write(item);
    if (this.inMemory.length > 0 || error !== undefined) this.inMemory.push(item);
    let dropped = 0;
    while (this.size > this.limit) {
      this.forget(this.onDisk[0] ?? this.inMemory[0]!.sequence);
      dropped++;
    }
    if (dropped > 0) {
      this.droppedCount += dropped;
      error ??= this.writeDropped();
    }
    return error === undefined ? { dropped } : { dropped, error };
  }

  /** Writes what waits in memory, deletes what could not be deleted, saves the dropped count; the first error, if any. */
  flush(): unknown {
    while (this.inMemory.length > 0) {
      const error = this.write(this.inMemory[0]!);
      if (error !== undefined) return error;
      this.inMemory.shift();
    }
    while (this.undeleted.length > 0) {
      try {
        unlinkIfPresent(this.path(this.undeleted[0]!));
      } catch (error) {
        return error;
      }
      this.undeleted.shift();
    }
    return this.droppedDirty ? this.writeDropped() : undefined;
  }

  /** The oldest notification, or undefined when the spool is empty. An unreadable item is moved aside. */
  oldest(): SpooledNotification | undefined {
    while (this.onDisk.length > 0) {
      const sequence = this.onDisk[0]!;
      const notification = this.read(sequence);
      if (notification) return { sequence, notification };
      this.onDisk.shift();
    }
    return this.inMemory[0];
  }

  /** Removes a notification HipChat has accepted (or refused for good); a failed deletion is retried by flush(). */
  remove(sequence: number): unknown {
    return this.forget(sequence);
  }

  /** Counts `count` dropped notifications as reported. */
  reported(count: number): unknown {
    this.droppedCount = Math.max(0, this.droppedCount - count);
    return this.writeDropped();
  }

  private forget(sequence: number): unknown {
    const memoryIndex = this.inMemory.findIndex((item) => item.sequence === sequence);
    if (memoryIndex !== -1) {
      this.inMemory.splice(memoryIndex, 1);
      return undefined;
    }
    const index = this.onDisk.indexOf(sequence);
    if (index === -1) return undefined;
    this.onDisk.splice(index, 1);
    try {
      unlinkIfPresent(this.path(sequence));
      return undefined;
    } catch (error) {
      this.undeleted.push(sequence);
      return error;
    }
  }

  private write(item: SpooledNotification): unknown {
    try {
      // Not fsync'd: a killed process leaves its writes in the page cache; only a power cut could lose one.
      writeFileAtomic(this.path(item.sequence), JSON.stringify(item.notification), { mode: PRIVATE_FILE_MODE, durable: false });
      this.onDisk.push(item.sequence);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /** The item's notification, or undefined after moving it aside (or leaving it, when it cannot be moved). */
  private read(sequence: number): RoomNotification | undefined {
    const file = this.path(sequence);
    let reason: string;
    try {
      const text = readPrivateFile(file, 'Spool item', MAX_ITEM_BYTES);
      if (text === undefined) return undefined; // deleted meanwhile: nothing to send
      const data = parsePlainJson(text);
      if (isNotification(data)) return data;
      reason = 'it is not a notification';
    } catch (error) {
      reason = error instanceof SyntaxError ? 'it is not valid JSON' : describeErrno(error);
    }
    this.events.badItem(file, reason, this.moveAside(file));
    return undefined;
  }

  private moveAside(file: string): string | undefined {
    try {
      const bad = privateFolderChain(this.folder, [BAD_FOLDER], 'Spool folder');
      const target = join(bad, `${file.slice(this.folder.length + 1)}.${Date.now()}`);
      renameSync(file, target);
      return target;
    } catch {
      return undefined;
    }
  }

  private readDropped(): number {
    const file = join(this.folder, DROPPED_FILE);
    try {
      const count = (parsePlainJson(readPrivateFile(file, 'Dropped count') ?? '{"count":0}') as { count?: unknown }).count;
      if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) return count;
      this.events.badItem(file, 'it is not a count', this.moveAside(file));
    } catch (error) {
      this.events.badItem(file, error instanceof SyntaxError ? 'it is not valid JSON' : describeErrno(error), this.moveAside(file));
    }
    return 0;
  }

  private writeDropped(): unknown {
    try {
      const file = join(this.folder, DROPPED_FILE);
      if (this.droppedCount === 0) unlinkIfPresent(file);
      else writeFileAtomic(file, `${JSON.stringify({ count: this.droppedCount })}\n`, { mode: PRIVATE_FILE_MODE, durable: false });
      this.droppedDirty = false;
      return undefined;
    } catch (error) {
      this.droppedDirty = true;
      return error;
    }
  }

  private path(sequence: number): string {
    return join(this.folder, `${String(sequence).padStart(12, '0')}.json`);
  }
}

/** Deletes file; one that is not there (also because its folder is gone) is fine. */
function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
}
