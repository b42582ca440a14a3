// Rooms and what they retain, in memory. Every room keeps its newest `max` notifications; older ones are
// dropped and counted. The store knows nothing of HTTP or files: the server persists before it adds.
import { randomUUID } from 'node:crypto';
import { roomNameProblem, type Card, type MessageFormat, type ShownColor } from './validation.js';

/** One retained notification (or user message), as the test API, waitFor() and the data file hold it. */
export interface StoredNotification {
  /** Arrival order over all rooms, from 1, never reused (it continues after a restart with a dataDir). */
  seq: number;
  /** HipChat's message id (a UUID). */
  id: string;
  roomId: number;
  room: string;
  /** ISO 8601, in HipChat's form (`2026-01-02T03:04:05.678+00:00`). */
  date: string;
  type: 'notification' | 'message';
  message: string;
  message_format: MessageFormat;
  /** The colour shown (`random` is resolved on arrival); user messages have none. */
  color?: ShownColor;
  /** The notification's `from` label ('' if none was given). */
  from: string;
  notify: boolean;
  attach_to?: string;
  card?: Card;
}

export interface Room {
  readonly id: number;
  readonly name: string;
  readonly created: string;
  topic: string;
  privacy: 'public' | 'private';
  guestAccess: boolean;
  /** Oldest first. */
  readonly items: StoredNotification[];
  /** Notifications dropped by retention (the oldest went first). */
  dropped: number;
}

/** Search and wait criteria for the test API and waitFor(). All given criteria must match. */
export interface NotificationQuery {
  /** Room name or numeric id (a name matches first, as in the API). */
  room?: string;
  /** Case-insensitive substring of the message, the `from` label or the card's title or description. */
  text?: string;
  /** Only notifications with a larger `seq`. */
  after?: number;
  /** Only notifications that arrived at or after this time (epoch milliseconds). */
  since?: number;
  type?: 'notification' | 'message';
}

export type StoreEvent =
  | { kind: 'added'; item: StoredNotification; room: Room }
  | { kind: 'room'; room: Room }
  | { kind: 'cleared'; roomId: number | undefined };

export type CreateProblem = 'restricted' | 'full' | 'invalid';

let lastMs = NaN;
let lastDate = '';

/** HipChat's date form: ISO 8601 with an explicit +00:00 offset (a bulk run asks many times per ms). */
export function hipChatDate(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastDate = new Date(ms).toISOString().replace('Z', '+00:00');
  }
  return lastDate;
}

function cardText(card: Card | undefined): string {
  if (card === undefined) return '';
  const description = typeof card.description === 'string' ? card.description : (card.description?.value ?? '');
  return `${card.title}\n${description}`;
}

export function matches(item: StoredNotification, query: NotificationQuery, roomId: number | undefined): boolean {
  if (query.room !== undefined && (roomId === undefined ? item.room !== query.room : item.roomId !== roomId)) return false;
  if (query.after !== undefined && item.seq <= query.after) return false;
  if (query.since !== undefined && Date.parse(item.date) < query.since) return false;
  if (query.type !== undefined && item.type !== query.type) return false;
  if (query.text !== undefined && query.text !== '') {
    const needle = query.text.toLowerCase();
    const haystack = `${item.message}\n${item.from}\n${cardText(item.card)}`.toLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  return true;
}

export class Store {
  private readonly rooms = new Map<number, Room>();
  private readonly byName = new Map<string, Room>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private nextRoomId = 1;
  private nextSeq = 1;
  private retainedCount = 0;

  constructor(
    readonly max: number,
    readonly maxRooms: number,
    /** With a `rooms` option, the only names that may exist. */
    readonly allowed: ReadonlySet<string> | undefined,
  ) {}

  /** A room by name, else by numeric id (HipChat's `room_id_or_name`). */
  resolve(idOrName: string): Room | undefined {
    const named = this.byName.get(idOrName);
    if (named !== undefined) return named;
    return /^[0-9]{1,15}$/.test(idOrName) ? this.rooms.get(Number(idOrName)) : undefined;
  }

  /** Why a room of this name cannot be created, or undefined if it can. */
  createProblem(name: string): CreateProblem | undefined {
    if (roomNameProblem(name) !== undefined) return 'invalid';
    if (this.allowed !== undefined && !this.allowed.has(name)) return 'restricted';
    if (this.rooms.size >= this.maxRooms) return 'full';
    return undefined;
  }

  /** Makes a room (the caller checked createProblem and persists it). */
  newRoom(name: string, now: number, fields: Partial<Pick<Room, 'topic' | 'privacy' | 'guestAccess'>> = {}): Room {
    return {
      id: this.nextRoomId,
      name,
      created: hipChatDate(now),
      topic: '',
      privacy: 'public',
      guestAccess: false,
      items: [],
      dropped: 0,
      ...fields,
    };
  }

  /** Adds a room made by newRoom() or loaded from the data file. */
  addRoom(room: Room): void {
    this.rooms.set(room.id, room);
    this.byName.set(room.name, room);
    this.nextRoomId = Math.max(this.nextRoomId, room.id + 1);
    this.emit({ kind: 'room', room });
  }

  /** Puts back a room read from the data file, with its retained notifications (oldest first). */
  restore(room: Room): void {
    this.rooms.set(room.id, room);
    this.byName.set(room.name, room);
    this.nextRoomId = Math.max(this.nextRoomId, room.id + 1);
    const last = room.items[room.items.length - 1];
    if (last !== undefined) this.nextSeq = Math.max(this.nextSeq, last.seq + 1);
    this.retainedCount += room.items.length;
  }

  /** Makes a notification with the next seq and a fresh id (the caller persists it, then adds it). */
  newItem(room: Room, now: number, fields: Omit<StoredNotification, 'seq' | 'id' | 'roomId' | 'room' | 'date'>): StoredNotification {
    return { seq: this.nextSeq++, id: randomUUID(), roomId: room.id, room: room.name, date: hipChatDate(now), ...fields };
  }

  /** Retains a notification, dropping the room's oldest beyond `max`. */
  add(room: Room, item: StoredNotification): void {
    room.items.push(item);
    this.retainedCount += 1;
    this.nextSeq = Math.max(this.nextSeq, item.seq + 1);
    // shift() on a V8 array is cheap (the backing store is trimmed in place), so a full room costs O(1).
    while (room.items.length > this.max) {
      room.items.shift();
      room.dropped += 1;
      this.retainedCount -= 1;
    }
    this.emit({ kind: 'added', item, room });
  }

  /** Empties one room (by id) or all; the rooms stay. Returns how many notifications went. */
  clear(roomId?: number): number {
    let cleared = 0;
    for (const room of roomId === undefined ? this.rooms.values() : [this.rooms.get(roomId)]) {
      if (room === undefined) continue;
      cleared += room.items.length;
      room.items.length = 0;
      room.dropped = 0;
    }
    this.retainedCount -= cleared;
    this.emit({ kind: 'cleared', roomId });
    return cleared;
  }

  get(id: number): Room | undefined {
    return this.rooms.get(id);
  }

  list(): Room[] {
    return [...this.rooms.values()];
  }

  get size(): number {
    return this.rooms.size;
  }

  get retained(): number {
    return this.retainedCount;
  }

  /** The seq of the newest notification ever accepted (0 before the first). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Matching notifications, oldest first: the newest `limit`, or with `after` the oldest `limit` after it. */
  query(query: NotificationQuery, limit: number): StoredNotification[] {
    const room = query.room === undefined ? undefined : this.resolve(query.room);
    if (query.room !== undefined && room === undefined) return [];
    const rooms = room === undefined ? this.list() : [room];
    const found: StoredNotification[] = [];
    for (const r of rooms) for (const item of r.items) if (matches(item, query, room?.id)) found.push(item);
    if (rooms.length > 1) found.sort((a, b) => a.seq - b.seq);
    return query.after !== undefined ? found.slice(0, limit) : found.slice(Math.max(0, found.length - limit));
  }

  /** The room id a query's `room` stands for right now (undefined: any room, or a room not created yet). */
  queryRoomId(query: NotificationQuery): number | undefined {
    return query.room === undefined ? undefined : this.resolve(query.room)?.id;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
