// HipChat's REST API v2 (the part a notifier needs, in HipChat's shapes).
//
// For a send (POST /v2/room/{room}/notification or /message) the checks run in this order:
// fault/chaos -> auth -> rate limits -> room -> Content-Type -> body.
// - Faults and chaos stand for trouble in front of HipChat: they come first and touch no window.
// - Every request that passes auth and is within its limits consumes its windows, even if it then fails
//   with 404 or 400 (HipChat counted requests, not successes). A 429 consumes nothing; a 401 only reports
//   the window of the token it presented. Other /v2 requests count against the token window only.
// - `?auth_test=true` is answered 202/401 on any /v2 path, touching neither faults nor windows.
// - Every answer after the route is known carries X-Ratelimit-* (and, for sends, X-FloodControl-*).
import http from 'node:http';
import {
  AnswerError,
  authRequired,
  errorAnswer,
  HttpAnswer,
  invalidSession,
  methodNotAllowed,
  notFound,
  rateLimitExceeded,
  roomNotFound,
} from './answer.js';
import { decideChaos } from './chaos.js';
import type { Core } from './core.js';
import { decodeSegment, mediaType, presentedToken, queryBoolean, queryInteger, queryValue, type RequestContext } from './http.js';
import { windowHeaders, windowStart, type WindowLimit } from './limits.js';
import type { Room, StoredNotification } from './store.js';
import { pyRepr, validateMessage, validateNotification, validateRoom } from './validation.js';

// A `rateLimited` fault or chaos 429 with headers, for a family that has no configured limit: the
// reference's defaults, with a 1 s window so that a client waiting for the reset stays fast.
const FAULT_TOKEN_LIMIT: WindowLimit = { limit: 100, windowMs: 1000 };
const FAULT_FLOOD_LIMIT: WindowLimit = { limit: 30, windowMs: 1000 };

/** The user every message posted through the API is from (tokens here belong to no user). */
const API_USER = { id: 1, mention_name: 'api', name: 'API user' };

type Send = 'notification' | 'message';
/** An answer now, or later (after a delay); undefined when the connection was reset instead. */
export type Answered = HttpAnswer | undefined | Promise<HttpAnswer | undefined>;

function exhaustedHeaders(prefix: string, limit: WindowLimit, now: number): Record<string, string> {
  return windowHeaders(prefix, { limit: limit.limit, remaining: 0, reset: (windowStart(limit, now) + limit.windowMs) / 1000 });
}

/** Runs core.accept(); a failed write to the data file becomes a 500 (nothing was retained). */
function stored(accept: () => StoredNotification): StoredNotification {
  try {
    return accept();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AnswerError(errorAnswer(500, `Could not store the notification: ${reason}`));
  }
}

function withHeaders(answer: HttpAnswer, headers: Record<string, string>): HttpAnswer {
  Object.assign(answer.headers, headers);
  return answer;
}

/** The decoded {room} of a request to one of the room routes below, for request records. */
export function roomOfPath(segments: string[]): string | undefined {
  const [v2, room, id, what, sub, ...rest] = segments;
  if (v2 !== 'v2' || room !== 'room' || rest.length > 0) return undefined;
  const known =
    what === undefined ||
    ((what === 'notification' || what === 'message') && sub === undefined) ||
    (what === 'history' && (sub === undefined || sub === 'latest'));
  return known ? decodeSegment(id) : undefined;
}

export class Api {
  constructor(private readonly core: Core) {}

  private link(path: string): string {
    return `${this.core.baseUrl}${path}`;
  }

  private roomLinks(room: Room): Record<string, string> {
    const self = this.link(`/v2/room/${room.id}`);
    const links: Record<string, string> = { self, webhooks: `${self}/webhook`, participants: `${self}/participant` };
    if (room.privacy === 'private') links.members = `${self}/member`;
    return links;
  }

  /** A rate-limited answer as a fault or chaos gives it: both windows exhausted. */
  private injected429(withWindowHeaders: boolean): HttpAnswer {
    const answer = rateLimitExceeded();
    if (!withWindowHeaders) return answer;
    const now = Date.now();
    return withHeaders(answer, {
      ...exhaustedHeaders('X-Ratelimit', this.core.tokenWindow?.limit ?? FAULT_TOKEN_LIMIT, now),
      ...exhaustedHeaders('X-FloodControl', this.core.floodWindow?.limit ?? FAULT_FLOOD_LIMIT, now),
    });
  }

  /**
   * Auth then rate limits. Returns the headers every answer of this request carries, or the 401/429.
   * `floodKey`: the room's name for a send (flood control counts per room), else undefined.
   */
  private gate(ctx: RequestContext, floodKey: string | undefined): Record<string, string> | HttpAnswer {
    const { tokenWindow, floodWindow } = this.core;
    const now = Date.now();
    const { token, presented } = presentedToken(ctx.req, ctx.target.query);
    const headers = (): Record<string, string> => ({
      ...tokenWindow?.headers('X-Ratelimit', token ?? '', now),
      ...(floodKey === undefined ? undefined : floodWindow?.headers('X-FloodControl', floodKey, now)),
    });
    if (token === undefined || !this.core.tokens.has(token)) {
      return withHeaders(token === undefined && !presented ? authRequired() : invalidSession(), headers());
    }
    if (tokenWindow?.full(token, now) || (floodKey !== undefined && floodWindow?.full(floodKey, now))) {
      return withHeaders(rateLimitExceeded(), headers());
    }
    tokenWindow?.consume(token, now);
    if (floodKey !== undefined) floodWindow?.consume(floodKey, now);
    return headers();
  }

  private authTest(ctx: RequestContext): HttpAnswer {
    const { token, presented } = presentedToken(ctx.req, ctx.target.query);
    if (token === undefined || !this.core.tokens.has(token)) return token === undefined && !presented ? authRequired() : invalidSession();
    return new HttpAnswer(202, { success: { code: 202, type: 'Accepted', message: 'This auth_token has access to use this method.' } });
  }

  /** Handles a /v2 request. undefined: the connection was reset (or closed during a delay). */
  handle(ctx: RequestContext): Answered {
    const { req, target } = ctx;
    const method = req.method ?? '';
    if (target.query.get('auth_test') === 'true' && (method === 'GET' || method === 'POST')) return this.authTest(ctx);
    const [v2, room, id, what, sub, ...rest] = target.segments;
    if (v2 !== 'v2' || room !== 'room' || rest.length > 0) return notFound();
    if (id === undefined) {
      if (method === 'GET') return this.run(ctx, undefined, () => this.listRooms(ctx));
      if (method === 'POST') return this.run(ctx, undefined, () => this.createRoom(ctx));
      return methodNotAllowed(['GET', 'POST']);
    }
    const name = decodeSegment(id);
    if (name === undefined) return notFound();
    if (what === undefined) {
      if (method !== 'GET') return methodNotAllowed(['GET']);
      return this.run(ctx, undefined, () => this.withRoom(name, (r) => this.roomDetails(r)));
    }
    if ((what === 'notification' || what === 'message') && sub === undefined) {
      if (method !== 'POST') return methodNotAllowed(['POST']);
      return this.send(ctx, name, what);
    }
    if (what === 'history' && (sub === undefined || sub === 'latest')) {
      if (method !== 'GET') return methodNotAllowed(['GET']);
      return this.run(ctx, undefined, () => this.withRoom(name, (r) => (sub === undefined ? this.history(ctx, r) : this.latest(ctx, r))));
    }
    return notFound();
  }

  /** Gate, then the handler; its answer (or the AnswerError it threw) gets the gate's headers. */
  private run(ctx: RequestContext, floodKey: string | undefined, handler: () => HttpAnswer): HttpAnswer {
    const gate = this.gate(ctx, floodKey);
    if (gate instanceof HttpAnswer) return gate;
    try {
      return withHeaders(handler(), gate);
    } catch (err) {
      if (err instanceof AnswerError) return withHeaders(err.answer, gate);
      throw err;
    }
  }

  private withRoom(name: string, handler: (room: Room) => HttpAnswer): HttpAnswer {
    const room = this.core.store.resolve(name);
    return room === undefined ? roomNotFound(name) : handler(room);
  }

  /**
   * A send: fault or chaos first, then the gate and the body. Synchronous unless there is a delay, so
   * that answers to pipelined requests go out together (a promise per request would cost a socket
   * write each).
   */
  private send(ctx: RequestContext, name: string, kind: Send): Answered {
    const { core } = this;
    const fault = core.faults.shift();
    let delayMs = 0;
    let answer: () => HttpAnswer | undefined = () => {
      const existing = core.store.resolve(name);
      return this.run(ctx, existing?.name ?? name, () => this.accept(ctx, existing, name, kind));
    };
    if (fault !== undefined) {
      ctx.notes.push(`fault=${fault.kind === 'status' ? fault.status : fault.kind}`);
      if (fault.kind === 'status') return new HttpAnswer(fault.status, fault.body, { ...fault.headers });
      if (fault.kind === 'reset') return this.reset(ctx);
      if (fault.kind === 'rateLimited') return this.injected429(fault.withHeaders);
      delayMs = fault.ms;
    } else if (core.chaos.length > 0) {
      const chaos = decideChaos(core.chaos, core.random);
      delayMs = chaos.delayMs;
      if (delayMs > 0) ctx.notes.push(`chaos=delay:${delayMs}ms`);
      const outcome = chaos.outcome;
      if (outcome !== undefined) {
        ctx.notes.push(`chaos=${outcome.kind === 'status' ? outcome.status : 'reset'}`);
        answer = () => {
          if (outcome.kind === 'reset') return this.reset(ctx);
          if (outcome.status === 429) return this.injected429(true);
          return errorAnswer(outcome.status, `Chaos: injected ${outcome.status} ${http.STATUS_CODES[outcome.status] ?? ''}`.trim());
        };
      }
    }
    if (delayMs === 0) return answer();
    // A client that gave up during the delay gets nothing (and consumes no window).
    return core.sleep(delayMs).then(() => (ctx.req.socket.destroyed ? undefined : answer()));
  }

  private reset(ctx: RequestContext): undefined {
    ctx.req.socket.destroy();
    return undefined;
  }

  private accept(ctx: RequestContext, room: Room | undefined, name: string, kind: Send): HttpAnswer {
    const { core } = this;
    if (room === undefined) {
      const problem = core.store.createProblem(name);
      if (problem === 'full') return errorAnswer(404, `Room ${name} not found (this server keeps at most ${core.options.maxRooms} rooms)`);
      if (problem !== undefined) return roomNotFound(name);
    }
    if (mediaType(ctx.req.headers['content-type']) !== 'application/json') {
      return errorAnswer(400, 'Content-Type must be application/json', { validation: 'content-type' });
    }
    if (ctx.json === undefined) return errorAnswer(400, 'Request body is not valid JSON', { validation: 'json' });
    if (kind === 'notification') {
      const input = validateNotification(ctx.json);
      if (input instanceof HttpAnswer) return input;
      stored(() =>
        core.accept(room, name, {
          type: 'notification',
          message: input.message,
          message_format: input.message_format,
          color: core.resolveColor(input.color),
          from: input.from,
          notify: input.notify,
          ...(input.attach_to === undefined ? {} : { attach_to: input.attach_to }),
          ...(input.card === undefined ? {} : { card: input.card }),
        }),
      );
      return new HttpAnswer(204);
    }
    const input = validateMessage(ctx.json);
    if (input instanceof HttpAnswer) return input;
    const item = stored(() =>
      core.accept(room, name, { type: 'message', message: input.message, message_format: 'text', from: API_USER.name, notify: false }),
    );
    return new HttpAnswer(201, { id: item.id, timestamp: item.date });
  }

  private listRooms(ctx: RequestContext): HttpAnswer {
    const { query } = ctx.target;
    const start = queryInteger(query, 'start-index', 0, 0, 1_000_000);
    const max = queryInteger(query, 'max-results', 100, 0, 1000);
    const includePrivate = queryBoolean(query, 'include-private', false);
    queryBoolean(query, 'include-archived', false); // checked; no room here is ever archived
    const rooms = this.core.store.list().filter((r) => includePrivate || r.privacy === 'public');
    const page = rooms.slice(start, start + max);
    const items = page.map((room) => ({
      id: room.id,
      name: room.name,
      privacy: room.privacy,
      is_archived: false,
      version: this.version(room),
      links: this.roomLinks(room),
    }));
    return new HttpAnswer(200, {
      items,
      startIndex: start,
      maxResults: max,
      links: this.pageLinks('/v2/room', query, start, max, rooms.length),
    });
  }

  private pageLinks(path: string, query: URLSearchParams, start: number, max: number, total: number): Record<string, string> {
    const at = (index: number): string => {
      const params = new URLSearchParams(query);
      params.delete('auth_token'); // links are shown and logged: never carry the token
      params.set('start-index', String(index));
      params.set('max-results', String(max));
      return this.link(`${path}?${params.toString()}`);
    };
    const links: Record<string, string> = { self: at(start) };
    if (start > 0) links.prev = at(Math.max(0, start - max));
    if (max > 0 && start + max < total) links.next = at(start + max);
    return links;
  }

  private createRoom(ctx: RequestContext): HttpAnswer {
    if (mediaType(ctx.req.headers['content-type']) !== 'application/json') {
      return errorAnswer(400, 'Content-Type must be application/json', { validation: 'content-type' });
    }
    if (ctx.json === undefined) return errorAnswer(400, 'Request body is not valid JSON', { validation: 'json' });
    const input = validateRoom(ctx.json);
    if (input instanceof HttpAnswer) return input;
    const { store } = this.core;
    if (store.resolve(input.name)?.name === input.name) return errorAnswer(409, 'Another room exists with that name.', { field: 'name' });
    const problem = store.createProblem(input.name);
    if (problem === 'restricted')
      return errorAnswer(403, `This server only has the rooms it was started with; ${pyRepr(input.name)} is not one of them`);
    if (problem === 'full') return errorAnswer(403, `This server keeps at most ${this.core.options.maxRooms} rooms`);
    let room: Room;
    try {
      room = this.core.createRoom(input.name, { topic: input.topic, privacy: input.privacy, guestAccess: input.guest_access });
    } catch (err) {
      return errorAnswer(500, `Could not store the room: ${err instanceof Error ? err.message : String(err)}`);
    }
    const self = this.link(`/v2/room/${room.id}`);
    return new HttpAnswer(201, { id: room.id, links: { self } }, { Location: self });
  }

  private version(room: Room): string {
    return (room.items[room.items.length - 1]?.seq ?? 0).toString(16).toUpperCase().padStart(8, '0');
  }

  private roomDetails(room: Room): HttpAnswer {
    return new HttpAnswer(200, {
      id: room.id,
      name: room.name,
      topic: room.topic,
      privacy: room.privacy,
      is_archived: false,
      is_guest_accessible: room.guestAccess,
      guest_access_url: null,
      created: room.created,
      last_active: room.items[room.items.length - 1]?.date ?? null,
      version: this.version(room),
      xmpp_jid: `${room.id}_room@conf.local-hipchat`,
      owner: null,
      participants: [],
      statistics: { links: { self: this.link(`/v2/room/${room.id}/statistics`) } },
      links: this.roomLinks(room),
    });
  }

  private item(item: StoredNotification): Record<string, unknown> {
    const base = { id: item.id, date: item.date, message: item.message, mentions: [] };
    if (item.type === 'message') {
      return {
        ...base,
        type: 'message',
        from: { ...API_USER, links: { self: this.link(`/v2/user/${API_USER.id}`) }, version: '00000000' },
      };
    }
    return {
      ...base,
      type: 'notification',
      from: item.from,
      message_format: item.message_format,
      color: item.color,
      notify: item.notify,
      ...(item.attach_to === undefined ? {} : { attach_to: item.attach_to }),
      ...(item.card === undefined ? {} : { card: item.card }),
    };
  }

  /** GET .../history: newest first from `date` (default now), paged; `reverse` (default true) puts the page oldest first. */
  private history(ctx: RequestContext, room: Room): HttpAnswer {
    const { query } = ctx.target;
    const start = queryInteger(query, 'start-index', 0, 0, 1_000_000);
    const max = queryInteger(query, 'max-results', 100, 0, 1000);
    const reverse = queryBoolean(query, 'reverse', true);
    const date = queryValue(query, 'date') ?? 'recent';
    queryValue(query, 'timezone');
    let end = Infinity;
    if (date !== 'recent') {
      end = /^\d{1,12}(\.\d+)?$/.test(date) ? Number(date) * 1000 : Date.parse(date);
      if (Number.isNaN(end)) {
        throw new AnswerError(
          errorAnswer(400, `Value ${pyRepr(date)} for field 'date' is not a valid date`, { field: 'date', validation: 'type' }),
        );
      }
    }
    let last = room.items.length;
    if (end !== Infinity) while (last > 0 && Date.parse((room.items[last - 1] as StoredNotification).date) > end) last -= 1;
    const from = Math.max(0, last - start - max);
    const page = room.items.slice(from, Math.max(from, last - start)).map((i) => this.item(i));
    if (!reverse) page.reverse();
    return new HttpAnswer(200, {
      items: page,
      startIndex: start,
      maxResults: max,
      links: this.pageLinks(`/v2/room/${room.id}/history`, query, start, max, last),
    });
  }

  /** GET .../history/latest: the newest `max-results` (default 75), oldest first, from `not-before` on. */
  private latest(ctx: RequestContext, room: Room): HttpAnswer {
    const { query } = ctx.target;
    const max = queryInteger(query, 'max-results', 75, 0, 1000);
    const notBefore = queryValue(query, 'not-before');
    queryValue(query, 'timezone');
    let from = 0;
    if (notBefore !== undefined) {
      const at = room.items.findIndex((i) => i.id === notBefore);
      if (at !== -1) from = at;
    }
    const items = room.items.slice(Math.max(from, room.items.length - max)).map((i) => this.item(i));
    const params = new URLSearchParams(query);
    params.delete('auth_token');
    const self = this.link(`/v2/room/${room.id}/history/latest${params.size > 0 ? `?${params.toString()}` : ''}`);
    return new HttpAnswer(200, { items, startIndex: 0, maxResults: max, links: { self } });
  }
}
