// The server's state and the operations the API, the test API and the page share: accepting a
// notification (persist, then retain), creating rooms, waiting for a notification, and timers that
// close() can end at once.
import { setMaxListeners } from 'node:events';
import { abortableSleep } from '../util/sleep.js';
import { type ChaosRule } from './chaos.js';
import { encodeItem, encodeRoom, type DataLog } from './persistence.js';
import { WindowCounter, type WindowLimit, type WindowState } from './limits.js';
import type { ResolvedOptions } from './options.js';
import { Store, matches, type NotificationQuery, type Room, type StoredNotification } from './store.js';
import { SHOWN_COLORS, type ShownColor } from './validation.js';

/** A fault for the next send (in-process tests): injectFaults() queues them, one per send, first in first out. */
export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'rateLimited'; withHeaders: boolean };

/** Thrown when long polls and event streams already use all of maxWaiters. */
export class TooManyWaiters extends Error {}

export interface RoomSummary {
  id: number;
  name: string;
  retained: number;
  dropped: number;
  /** Date of the newest retained notification. */
  last: string | undefined;
  /** The room's flood-control window now; undefined without flood control. */
  flood: WindowState | undefined;
}

export class Core {
  readonly store: Store;
  readonly tokens: ReadonlySet<string>;
  tokenWindow: WindowCounter | undefined;
  floodWindow: WindowCounter | undefined;
  chaos: ChaosRule[];
  readonly faults: Fault[] = [];
  readonly random: () => number;
  readonly startedAt = new Date().toISOString();
  /** Set once listening: links in API answers and the page start with it. */
  baseUrl = '';
  private waiters = 0;
  /** Aborted by endPending(): pending delays and waits end at once. */
  private readonly closing = new AbortController();

  constructor(
    readonly options: ResolvedOptions,
    readonly dataLog: DataLog | undefined,
  ) {
    this.store = new Store(options.max, options.maxRooms, options.rooms && new Set(options.rooms));
    this.tokens = new Set(options.tokens);
    this.tokenWindow = options.tokenLimit && new WindowCounter(options.tokenLimit);
    this.floodWindow = options.floodLimit && new WindowCounter(options.floodLimit);
    this.chaos = options.chaos;
    this.random = options.random;
    // Every open delay and wait listens to it (up to maxWaiters and more): no leak warning for that.
    setMaxListeners(0, this.closing.signal);
  }

  limits(): { tokenLimit: WindowLimit | undefined; floodLimit: WindowLimit | undefined } {
    return { tokenLimit: this.tokenWindow?.limit, floodLimit: this.floodWindow?.limit };
  }

  /** A present key replaces that limit with fresh counts (undefined or null: no limit); an absent key keeps it. */
  setLimits(limits: { tokenLimit?: WindowLimit | null; floodLimit?: WindowLimit | null }): void {
    if ('tokenLimit' in limits) this.tokenWindow = limits.tokenLimit ? new WindowCounter({ ...limits.tokenLimit }) : undefined;
    if ('floodLimit' in limits) this.floodWindow = limits.floodLimit ? new WindowCounter({ ...limits.floodLimit }) : undefined;
  }

  resolveColor(color: string): ShownColor {
    if (color !== 'random') return color as ShownColor;
    return SHOWN_COLORS[Math.min(4, Math.floor(this.random() * 5))] as ShownColor;
  }

  private persist(text: string, lines: number): void {
    this.dataLog?.append(text, lines);
  }

  private compactIfDue(): void {
    this.dataLog?.maybeCompact(this.store.size + this.store.retained, () => this.store.list());
  }

  /** Creates and persists a room (the caller checked store.createProblem()). */
  createRoom(name: string, fields: Partial<Pick<Room, 'topic' | 'privacy' | 'guestAccess'>> = {}): Room {
    const room = this.store.newRoom(name, Date.now(), fields);
    this.persist(encodeRoom(room), 1);
    this.store.addRoom(room);
    return room;
  }

  /**
   * Accepts a notification for `room`, or for a new room called `name` (created with it). It is written
   * to the data file before this returns, so before the caller answers; if that write fails, it throws
   * and nothing is retained.
   */
  accept(
    room: Room | undefined,
    name: string,
    fields: Omit<StoredNotification, 'seq' | 'id' | 'roomId' | 'room' | 'date'>,
  ): StoredNotification {
    const now = Date.now();
    const target = room ?? this.store.newRoom(name, now);
    const item = this.store.newItem(target, now, fields);
    if (this.dataLog !== undefined) {
      const text = room === undefined ? encodeRoom(target) + encodeItem(item) : encodeItem(item);
      this.persist(text, room === undefined ? 2 : 1);
    }
    if (room === undefined) this.store.addRoom(target);
    this.store.add(target, item);
    this.compactIfDue();
    return item;
  }

  clear(roomId?: number): number {
    const cleared = this.store.clear(roomId);
    // Rewritten at once: cleared notifications must not come back after a restart.
    this.dataLog?.compact(this.store.list());
    return cleared;
  }

  summary(room: Room, now = Date.now()): RoomSummary {
    return {
      id: room.id,
      name: room.name,
      retained: room.items.length,
      dropped: room.dropped,
      last: room.items[room.items.length - 1]?.date,
      flood: this.floodWindow?.state(room.name, now),
    };
  }

  get activeWaiters(): number {
    return this.waiters;
  }

  /** Takes one of maxWaiters for a long poll or an event stream; the returned function gives it back. */
  takeWaiter(): () => void {
    if (this.closing.signal.aborted || this.waiters >= this.options.maxWaiters) throw new TooManyWaiters();
    this.waiters += 1;
    let given = false;
    return () => {
      if (!given) this.waiters -= 1;
      given = true;
    };
  }

  /** A timer that close() ends early (its promise then resolves at once). */
  sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.closing.signal).catch(() => undefined);
  }

  /**
   * The first notification matching `query` (oldest first), waiting up to `timeoutMs` for one to arrive.
   * Without `after` and `since`, only notifications that arrive from now on count. Resolves undefined on
   * timeout, on `signal` abort, or when the server closes. Throws TooManyWaiters if all are in use.
   */
  async waitFor(query: NotificationQuery, timeoutMs: number, signal?: AbortSignal): Promise<StoredNotification | undefined> {
    const q: NotificationQuery = { ...query, after: query.after ?? (query.since === undefined ? this.store.lastSeq : 0) };
    const ready = this.store.query(q, 1)[0];
    const closing = this.closing.signal;
    if (ready !== undefined || timeoutMs <= 0 || signal?.aborted || closing.aborted) return ready;
    const release = this.takeWaiter();
    try {
      return await new Promise<StoredNotification | undefined>((resolve) => {
        let unsubscribe = (): void => undefined;
        const done = (item: StoredNotification | undefined): void => {
          unsubscribe();
          signal?.removeEventListener('abort', onAbort);
          closing.removeEventListener('abort', onAbort);
          clearTimeout(timer);
          resolve(item);
        };
        const onAbort = (): void => done(undefined);
        const timer = setTimeout(() => done(undefined), timeoutMs);
        signal?.addEventListener('abort', onAbort);
        closing.addEventListener('abort', onAbort);
        unsubscribe = this.store.subscribe((event) => {
          if (event.kind === 'added' && matches(event.item, q, this.store.queryRoomId(q))) done(event.item);
        });
      });
    } finally {
      release();
    }
  }

  /** Ends pending delays and waits now; no new ones start. */
  endPending(): void {
    this.closing.abort();
  }

  /** endPending(), and the data file closed (its lock released). */
  close(): void {
    this.endPending();
    this.dataLog?.close();
  }
}
