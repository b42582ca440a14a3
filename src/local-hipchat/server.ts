// startLocalHipChat(): the HTTP(S) server, its lifecycle, request recording and the log line. What each
// path means lives in api.ts (/v2, HipChat's API), test-api.ts (/_local) and page/ (everything else).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { describeErrno, errnoCode } from '../util/errno.js';
import { errorAnswer, HttpAnswer } from './answer.js';
import { Api, roomOfPath, type Answered } from './api.js';
import { checkChaos, parseChaos, type ChaosRule } from './chaos.js';
import { Core, type Fault, type RoomSummary } from './core.js';
import { LocalHipChatListenError } from './errors.js';
import { splitTarget, type RequestContext } from './http.js';
import { checkLimit, type WindowLimit } from './limits.js';
import { resolveOptions, type LocalHipChatOptions, type ResolvedOptions } from './options.js';
import { Page } from './page/page.js';
import { DataLog } from './persistence.js';
import type { NotificationQuery, StoredNotification } from './store.js';
import { TestApi } from './test-api.js';

/** A request as recorded for in-process tests (option `record`). */
export interface RecordedRequest {
  method: string;
  /** The request target exactly as sent (it may hold an auth_token: recording is for tests, never logged). */
  url: string;
  /** The decoded {room} of a /v2/room/{room}/... path. */
  room: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: unknown;
  /** The answer's status; 0 until answered, and for a reset or a request abandoned during a delay. */
  status: number;
  receivedAt: number;
}

export interface LocalHipChat {
  /** Base URL, e.g. http://127.0.0.1:43210 (the API is under /v2, the page at /). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The accepted tokens (the generated one when none was given). */
  readonly tokens: readonly string[];
  readonly instanceId: string;
  readonly dataDir: string | undefined;
  /** Recorded requests, oldest first (empty unless the `record` option is on). */
  readonly requests: RecordedRequest[];
  /** Recorded notification requests answered 204, for one room (as sent in the path) or all. */
  delivered(room?: string): RecordedRequest[];
  /** How many recorded requests were answered `status`. */
  count(status: number): number;
  /** Queues faults for the next sends, one each. */
  injectFaults(...faults: Fault[]): void;
  /** A present key replaces that limit with fresh counts (undefined or null: off); an absent key keeps it. */
  setLimits(limits: { tokenLimit?: WindowLimit | null; floodLimit?: WindowLimit | null }): void;
  limits(): { tokenLimit: WindowLimit | undefined; floodLimit: WindowLimit | undefined };
  /** Replaces the chaos rules (parseChaos() text or rules; '' or [] for none). */
  setChaos(chaos: string | readonly ChaosRule[]): void;
  chaos(): ChaosRule[];
  /** Retained notifications matching `query`, oldest first (see NotificationQuery; default limit 1000). */
  notifications(query?: NotificationQuery, limit?: number): StoredNotification[];
  /** The first notification matching `query` (see Core.waitFor); undefined after `timeoutMs` (default 30 s). */
  waitFor(query?: NotificationQuery, timeoutMs?: number): Promise<StoredNotification | undefined>;
  /** Empties one room (name or id) or all; returns how many notifications went. */
  clear(room?: string): number;
  rooms(): RoomSummary[];
  /** Connections accepted so far. */
  connections(): number;
  /** Open long polls (test API and waitFor()) and page event streams. */
  waiters(): number;
  /** Stops listening, ends connections, pending delays, waits and streams at once. Idempotent. */
  close(): Promise<void>;
}

const MAX_RECORDED_BODY_BYTES = 64 * 1024 * 1024;

/** `auth_token` query values replaced, so that a logged URL never carries a token. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return url;
  const parts = url
    .slice(at + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const raw = eq === -1 ? part : part.slice(0, eq);
      let name = raw;
      try {
        name = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        // a malformed name is compared as sent
      }
      return name.trim().toLowerCase() === 'auth_token' ? `${raw}=[redacted]` : part;
    });
  return `${url.slice(0, at + 1)}${parts.join('&')}`;
}

function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function listenError(err: unknown, options: ResolvedOptions): LocalHipChatListenError {
  const where = `${options.host}:${options.port}`;
  const code = errnoCode(err);
  if (code === 'EADDRINUSE') return new LocalHipChatListenError(`Port ${options.port} on ${options.host} is already in use`, code);
  if (code === 'EACCES') return new LocalHipChatListenError(`Not allowed to listen on ${where}`, code);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new LocalHipChatListenError(`Address ${options.host} is not available on this machine`, code);
  }
  return new LocalHipChatListenError(`Cannot listen on ${where}: ${describeErrno(err)}`, code);
}

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** Starts a HipChat-compatible room server with its live page. Throws LocalHipChatError subclasses. */
export async function startLocalHipChat(options: LocalHipChatOptions = {}): Promise<LocalHipChat> {
  const resolved = resolveOptions(options);
  let dataLog: DataLog | undefined;
  const core = ((): Core => {
    if (resolved.dataDir === undefined) return new Core(resolved, undefined);
    const opened = DataLog.open(resolved.dataDir, resolved.max, resolved.rooms && new Set(resolved.rooms));
    dataLog = opened.log;
    const c = new Core(resolved, dataLog);
    for (const room of opened.data.rooms) c.store.restore(room);
    return c;
  })();
  try {
    for (const name of resolved.rooms ?? []) if (core.store.resolve(name)?.name !== name) core.createRoom(name);
  } catch (err) {
    core.close();
    throw err;
  }
  const api = new Api(core);
  const testApi = new TestApi(core);
  const page = new Page(core);
  const requests: RecordedRequest[] = [];
  let recordedBytes = 0;
  let recordedCount = 0;
  const sockets = new Set<Socket>();
  let accepted = 0;
  let closing: Promise<void> | undefined;
  const { log, record: recordLimit, tokens } = resolved;

  // A second fence behind redactUrl(): a known token anywhere in the line (a client that put it in the
  // path...) is blanked too. Tokens shorter than 8 characters are left out: they would blank ordinary words.
  function redactLine(line: string): string {
    let out = line;
    for (const token of tokens) {
      if (token.length < 8) continue;
      if (out.includes(token)) out = out.split(token).join('[redacted]');
      const encoded = encodeURIComponent(token);
      if (encoded !== token && out.includes(encoded)) out = out.split(encoded).join('[redacted]');
    }
    return out;
  }

  function recordRequest(entry: RecordedRequest): void {
    // A test may empty or cut `requests` itself (`requests.length = 0`): count its bodies again then.
    if (requests.length !== recordedCount) recordedBytes = requests.reduce((sum, r) => sum + r.rawBody.length, 0);
    requests.push(entry);
    recordedBytes += entry.rawBody.length;
    while (requests.length > recordLimit || (recordedBytes > MAX_RECORDED_BODY_BYTES && requests.length > 1)) {
      recordedBytes -= requests.shift()?.rawBody.length ?? 0;
    }
    recordedCount = requests.length;
  }

  function send(ctx: RequestContext, answer: HttpAnswer, entry: RecordedRequest | undefined): void {
    const { res } = ctx;
    if (entry !== undefined) entry.status = answer.status;
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = {};
    let payload = '';
    if (answer.status !== 204 && answer.status !== 304 && answer.body !== undefined) {
      const isText = typeof answer.body === 'string';
      payload = isText ? (answer.body as string) : JSON.stringify(answer.body);
      headers['Content-Type'] = isText ? 'text/plain; charset=utf-8' : 'application/json';
    }
    if (answer.status !== 204 && answer.status !== 304) headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(answer.status, { ...headers, ...answer.headers });
    // end() without a chunk: headers go out in the same write (end('') costs a second socket write).
    if (payload === '') res.end();
    else res.end(payload);
  }

  function route(ctx: RequestContext): Answered {
    const [first] = ctx.target.segments;
    if (first === 'v2') return api.handle(ctx);
    if (first === '_local') return testApi.handle(ctx);
    return page.handle(ctx);
  }

  function failure(ctx: RequestContext, err: unknown): HttpAnswer {
    ctx.notes.push(`error=${printable(err instanceof Error ? err.message : String(err)).slice(0, 200)}`);
    return errorAnswer(500, 'Internal Server Error');
  }

  // Synchronous whenever the handler is: answers to pipelined requests then leave in one socket write.
  function handle(ctx: RequestContext, entry: RecordedRequest | undefined, done: () => void): void {
    const finish = (answer: HttpAnswer | undefined): void => {
      if (answer !== undefined) send(ctx, answer, entry);
      done();
    };
    let answered: Answered;
    try {
      answered = route(ctx);
    } catch (err) {
      answered = failure(ctx, err);
    }
    if (answered instanceof Promise) answered.then(finish, (err: unknown) => finish(failure(ctx, err)));
    else finish(answered);
  }

  function logLine(ctx: RequestContext, started: number, startedHr: bigint): void {
    if (log === undefined) return;
    const { req, res } = ctx;
    const status = res.headersSent ? String(res.statusCode) : ctx.notes.some((n) => n.endsWith('reset')) ? 'reset' : 'aborted';
    const ms = Number(process.hrtime.bigint() - startedHr) / 1e6;
    const notes = ctx.notes.length === 0 ? '' : ` ${ctx.notes.join(' ')}`;
    const line = `${new Date(started).toISOString()} ${req.socket.remoteAddress ?? '-'} ${req.method ?? '-'} ${redactUrl(req.url ?? '')} ${status} ${ms.toFixed(1)}ms${notes}`;
    try {
      log(redactLine(printable(line)));
    } catch {
      // a failing log callback must not take the server down
    }
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const started = Date.now();
    const startedHr = log === undefined ? 0n : process.hrtime.bigint();
    const url = req.url ?? '/';
    const target = splitTarget(url);
    const ctx: RequestContext = { req, res, target, raw: '', json: undefined, notes: [] };
    // One line when the server is done with the request: answered (or reset, or abandoned) AND its
    // connection finished with it. A delay the client gave up on is logged when the delay ends; a page
    // event stream when it closes.
    let handled = false;
    let responded = false;
    const done = (): void => {
      handled = true;
      if (responded) logLine(ctx, started, startedHr);
    };
    if (log !== undefined) {
      res.once('close', () => {
        responded = true;
        if (handled) logLine(ctx, started, startedHr);
      });
    }
    const entry: RecordedRequest | undefined =
      recordLimit > 0
        ? {
            method: req.method ?? '',
            url,
            room: roomOfPath(target.segments),
            headers: { ...req.headers },
            rawBody: '',
            body: undefined,
            status: 0,
            receivedAt: started,
          }
        : undefined;
    const max = resolved.maxBodyBytes;
    const tooLarge = (): void => {
      // Answered before reading the rest, and the connection closed: no more than `max` bytes are read.
      ctx.notes.push('body-too-large');
      if (entry !== undefined) recordRequest(entry);
      const answer = errorAnswer(413, `Request body is larger than ${max} bytes`);
      answer.headers.Connection = 'close';
      req.pause();
      send(ctx, answer, entry);
      done();
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      ctx.raw =
        chunks.length === 0 ? '' : chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      ctx.json = parseJson(ctx.raw);
      if (entry !== undefined) {
        entry.rawBody = ctx.raw;
        entry.body = ctx.json;
        recordRequest(entry);
      }
      handle(ctx, entry, done);
    });
  };

  const server = resolved.tls ? https.createServer({ ...resolved.tls }, onRequest) : http.createServer(onRequest);
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Clients that give up or send garbage must not crash the process; answer what can still be answered.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    page.hub.close();
    core.close();
    throw listenError(err, resolved);
  }
  const { port } = server.address() as AddressInfo;
  const url = `${resolved.tls ? 'https' : 'http'}://${hostForUrl(resolved.host)}:${port}`;
  core.baseUrl = resolved.publicUrl ?? url;

  return {
    url,
    port,
    host: resolved.host,
    tokens: Object.freeze([...tokens]),
    instanceId: resolved.instanceId,
    dataDir: dataLog?.dir,
    requests,
    delivered: (room) =>
      requests.filter(
        (r) => r.status === 204 && /\/notification$/.test(splitTarget(r.url).path) && (room === undefined || r.room === room),
      ),
    count: (status) => requests.filter((r) => r.status === status).length,
    injectFaults: (...faults) => {
      core.faults.push(...faults);
    },
    setLimits: (limits) => {
      if ('tokenLimit' in limits) checkLimit('tokenLimit', limits.tokenLimit);
      if ('floodLimit' in limits) checkLimit('floodLimit', limits.floodLimit);
      core.setLimits(limits);
    },
    limits: () => core.limits(),
    setChaos: (chaos) => {
      const rules = typeof chaos === 'string' ? parseChaos(chaos) : [...chaos];
      checkChaos(rules);
      core.chaos = rules;
    },
    chaos: () => [...core.chaos],
    notifications: (query = {}, limit = 1000) => core.store.query(query, limit),
    waitFor: (query = {}, timeoutMs = 30_000) => core.waitFor(query, timeoutMs),
    clear: (room) => {
      if (room === undefined) return core.clear();
      const found = core.store.resolve(room);
      return found === undefined ? 0 : core.clear(found.id);
    },
    rooms: () => core.store.list().map((r) => core.summary(r)),
    connections: () => accepted,
    waiters: () => core.activeWaiters,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        page.hub.close();
        server.close((err) => {
          core.close();
          if (err) reject(err);
          else resolve();
        });
        for (const socket of sockets) socket.destroy();
        // Pending delays and waits end now; their sockets are gone, so they answer nothing.
        core.endPending();
      })),
  };
}
