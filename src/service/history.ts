// The health-check history (Payara's historical trace): the latest results of a target's checkers, kept by
// the running service in one file of the state folder so that list-historic-healthchecks can read them
// and a restart keeps them. Bounded by the store size (the oldest go first) and by the store timeout.
// Only the service of the target writes it (its pid file sees to that); every write replaces the file
// atomically, so a reader sees the old history or the new one, never half of one.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HistorySettings } from '../healthcheck/catalog.js';
import type { Level } from '../healthcheck/checkers.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { describeErrno, errnoCode } from '../util/errno.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../util/file-modes.js';
import { serviceFolder, type ServiceId } from './control.js';
import { ServiceError } from './errors.js';

const HISTORY_VERSION = 1;
const LEVELS: readonly string[] = ['SEVERE', 'WARNING', 'INFO', 'FINE'];

/** One recorded result, as Payara's HistoricHealthCheckEvent held it. */
export interface HistoryEntry {
  /** When it was recorded, epoch milliseconds. */
  time: number;
  level: Level;
  /** The notification's subject without the origin: 'Health Check notification with severity level: INFO'. */
  subject: string;
  /** The checker's name and its result: 'CPUC:Health Check Result:[[status=GOOD, message='…'']']'. */
  message: string;
}

/** The history of the service of one config file and target (control.ts: how a service is identified). */
export function historyFile(id: ServiceId): string {
  return join(serviceFolder(id), 'history.json');
}

/** Older than the timeout: the age in whole seconds beyond it, as Payara's cleanup task decides. */
function expired(entry: HistoryEntry, now: number, timeoutSeconds: number | undefined): boolean {
  return timeoutSeconds !== undefined && Math.trunc((now - entry.time) / 1000) > timeoutSeconds;
}

function isEntry(value: unknown): value is HistoryEntry {
  const entry = value as Partial<HistoryEntry> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    Number.isFinite(entry.time) &&
    LEVELS.includes(entry.level as string) &&
    typeof entry.subject === 'string' &&
    typeof entry.message === 'string'
  );
}

/** The stored entries, oldest first; [] when there is no history yet. Throws when the file is not one. */
function readEntries(path: string): HistoryEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw new ServiceError(`Cannot read the health check history ${path}: ${describeErrno(error)}`);
  }
  let document: { version?: unknown; entries?: unknown };
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    throw new ServiceError(`The health check history ${path} is not valid JSON`);
  }
  if (document?.version !== HISTORY_VERSION || !Array.isArray(document.entries)) {
    throw new ServiceError(`The health check history ${path} is not a history this version of notifier knows`);
  }
  // A damaged entry is left out rather than failing the whole history.
  return document.entries.filter(isEntry);
}

/**
 * What list-historic-healthchecks shows: the entries within the timeout, newest first, at most `first`.
 * A file that cannot be read is a ServiceError.
 */
export function readHistory(path: string, settings: HistorySettings, first: number, now = Date.now()): HistoryEntry[] {
  return readEntries(path)
    .filter((entry) => !expired(entry, now, settings.timeoutSeconds))
    .reverse()
    .slice(0, first);
}

/** The service's side: adds each result and keeps the file within its bounds. */
export class HistoryStore {
  private entries: HistoryEntry[] | undefined;

  constructor(
    private readonly path: string,
    /** Told when the history cannot be read or written; the service goes on without it. */
    private readonly onError: (message: string) => void,
  ) {}

  /** Adds an entry, drops the expired and the oldest beyond the size, and writes the file. */
  add(entry: HistoryEntry, settings: HistorySettings): void {
    const entries = this.load().filter((kept) => !expired(kept, entry.time, settings.timeoutSeconds));
    entries.push(entry);
    entries.splice(0, Math.max(0, entries.length - settings.size));
    this.entries = entries;
    try {
      makePrivateFolder(dirname(this.path));
      // Not fsync'd, like the spool: a killed service leaves its writes in the page cache.
      writeFileAtomic(this.path, JSON.stringify({ version: HISTORY_VERSION, entries }), { mode: PRIVATE_FILE_MODE, durable: false });
    } catch (error) {
      this.onError(`health check history not written to ${this.path}: ${describeErrno(error)}`);
    }
  }

  private load(): HistoryEntry[] {
    if (this.entries) return this.entries;
    try {
      this.entries = readEntries(this.path);
    } catch (error) {
      this.onError(`${(error as Error).message}: starting a new history`);
      this.entries = [];
    }
    return this.entries;
  }
}
