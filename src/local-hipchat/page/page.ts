// The page's routes: `/` (rooms), `/rooms/{id or name}` (a room, newest first; `?before=SEQ` for older),
// their event streams (`/events`, `/rooms/{id}/events`) and `/assets/*`. Read-only, no token: the page
// shows notifications, never tokens. Defense in depth around the cleaning in sanitize.ts: a strict
// Content-Security-Policy (scripts only from this origin, no inline script or style, no framing), and a
// Host check against DNS rebinding (a remote site whose name resolves to 127.0.0.1 must not read the page).
import { HttpAnswer } from '../answer.js';
import { TooManyWaiters, type Core } from '../core.js';
import { decodeSegment, type RequestContext } from '../http.js';
import { isLoopbackHost } from '../options.js';
import type { Room } from '../store.js';
import { ASSETS } from './assets.js';
import { EventHub } from './events.js';
import { renderIndex, renderNotFound, renderRoom, type PageContext } from './render.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Messages and cards show images from anywhere on the web, as HipChat did; only http(s).
  "img-src 'self' http: https:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function html(status: number, body: string): HttpAnswer {
  return new HttpAnswer(status, body, { ...PAGE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
}

/** The host name of a Host header (`[::1]:8080` -> `::1`), lower case. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  return h.split(':')[0];
}

export class Page {
  readonly hub: EventHub;
  private readonly publicHost: string | undefined;

  constructor(private readonly core: Core) {
    this.hub = new EventHub(core, core.options.pageSize);
    this.publicHost =
      core.options.publicUrl === undefined ? undefined : new URL(core.options.publicUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  }

  private hostAllowed(header: string | undefined): boolean {
    const { allowedHosts, host } = this.core.options;
    const name = hostName(header);
    if (name === undefined) return allowedHosts === undefined && !isLoopbackHost(host) ? true : false;
    if (isLoopbackHost(name) || name === this.publicHost || allowedHosts?.includes(name)) return true;
    // Listening on a public address without a list: the operator chose to be reachable under any name.
    return allowedHosts === undefined && !isLoopbackHost(host);
  }

  private context(): PageContext {
    const now = Date.now();
    const { core } = this;
    const { tokenLimit, floodLimit } = core.limits();
    return {
      baseUrl: core.baseUrl,
      instance: core.options.instanceId,
      rooms: core.store.list().map((r) => core.summary(r, now)),
      tokenLimit,
      floodLimit,
      chaos: core.chaos,
      max: core.options.max,
      lastSeq: core.store.lastSeq,
      now,
    };
  }

  /** Answers a page request; undefined when an event stream took over the response. */
  handle(ctx: RequestContext): HttpAnswer | undefined {
    const { req, target } = ctx;
    const method = req.method ?? '';
    if (!this.hostAllowed(req.headers.host)) {
      return html(403, renderNotFound('This page answers only to the names of this machine (see the allowedHosts option).'));
    }
    if (method !== 'GET' && method !== 'HEAD') {
      const answer = html(405, renderNotFound('This page is read-only.'));
      answer.headers.Allow = 'GET, HEAD';
      return answer;
    }
    const [first, second, third, ...rest] = target.segments;
    if (rest.length > 0) return html(404, renderNotFound('There is no such page.'));
    if (first === '' && second === undefined) return html(200, renderIndex(this.context()));
    if (first === 'events' && second === undefined) return this.stream(ctx, undefined);
    if (first === 'assets' && third === undefined) {
      const asset = ASSETS[second ?? ''];
      if (asset === undefined) return html(404, renderNotFound('There is no such file.'));
      const headers = { ...PAGE_HEADERS, 'Content-Type': asset.type, 'Cache-Control': 'no-cache', ETag: asset.etag };
      if (req.headers['if-none-match'] === asset.etag) return new HttpAnswer(304, undefined, headers);
      return new HttpAnswer(200, asset.body, headers);
    }
    if (first === 'rooms' && second !== undefined) {
      const name = decodeSegment(second);
      const room = name === undefined ? undefined : this.core.store.resolve(name);
      if (room === undefined) return html(404, renderNotFound(`Room ${name ?? second} not found.`));
      if (third === 'events') return this.stream(ctx, room);
      if (third === undefined) return this.room(ctx, room);
    }
    return html(404, renderNotFound('There is no such page.'));
  }

  private room(ctx: RequestContext, room: Room): HttpAnswer {
    const before = Number(ctx.target.query.get('before') ?? NaN);
    const paged = Number.isSafeInteger(before) && before > 0;
    const { items } = room;
    let end = items.length;
    if (paged) {
      end = items.findIndex((i) => i.seq >= before);
      if (end === -1) end = items.length;
    }
    const { pageSize } = this.core.options;
    const start = Math.max(0, end - pageSize);
    const context = this.context();
    return html(
      200,
      renderRoom(context, {
        room,
        summary: this.core.summary(room, context.now),
        items: items.slice(start, end).reverse(),
        older: start > 0 ? items[start]?.seq : undefined,
        paged,
        pageSize,
      }),
    );
  }

  private stream(ctx: RequestContext, room: Room | undefined): HttpAnswer | undefined {
    const header = ctx.req.headers['last-event-id'];
    const param = ctx.target.query.get('after');
    const text = typeof header === 'string' && header !== '' ? header : param;
    const after = text !== null && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
    try {
      this.hub.open(ctx.res, room, after, PAGE_HEADERS);
    } catch (err) {
      if (!(err instanceof TooManyWaiters)) throw err;
      const answer = new HttpAnswer(503, 'Too many open event streams\n', { ...PAGE_HEADERS, 'Retry-After': '5' });
      return answer;
    }
    return undefined;
  }
}
