// The page's live updates: server-sent events. A room page's stream sends each new notification of that
// room as the same HTML fragment the first view has; every stream gets `rooms` (changed room summaries,
// at most 10 times a second) and `clear`. `hello` carries the server's instance id, so a page left open
// across a restart reloads itself. Reconnects resume after the last event id (EventSource sends it as
// Last-Event-ID), or after `?after=SEQ` (the seq the page was rendered at), so nothing is missed.
// Slow readers are cut off (and reconnect) rather than buffered without bound.
import type { ServerResponse } from 'node:http';
import type { Core } from '../core.js';
import type { Room, StoreEvent } from '../store.js';
import { renderItem } from './render.js';

const FLUSH_MS = 100;
const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED = 1024 * 1024;

interface Stream {
  res: ServerResponse;
  roomId: number | undefined;
  release: () => void;
}

export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
};

const event = (name: string, data: unknown, id?: number): string =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

export class EventHub {
  private readonly streams = new Set<Stream>();
  private readonly dirty = new Set<number>();
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly core: Core,
    private readonly pageSize: number,
  ) {
    this.unsubscribe = core.store.subscribe((e) => this.onStoreEvent(e));
  }

  get size(): number {
    return this.streams.size;
  }

  /** Starts a stream (throws TooManyWaiters when all waiter slots are taken). */
  open(res: ServerResponse, room: Room | undefined, after: number | undefined, headers: Record<string, string>): void {
    const release = this.core.takeWaiter();
    const stream: Stream = { res, roomId: room?.id, release };
    this.streams.add(stream);
    res.on('close', () => {
      this.streams.delete(stream);
      release();
      if (this.streams.size === 0 && this.heartbeat !== undefined) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
    });
    res.writeHead(200, { ...headers, ...STREAM_HEADERS });
    let text = `retry: 1000\n\n${event('hello', { instance: this.core.options.instanceId, lastSeq: this.core.store.lastSeq })}`;
    if (room !== undefined && after !== undefined) {
      const missed = room.items.filter((i) => i.seq > after).slice(-this.pageSize);
      for (const item of missed) text += event('notification', { seq: item.seq, html: renderItem(item) }, item.seq);
    }
    text += event('rooms', { rooms: this.core.store.list().map((r) => this.core.summary(r)) });
    this.write(stream, text);
    this.heartbeat ??= setInterval(() => {
      for (const s of this.streams) this.write(s, ': keep-alive\n\n');
    }, HEARTBEAT_MS).unref();
  }

  private write(stream: Stream, text: string): void {
    const { res } = stream;
    if (res.destroyed || res.writableEnded) return;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED) res.destroy();
  }

  private onStoreEvent(e: StoreEvent): void {
    if (e.kind === 'cleared') {
      for (const s of this.streams) this.write(s, event('clear', { roomId: e.roomId ?? null }));
      return;
    }
    if (e.kind === 'added') {
      let text: string | undefined;
      for (const s of this.streams) {
        if (s.roomId !== e.room.id) continue;
        text ??= event('notification', { seq: e.item.seq, html: renderItem(e.item) }, e.item.seq);
        this.write(s, text);
      }
    }
    if (this.streams.size === 0) return;
    this.dirty.add(e.room.id);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const now = Date.now();
    const rooms = [...this.dirty].flatMap((id) => {
      const room = this.core.store.get(id);
      return room === undefined ? [] : [this.core.summary(room, now)];
    });
    this.dirty.clear();
    if (rooms.length === 0) return;
    const text = event('rooms', { rooms });
    for (const s of this.streams) this.write(s, text);
  }

  close(): void {
    this.unsubscribe();
    clearTimeout(this.flushTimer);
    clearInterval(this.heartbeat);
    for (const s of this.streams) {
      s.release();
      s.res.destroy();
    }
    this.streams.clear();
  }
}
