// A HipChat REST API v2 stand-in for tests, following /work/shared/reference/hipchat-api-v2.md.
//
// Decisions the reference leaves open (documented here because tests depend on them):
// - Order for a notification request: fault -> auth -> rate limits -> room -> Content-Type -> body.
// - Faults apply only to notification requests (POST /v2/room/{room}/notification without auth_test);
//   fault answers bypass the rate-limit windows (they stand for trouble in front of HipChat).
// - Windows are consumed by every notification request that passes auth and is within both limits,
//   even if it then fails with 404/400. A 429 consumes nothing, a 401 only reports (peeks at) the window of
//   the token it presented.
// - auth_test requests are answered 202/401 on any path and touch neither faults nor windows.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface WindowLimit {
  limit: number;
  windowMs: number;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'rateLimited'; withHeaders: boolean };

export interface RecordedRequest {
  method: string;
  url: string;
  room: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: unknown;
  status: number;
  receivedAt: number;
}

export interface HipChatServerOptions {
  tokens?: string[];
  rooms?: string[];
  tokenLimit?: WindowLimit;
  floodLimit?: WindowLimit;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Listen on this port (one a previous server got from the OS, to bring "HipChat" back after an outage); default: any free port. */
  port?: number;
}

export interface HipChatTestServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  delivered(room?: string): RecordedRequest[];
  count(status: number): number;
  injectFaults(...faults: Fault[]): void;
  setLimits(limits: { tokenLimit?: WindowLimit; floodLimit?: WindowLimit }): void;
  connections(): number;
  close(): Promise<void>;
}

const NOTIFICATION_PATH = /^\/v2\/room\/([^/]+)\/notification$/;
const COLORS = ['yellow', 'green', 'red', 'purple', 'gray', 'random'];
const FORMATS = ['html', 'text'];
// Used by a `rateLimited` fault with headers for a family that has no configured limit: the limits are the
// reference's defaults, the 1 s window keeps a client that waits for the reset fast.
const FAULT_TOKEN_LIMIT: WindowLimit = { limit: 100, windowMs: 1000 };
const FAULT_FLOOD_LIMIT: WindowLimit = { limit: 30, windowMs: 1000 };

interface ErrorExtras {
  field?: string;
  validation?: string;
  expected_type?: string;
  value?: unknown;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

function errorAnswer(status: number, message: string, extras: ErrorExtras = {}): HttpAnswer {
  const type = http.STATUS_CODES[status] ?? 'Error';
  return new HttpAnswer(status, { error: { code: status, message, type, ...extras } });
}

const invalidSession = (): HttpAnswer => errorAnswer(401, 'Invalid OAuth session');
const rateLimitExceeded = (): HttpAnswer => errorAnswer(429, 'Rate Limit exceeded');

function checkLimit(name: string, limit: WindowLimit | undefined): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit.limit) || limit.limit < 0) throw new Error(`${name}.limit must be an integer >= 0`);
  if (!Number.isInteger(limit.windowMs) || limit.windowMs <= 0 || limit.windowMs % 1000 !== 0) {
    throw new Error(`${name}.windowMs must be a positive multiple of 1000`);
  }
}

// Fixed windows aligned on multiples of windowMs since the epoch, so the reset is a whole Unix second.
class WindowCounter {
  private readonly counts = new Map<string, { start: number; used: number }>();

  constructor(readonly limit: WindowLimit) {}

  private state(key: string, now: number): { start: number; used: number } {
    const start = Math.floor(now / this.limit.windowMs) * this.limit.windowMs;
    let entry = this.counts.get(key);
    if (entry === undefined || entry.start !== start) {
      entry = { start, used: 0 };
      this.counts.set(key, entry);
    }
    return entry;
  }

  full(key: string, now: number): boolean {
    return this.state(key, now).used >= this.limit.limit;
  }

  consume(key: string, now: number): void {
    this.state(key, now).used += 1;
  }

  headers(prefix: string, key: string, now: number): Record<string, string> {
    const { start, used } = this.state(key, now);
    return windowHeaders(prefix, this.limit, Math.max(0, this.limit.limit - used), start);
  }
}

function windowHeaders(prefix: string, limit: WindowLimit, remaining: number, start: number): Record<string, string> {
  return {
    [`${prefix}-Limit`]: String(limit.limit),
    [`${prefix}-Remaining`]: String(remaining),
    [`${prefix}-Reset`]: String((start + limit.windowMs) / 1000),
  };
}

// Python-like repr, because HipChat's validation messages quote values that way (u'Red', True, None).
function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `u'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null) return 'None';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

const codePoints = (s: string): number => [...s].length;

function typeError(field: string, value: unknown, expected: string): HttpAnswer {
  return errorAnswer(400, `Value ${pyRepr(value)} for field '${field}' is not of type '${expected}'`, {
    field,
    validation: 'type',
    expected_type: expected,
  });
}

function enumError(field: string, value: unknown, allowed: string[]): HttpAnswer {
  const list = allowed.map((v) => pyRepr(v)).join(', ');
  return errorAnswer(400, `Value ${pyRepr(value)} for field '${field}' is not in the enumeration: [${list}]`, {
    field,
    validation: 'enum',
    value,
  });
}

function lengthError(field: string, min: number, max: number): HttpAnswer {
  return errorAnswer(400, `Value for field '${field}' must be between ${min} and ${max} characters long`, {
    field,
    validation: 'length',
  });
}

function validateNotification(body: unknown): HttpAnswer | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return errorAnswer(400, 'Request body must be a JSON object', { validation: 'type', expected_type: 'object' });
  }
  const fields = body as Record<string, unknown>;
  const { message, message_format, color, notify, card } = fields;
  if (message === undefined) {
    return errorAnswer(400, "Required field 'message' is missing", { field: 'message', validation: 'required' });
  }
  if (typeof message !== 'string') return typeError('message', message, 'string');
  if (codePoints(message) < 1 || codePoints(message) > 10000) return lengthError('message', 1, 10000);
  if (message_format !== undefined && !FORMATS.includes(message_format as string)) {
    return enumError('message_format', message_format, FORMATS);
  }
  if (color !== undefined && !COLORS.includes(color as string)) return enumError('color', color, COLORS);
  if (notify !== undefined && typeof notify !== 'boolean') return typeError('notify', notify, 'boolean');
  for (const [field, max] of [
    ['from', 64],
    ['attach_to', 36],
  ] as const) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return typeError(field, value, 'string');
    if (codePoints(value) > max) return lengthError(field, 0, max);
  }
  if (card !== undefined && (typeof card !== 'object' || card === null || Array.isArray(card))) {
    return typeError('card', card, 'object');
  }
  return undefined;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export async function startHipChatServer(options: HipChatServerOptions = {}): Promise<HipChatTestServer> {
  checkLimit('tokenLimit', options.tokenLimit);
  checkLimit('floodLimit', options.floodLimit);
  const tokens = new Set(options.tokens ?? [TEST_TOKEN]);
  const rooms = options.rooms === undefined ? undefined : new Set(options.rooms);
  let tokenWindow = options.tokenLimit && new WindowCounter(options.tokenLimit);
  let floodWindow = options.floodLimit && new WindowCounter(options.floodLimit);
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const delays = new Map<NodeJS.Timeout, () => void>();
  let accepted = 0;
  let closing: Promise<void> | undefined;

  function limitHeaders(token: string, room: string, now: number): Record<string, string> {
    return {
      ...tokenWindow?.headers('X-Ratelimit', token, now),
      ...floodWindow?.headers('X-FloodControl', room, now),
    };
  }

  function faultRateLimited(now: number): HttpAnswer {
    const token = tokenWindow?.limit ?? FAULT_TOKEN_LIMIT;
    const flood = floodWindow?.limit ?? FAULT_FLOOD_LIMIT;
    const start = (limit: WindowLimit): number => Math.floor(now / limit.windowMs) * limit.windowMs;
    const answer = rateLimitExceeded();
    Object.assign(
      answer.headers,
      windowHeaders('X-Ratelimit', token, 0, start(token)),
      windowHeaders('X-FloodControl', flood, 0, start(flood)),
    );
    return answer;
  }

  function authTest(req: http.IncomingMessage, query: URLSearchParams): HttpAnswer {
    const token = bearerToken(req.headers.authorization);
    if (query.has('auth_token') || token === undefined || !tokens.has(token)) return invalidSession();
    return new HttpAnswer(202, {
      success: { code: 202, type: 'Accepted', message: 'This auth_token has access to use this method.' },
    });
  }

  function notification(req: http.IncomingMessage, query: URLSearchParams, room: string, raw: string): HttpAnswer {
    const now = Date.now();
    const presented = bearerToken(req.headers.authorization);
    // auth_token in the query leaks the token into logs: the client must never send it.
    if (query.has('auth_token') || presented === undefined || !tokens.has(presented)) {
      const answer = invalidSession();
      Object.assign(answer.headers, limitHeaders(presented ?? '', room, now));
      return answer;
    }
    if (tokenWindow?.full(presented, now) || floodWindow?.full(room, now)) {
      const answer = rateLimitExceeded();
      Object.assign(answer.headers, limitHeaders(presented, room, now));
      return answer;
    }
    tokenWindow?.consume(presented, now);
    floodWindow?.consume(room, now);
    const headers = limitHeaders(presented, room, now);
    const answer = ((): HttpAnswer => {
      if (rooms !== undefined && !rooms.has(room)) return errorAnswer(404, `Room ${room} not found`);
      const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (mediaType !== 'application/json') {
        return errorAnswer(400, 'Content-Type must be application/json', { validation: 'content-type' });
      }
      const body = parseJson(raw);
      if (body === undefined) return errorAnswer(400, 'Request body is not valid JSON', { validation: 'json' });
      return validateNotification(body) ?? new HttpAnswer(204, undefined);
    })();
    Object.assign(answer.headers, headers);
    return answer;
  }

  function send(res: http.ServerResponse, record: RecordedRequest, answer: HttpAnswer): void {
    record.status = answer.status;
    const headers: Record<string, string> = {};
    let payload = '';
    if (answer.status !== 204 && answer.body !== undefined) {
      const isText = typeof answer.body === 'string';
      payload = isText ? answer.body : JSON.stringify(answer.body);
      headers['Content-Type'] = isText ? 'text/plain; charset=utf-8' : 'application/json';
    }
    if (answer.status !== 204) headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(answer.status, { ...headers, ...answer.headers });
    res.end(payload);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
    const segment = NOTIFICATION_PATH.exec(path)?.[1];
    let room: string | undefined;
    try {
      room = segment === undefined ? undefined : decodeURIComponent(segment);
    } catch {
      room = undefined; // malformed percent-encoding cannot name a room
    }
    const record: RecordedRequest = {
      method: req.method ?? '',
      url,
      room,
      headers: { ...req.headers },
      rawBody: raw,
      body: parseJson(raw),
      status: 0, // until answered; stays 0 for a reset or a request abandoned during a delay
      receivedAt: Date.now(),
    };
    requests.push(record);

    if (query.get('auth_test') === 'true' && (req.method === 'GET' || req.method === 'POST')) {
      return send(res, record, authTest(req, query));
    }
    if (room === undefined) return send(res, record, errorAnswer(404, 'Not found'));
    if (req.method !== 'POST') return send(res, record, errorAnswer(405, 'Method Not Allowed'));

    const fault = faults.shift();
    if (fault?.kind === 'status') return send(res, record, new HttpAnswer(fault.status, fault.body, fault.headers));
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'rateLimited') {
      return send(res, record, fault.withHeaders ? faultRateLimited(Date.now()) : rateLimitExceeded());
    }
    if (fault?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          delays.delete(timer);
          resolve();
        }, fault.ms);
        delays.set(timer, resolve);
      });
      if (req.socket.destroyed) return;
    }
    send(res, record, notification(req, query, room, raw));
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  };

  const server = options.tls ? https.createServer({ ...options.tls }, onRequest) : http.createServer(onRequest);
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Clients that give up (timeouts, resets) must not crash the test process.
  server.on('clientError', (_err, socket: Socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    delivered: (room) => requests.filter((r) => r.status === 204 && (room === undefined || r.room === room)),
    count: (status) => requests.filter((r) => r.status === status).length,
    injectFaults: (...more) => {
      faults.push(...more);
    },
    setLimits: (limits) => {
      // A property that is present (even as undefined) replaces that limit with fresh counts; absent keeps it.
      if ('tokenLimit' in limits) {
        checkLimit('tokenLimit', limits.tokenLimit);
        tokenWindow = limits.tokenLimit && new WindowCounter(limits.tokenLimit);
      }
      if ('floodLimit' in limits) {
        checkLimit('floodLimit', limits.floodLimit);
        floodWindow = limits.floodLimit && new WindowCounter(limits.floodLimit);
      }
    },
    connections: () => accepted,
    // Idempotent, so a test may close early and still leave cleanup to a shared afterEach.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        // Ends pending delays now; their sockets are destroyed below, so they answer nothing.
        for (const [timer, resolve] of delays) {
          clearTimeout(timer);
          resolve();
        }
        delays.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      })),
  };
}
