// A bounded, ordered queue of notifications kept on disk, so that a stop, a crash (kill -9) or a long
// HipChat outage loses none: one file per notification, named by a sequence number, written
// atomically, deleted once HipChat has accepted it. Only the service of one target writes it (its pid
// file sees to that).
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { RoomNotification } from '../notifier/message.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { errnoCode } from '../util/errno.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../util/file-modes.js';
const ITEM = /^(\d{12})\.json$/;

export const DEFAULT_SPOOL_LIMIT = 10_000;

export interface SpooledNotification {
  sequence: number;
  notification: RoomNotification;
}

export class Spool {
  /** Sequence numbers on disk, oldest first. */
  private readonly sequences: number[];

  constructor(
    private readonly folder: string,
    readonly limit = DEFAULT_SPOOL_LIMIT,
  ) {
    makePrivateFolder(folder);
    this.sequences = readdirSync(folder)
      .map((name) => ITEM.exec(name)?.[1])
      .filter((sequence): sequence is string => sequence !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  get size(): number {
    return this.sequences.length;
  }

  /** Adds a notification at the end; returns how many of the oldest were dropped to stay within the limit. */
  append(notification: RoomNotification): number {
    const sequence = (this.sequences.at(-1) ?? 0) + 1;
    // Not fsync'd: a killed process leaves its writes in the page cache; only a power cut could lose one.
    writeFileAtomic(this.path(sequence), JSON.stringify(notification), { mode: PRIVATE_FILE_MODE, durable: false });
    this.sequences.push(sequence);
    let dropped = 0;
    while (this.sequences.length > this.limit) {
      this.remove(this.sequences[0]!);
      dropped++;
    }
    return dropped;
  }

  /** The oldest notification, or undefined when the spool is empty. An unreadable item is skipped (and removed). */
  oldest(): SpooledNotification | undefined {
    while (this.sequences.length > 0) {
      const sequence = this.sequences[0]!;
      try {
        return { sequence, notification: JSON.parse(readFileSync(this.path(sequence), 'utf8')) as RoomNotification };
      } catch {
        this.remove(sequence);
      }
    }
    return undefined;
  }

  remove(sequence: number): void {
    try {
      unlinkSync(this.path(sequence));
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
    const index = this.sequences.indexOf(sequence);
    if (index !== -1) this.sequences.splice(index, 1);
  }

  private path(sequence: number): string {
    return join(this.folder, `${String(sequence).padStart(12, '0')}.json`);
  }
}
