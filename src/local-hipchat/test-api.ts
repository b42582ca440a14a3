// The test API for CI users, under /_local/ (HipChat has no such path, so it can never clash). It needs a
// token of the server, like the API, except /_local/health, which tells only that the server is up, and
// which one it is (`instance`): a process that starts a detached server passes its own instanceId and
// polls health until it sees it. That process chose or received the token (options.tokens, or the
// generated one it read from `tokens`), so it can print it or hand it on.
//
//   GET    /_local/health                                    no token: {status, service, instance, pid, startedAt, url}
//   GET    /_local/info                                      limits, chaos, counts, retention
//   GET    /_local/notifications?room=&text=&after=&since=&type=&limit=   {items (oldest first), lastSeq}
//   DELETE /_local/notifications[?room=]                     {cleared}
//   GET    /_local/wait?room=&text=&after=&since=&type=&timeout=30s      the first match; 408 on timeout
//   GET|PUT|DELETE /_local/chaos                             {chaos: "503=0.1,...", rules}
//   GET|PUT /_local/limits                                   {tokenLimit: "500/5m", floodLimit: "30/60s"}
//   POST   /_local/shutdown                                  202, then options.onShutdown() (404 without it)
import { AnswerError, errorAnswer, HttpAnswer, authRequired, invalidSession, methodNotAllowed, notFound, roomNotFound } from './answer.js';
import { checkChaos, formatChaos, parseChaos, type ChaosRule } from './chaos.js';
import { TooManyWaiters, type Core } from './core.js';
import { readDuration } from './duration.js';
import { LocalHipChatOptionError } from './errors.js';
import { mediaType, presentedToken, queryInteger, queryValue, type RequestContext } from './http.js';
import { checkLimit, formatLimit, parseLimit, type WindowLimit } from './limits.js';
import type { NotificationQuery } from './store.js';
import { pyRepr } from './validation.js';

const DEFAULT_WAIT_MS = 30_000;
const MAX_WAIT_MS = 300_000;

const badRequest = (message: string, field?: string): AnswerError =>
  new AnswerError(errorAnswer(400, message, field === undefined ? {} : { field }));

function readQuery(query: URLSearchParams): NotificationQuery {
  const q: NotificationQuery = {};
  const room = queryValue(query, 'room');
  if (room !== undefined && room !== '') q.room = room;
  const text = queryValue(query, 'text');
  if (text !== undefined && text !== '') q.text = text;
  if (query.has('after')) q.after = queryInteger(query, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
  const since = queryValue(query, 'since');
  if (since !== undefined) {
    const ms = /^\d{1,15}$/.test(since) ? Number(since) : Date.parse(since);
    if (Number.isNaN(ms))
      throw badRequest(`Value ${pyRepr(since)} for field 'since' is not a date (ISO 8601 or epoch milliseconds)`, 'since');
    q.since = ms;
  }
  const type = queryValue(query, 'type');
  if (type !== undefined) {
    if (type !== 'notification' && type !== 'message')
      throw badRequest(`Value ${pyRepr(type)} for field 'type' is not in the enumeration: [u'notification', u'message']`, 'type');
    q.type = type;
  }
  return q;
}

function limitInput(name: string, value: unknown): WindowLimit | null {
  if (value === null || value === 'off') return null;
  if (typeof value === 'string') return parseLimit(value, name);
  if (typeof value === 'object' && value !== null) {
    const limit = value as WindowLimit;
    checkLimit(name, limit);
    return { limit: limit.limit, windowMs: limit.windowMs };
  }
  throw new LocalHipChatOptionError(`${name} must be COUNT/DURATION text such as 30/60s, {limit, windowMs}, "off" or null`);
}

export class TestApi {
  constructor(private readonly core: Core) {}

  async handle(ctx: RequestContext): Promise<HttpAnswer> {
    const method = ctx.req.method ?? '';
    const [, what, ...rest] = ctx.target.segments;
    if (rest.length > 0) return notFound();
    if (what === 'health') return method === 'GET' || method === 'HEAD' ? this.health() : methodNotAllowed(['GET']);
    const routes: Record<string, string[]> = {
      info: ['GET'],
      notifications: ['GET', 'DELETE'],
      wait: ['GET'],
      chaos: ['GET', 'PUT', 'DELETE'],
      limits: ['GET', 'PUT'],
      shutdown: ['POST'],
    };
    const allowed = routes[what ?? ''];
    if (allowed === undefined) return notFound();
    if (!allowed.includes(method)) return methodNotAllowed(allowed);
    const { token, presented } = presentedToken(ctx.req, ctx.target.query);
    if (token === undefined || !this.core.tokens.has(token)) return token === undefined && !presented ? authRequired() : invalidSession();
    try {
      if (what === 'info') return this.info();
      if (what === 'notifications') return method === 'GET' ? this.list(ctx) : this.clear(ctx);
      if (what === 'wait') return await this.wait(ctx);
      if (what === 'chaos') return this.chaos(ctx, method);
      if (what === 'shutdown') return this.shutdown(ctx);
      return this.limits(ctx, method);
    } catch (err) {
      if (err instanceof AnswerError) return err.answer;
      if (err instanceof LocalHipChatOptionError) return errorAnswer(400, err.message);
      throw err;
    }
  }

  private health(): HttpAnswer {
    const { core } = this;
    return new HttpAnswer(200, {
      status: 'ok',
      service: 'local-hipchat',
      instance: core.options.instanceId,
      pid: process.pid,
      startedAt: core.startedAt,
      url: core.baseUrl,
    });
  }

  private info(): HttpAnswer {
    const { core } = this;
    const rooms = core.store.list();
    return new HttpAnswer(200, {
      service: 'local-hipchat',
      instance: core.options.instanceId,
      pid: process.pid,
      startedAt: core.startedAt,
      url: core.baseUrl,
      // What notifier's --apiUrl (and start-local-hipchat's output) calls the API URL: the base, /v2 below it.
      apiUrl: core.baseUrl,
      pageUrl: `${core.baseUrl}/`,
      tokenLimit: formatLimit(core.tokenWindow?.limit),
      floodLimit: formatLimit(core.floodWindow?.limit),
      chaos: formatChaos(core.chaos),
      max: core.options.max,
      maxRooms: core.options.maxRooms,
      rooms: rooms.length,
      retained: core.store.retained,
      dropped: rooms.reduce((sum, r) => sum + r.dropped, 0),
      lastSeq: core.store.lastSeq,
      waiters: core.activeWaiters,
      dataDir: core.dataLog?.dir ?? null,
    });
  }

  private list(ctx: RequestContext): HttpAnswer {
    const query = readQuery(ctx.target.query);
    const limit = queryInteger(ctx.target.query, 'limit', 100, 1, 1000);
    return new HttpAnswer(200, { items: this.core.store.query(query, limit), lastSeq: this.core.store.lastSeq });
  }

  private clear(ctx: RequestContext): HttpAnswer {
    const name = queryValue(ctx.target.query, 'room');
    let roomId: number | undefined;
    if (name !== undefined && name !== '') {
      const room = this.core.store.resolve(name);
      if (room === undefined) return roomNotFound(name);
      roomId = room.id;
    }
    return new HttpAnswer(200, { cleared: this.core.clear(roomId) });
  }

  private async wait(ctx: RequestContext): Promise<HttpAnswer> {
    const query = readQuery(ctx.target.query);
    const text = queryValue(ctx.target.query, 'timeout');
    let timeoutMs = DEFAULT_WAIT_MS;
    if (text !== undefined) {
      timeoutMs = readDuration(text, "field 'timeout'");
      if (timeoutMs > MAX_WAIT_MS) throw badRequest(`Value for field 'timeout' must be at most ${MAX_WAIT_MS / 1000}s`, 'timeout');
    }
    // A client that hangs up stops its wait (and gives its waiter slot back) at once.
    const abort = new AbortController();
    ctx.res.once('close', () => abort.abort());
    let item;
    try {
      item = await this.core.waitFor(query, timeoutMs, abort.signal);
    } catch (err) {
      if (!(err instanceof TooManyWaiters)) throw err;
      const answer = errorAnswer(503, `Too many open waits and page streams (at most ${this.core.options.maxWaiters})`);
      answer.headers['Retry-After'] = '1';
      return answer;
    }
    if (item !== undefined) return new HttpAnswer(200, item);
    return errorAnswer(408, `No matching notification within ${timeoutMs / 1000}s`);
  }

  private shutdown(ctx: RequestContext): HttpAnswer {
    const { onShutdown } = this.core.options;
    if (onShutdown === undefined) return errorAnswer(404, 'Shutdown is not enabled on this server');
    // After the answer is out, so the caller learns that the server took the request.
    ctx.res.once('finish', () => setImmediate(onShutdown));
    return new HttpAnswer(202, { status: 'stopping' });
  }

  private chaosAnswer(): HttpAnswer {
    return new HttpAnswer(200, { chaos: formatChaos(this.core.chaos), rules: this.core.chaos });
  }

  private chaos(ctx: RequestContext, method: string): HttpAnswer {
    if (method === 'DELETE') this.core.chaos = [];
    if (method === 'PUT') {
      let rules: ChaosRule[];
      if (mediaType(ctx.req.headers['content-type']) === 'application/json') {
        const body = ctx.json as { chaos?: unknown; rules?: unknown } | undefined;
        if (typeof body === 'string') rules = parseChaos(body);
        else if (typeof body?.chaos === 'string') rules = parseChaos(body.chaos);
        else if (Array.isArray(body?.rules)) {
          rules = body.rules as ChaosRule[];
          checkChaos(rules);
        } else throw badRequest('Send {"chaos": "503=0.1,reset=0.05,delay=2s@0.1"} (or {"rules": [...]}, or the text as text/plain)');
      } else {
        rules = parseChaos(ctx.raw);
      }
      this.core.chaos = rules;
    }
    return this.chaosAnswer();
  }

  private limits(ctx: RequestContext, method: string): HttpAnswer {
    if (method === 'PUT') {
      const body = ctx.json;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw badRequest('Send {"tokenLimit": "500/5m", "floodLimit": "30/60s"} (either; "off" or null for none)');
      }
      const fields = body as Record<string, unknown>;
      const next: { tokenLimit?: WindowLimit | null; floodLimit?: WindowLimit | null } = {};
      if ('tokenLimit' in fields) next.tokenLimit = limitInput('tokenLimit', fields.tokenLimit);
      if ('floodLimit' in fields) next.floodLimit = limitInput('floodLimit', fields.floodLimit);
      this.core.setLimits(next);
    }
    const { tokenLimit, floodLimit } = this.core.limits();
    return new HttpAnswer(200, { tokenLimit: formatLimit(tokenLimit), floodLimit: formatLimit(floodLimit) });
  }
}
