// The HipChat REST API v2 contract (shared/reference/hipchat-api-v2.md) on axios: one room, one token, one
// kept-alive route (direct or through a proxy).
// Imported lazily by the commands that send: axios alone costs ~95 ms of start-up.
import http from 'node:http';
import type tls from 'node:tls';
import {
  Axios,
  isAxiosError,
  isCancel,
  type AxiosProxyConfig,
  type AxiosRequestConfig,
  type AxiosResponse,
  type GenericAbortSignal,
} from 'axios';
import { DEFAULT_TIMEOUT_MS } from '../defaults.js';
import { CERTIFICATE_PROBLEMS } from '../../util/certificates.js';
import { describeErrnoCode } from '../../util/errno.js';
import { deadline } from '../../util/sleep.js';
import { EndpointError, HipChatError } from '../errors.js';
import type { RoomNotification } from '../message.js';
import { axiosProxyConfig, proxyFor, tunnellingAgent } from './proxy.js';

export interface HipChatClientOptions {
  /** e.g. 'https://hipchat.example.com' or 'http://127.0.0.1:4000'; may carry a path prefix. */
  apiUrl: string;
  token: string;
  /** Connect + response timeout, default 10_000. */
  timeoutMs?: number;
  /** Extra CA (PEM) trusted in addition to Node's defaults and NODE_EXTRA_CA_CERTS. */
  caFile?: string;
  /** Skip certificate verification (the caller warns). */
  insecure?: boolean;
  /** Where HTTPS_PROXY/HTTP_PROXY/NO_PROXY (and lower-case) are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface SendOutcome {
  status: number;
  /** Response headers, names lower-case (X-Ratelimit-*, X-FloodControl-*). */
  headers: Record<string, string | string[] | undefined>;
}

type ResponseHeaders = Record<string, string | string[] | undefined>;

const REDACTED = 'Bearer <redacted>';

// Failures before any answer that a later attempt may not meet. Anything else without an answer
// (a TLS protocol error, a bad option, a host name that does not exist) is a configuration problem:
// retrying cannot help.
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET', // also "socket hang up"
  'EAI_AGAIN', // the name server did not answer: unlike ENOTFOUND, a later lookup may succeed
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ECONNABORTED',
]);

// Of those, the ones where no connection was made at all, so no request reached HipChat.
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);

/** How the client reaches HipChat: one agent (direct, or through a proxy) and the axios instance on it. */
interface Route {
  agent: http.Agent;
  http: Axios;
}

/** Room names that are URL dot-segments. */
const DOT_SEGMENT = /^\.{1,2}$/;

/** The largest answer read: HipChat's are a few hundred bytes; a bigger one is not HipChat's, or hostile. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

type AbortListener = (event: { type: 'abort' }) => void;

/**
 * How one exchange is aborted (its deadline, or the caller's signal), in the shape axios reads a signal
 * (GenericAbortSignal: `aborted` and the two listener calls, its http adapter's only uses). Not an
 * AbortController: each of those makes an EventTarget whose AbortSignal gets a hidden class of its own, which
 * a bulk send paid for every notification in time and in young-generation survivors.
 */
class ExchangeSignal implements GenericAbortSignal {
  aborted = false;
  private listeners: AbortListener[] = [];

  addEventListener(type: string, listener: AbortListener): void {
    if (type === 'abort') this.listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener): void {
    if (type === 'abort') this.listeners = this.listeners.filter((each) => each !== listener);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    // An abort event, as an AbortSignal dispatches it: axios turns it into a CanceledError.
    for (const listener of listeners) listener({ type: 'abort' });
  }
}

export class HipChatClient {
  private readonly target: URL;
  private readonly notificationBase: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly options: HipChatClientOptions;
  private readonly proxy: URL | undefined;
  /** Made on the first send: what it needs (node:https, a CA file, a proxy tunnel) loads only then. */
  private route: Promise<Route> | undefined;

  constructor(options: HipChatClientOptions) {
    const base = options.apiUrl.replace(/\/+$/, '');
    this.target = new URL(base);
    if (this.target.protocol !== 'https:' && this.target.protocol !== 'http:') {
      throw new EndpointError(`The HipChat API URL must start with https:// or http://: ${base}`);
    }
    this.notificationBase = `${base}/v2/room/`;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.options = options;
    // The target never changes, so neither does the route: one agent serves every message.
    this.proxy = proxyFor(this.target, options.env ?? process.env);
  }

  private routeOf(): Promise<Route> {
    return (this.route ??= this.makeRoute());
  }

  private async makeRoute(): Promise<Route> {
    const originTls: tls.ConnectionOptions = {};
    if (this.options.caFile !== undefined) originTls.secureContext = await (await import('./tls.js')).trustingContext(this.options.caFile);
    if (this.options.insecure) originTls.rejectUnauthorized = false;
    // axios sets keep-alive probes of 60 s on every request's socket; an agent with another value would set
    // its own back each time the socket is freed: eight setsockopt calls a request for nothing.
    const keepAlive = { keepAlive: true, keepAliveMsecs: 60_000 };
    const proxy = this.proxy;
    let axiosProxy: AxiosProxyConfig | false = false;
    let agent: http.Agent;
    if (proxy === undefined) {
      agent =
        this.target.protocol === 'https:'
          ? new (await import('node:https')).Agent({ ...keepAlive, ...originTls })
          : new http.Agent(keepAlive);
    } else if (this.target.protocol === 'https:') {
      // axios 1 tunnels https through its own HttpsProxyAgent v5, which opens a new CONNECT
      // tunnel per request and cannot be destroyed by close(): tunnel ourselves instead.
      agent = await tunnellingAgent(proxy, originTls);
    } else {
      // Plain http goes to the proxy as an absolute-URI request, which axios does right;
      // only the connection to the proxy is pooled.
      axiosProxy = axiosProxyConfig(proxy);
      agent = proxy.protocol === 'https:' ? new (await import('node:https')).Agent(keepAlive) : new http.Agent(keepAlive);
    }
    // An Axios of our own config alone, not axios.create(): that one merges axios's defaults (headers for every
    // method, transforms, browser settings) into every request again, and a bulk send paid for it in time and
    // garbage. What notifier needs of them is here.
    const instance = new Axios({
      adapter: 'http',
      // Environment proxies are resolved above (from options.env, not process.env).
      proxy: axiosProxy,
      httpAgent: agent,
      httpsAgent: agent,
      // No timeout of axios's: each exchange has a deadline of its own (sendRoomNotification), which ends the
      // connect, the headers and a body that trickles in alike; axios's would only add two timers a request.
      // A redirect means a wrong apiUrl; following it would carry the token to another place.
      maxRedirects: 0,
      // Every answer is bounded, and nothing is decompressed (a small gzip can hold gigabytes).
      maxContentLength: MAX_ANSWER_BYTES,
      decompress: false,
      // Every status is classified by answerError(); axios errors would carry the config (and token).
      validateStatus: null,
      responseType: 'text',
      // The body goes as the JSON text it already is; the answer stays text (hipchatMessageOf reads it).
      transformRequest: [],
      transformResponse: [],
      headers: {
        Authorization: `Bearer ${this.token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Accept-Encoding': 'identity',
      },
    });
    return { agent, http: instance };
  }

  /**
   * Resolves only on 204. Throws HipChatError, or, when signal aborts the request, a
   * DOMException named 'AbortError' (axios's CanceledError is mapped to it).
   */
  async sendRoomNotification(room: string, notification: RoomNotification, signal?: AbortSignal): Promise<SendOutcome> {
    const route = await this.routeOf();
    // The whole exchange (connect, headers and a body that may trickle in) within the timeout, or until the
    // caller's signal. Not AbortSignal.timeout()/any(): their timer and links keep each request's signal,
    // and what axios hangs on it, alive for the whole timeout, which a bulk run pays in memory.
    const exchange = new ExchangeSignal();
    let timedOut = false;
    const cancelDeadline = deadline(this.timeoutMs, () => {
      timedOut = true;
      exchange.abort();
    });
    const onCallerAbort = () => exchange.abort();
    if (signal?.aborted) onCallerAbort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    let response: AxiosResponse<string>;
    try {
      // request(), not post(): post() merges its arguments into a config once more before request() merges it.
      const config: AxiosRequestConfig<Buffer> = {
        method: 'post',
        url: this.roomUrl(room),
        data: unpooledUtf8(JSON.stringify(notificationBody(notification))),
        signal: exchange,
      };
      if (DOT_SEGMENT.test(room)) config.transport = await this.dotSegmentTransport(room);
      response = await route.http.request<string>(config);
    } catch (error) {
      throw this.noAnswer(error, signal, timedOut);
    } finally {
      cancelDeadline();
      signal?.removeEventListener('abort', onCallerAbort);
    }
    const headers = plainHeaders(response.headers);
    if (response.status === 204) return { status: 204, headers };
    const reason = response.statusText || http.STATUS_CODES[response.status] || 'Unknown Status';
    throw answerError(response.status, reason, this.redact(hipchatMessageOf(response.data)), headers);
  }

  /** The exact request that would be sent, token redacted: for --dryRun. */
  describeRequest(
    room: string,
    notification: RoomNotification,
  ): { method: 'POST'; url: string; headers: Record<string, string>; body: Record<string, unknown> } {
    return {
      method: 'POST',
      url: this.roomUrl(room),
      headers: { Authorization: REDACTED, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: notificationBody(notification),
    };
  }

  /** Destroys the keep-alive connections so the process can exit. */
  close(): void {
    void this.route?.then(
      (route) => route.agent.destroy(),
      () => {},
    );
  }

  // Built by hand so the room stays one path segment (space → %20, "/" → %2F); axios leaves it as is.
  private roomUrl(room: string): string {
    return `${this.notificationBase}${encodeURIComponent(room)}/notification`;
  }

  /**
   * A room named "." or ".." is a dot-segment, which every URL parser (axios's too) removes, sending to
   * /v2/room/notification: the request goes out with the path as it should be, the room's dots encoded.
   */
  private async dotSegmentTransport(room: string): Promise<AxiosRequestConfig['transport']> {
    const resolved = new URL(this.roomUrl(room)).pathname;
    const intended = `${new URL(this.notificationBase).pathname}${room.replaceAll('.', '%2E')}/notification`;
    const transport = this.target.protocol === 'https:' ? await import('node:https') : http;
    return {
      request: (options: http.RequestOptions, callback: (response: http.IncomingMessage) => void) =>
        transport.request({ ...options, path: options.path?.replace(resolved, intended) }, callback),
    };
  }

  // A fresh error from the failure's code alone: axios errors hold the request config and headers.
  private noAnswer(error: unknown, signal: AbortSignal | undefined, timedOut: boolean): Error {
    if (signal?.aborted || (isCancel(error) && !timedOut)) {
      // The caller holds the signal, so signal.reason stays available to it.
      return new DOMException('The HipChat request was aborted', 'AbortError');
    }
    const code = timedOut ? 'ETIMEDOUT' : isAxiosError(error) ? error.code : undefined;
    const host = this.target.host;
    // The proxy's host, never its credentials.
    const via = this.proxy === undefined ? '' : ` (through proxy ${this.proxy.host})`;
    if (code === 'ETIMEDOUT') {
      return new HipChatError(`No answer from HipChat at ${host} within ${this.timeoutMs / 1000} s${via}`, {
        retryable: true,
      });
    }
    if (code === 'ENOTFOUND') {
      // The name server says the name (HipChat's, or the proxy's) does not exist: a typo, which waiting would only hide.
      const check = this.proxy === undefined ? 'check --apiUrl' : 'check the proxy variables (HTTPS_PROXY, HTTP_PROXY)';
      return new HipChatError(`Cannot reach HipChat at ${host}: ${describeErrnoCode(code)}${via}; ${check}`, {
        retryable: false,
        neverSent: true,
      });
    }
    if (code !== undefined && NETWORK_ERRORS.has(code)) {
      return new HipChatError(`Cannot reach HipChat at ${host}: ${describeErrnoCode(code)}${via}`, {
        retryable: true,
        neverSent: NOT_CONNECTED.has(code),
      });
    }
    if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test((error as Error).message)) {
      return new HipChatError(
        `The answer from ${host} is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MB: not HipChat's (check --apiUrl)${via}`,
        {
          retryable: false,
        },
      );
    }
    const problem = code === undefined ? undefined : CERTIFICATE_PROBLEMS[code];
    if (problem !== undefined) {
      return new HipChatError(
        `Cannot verify the TLS certificate of HipChat at ${host}: ${problem} (${code}). ` +
          'If an internal CA signed it, trust that CA with --caFile FILE (or NODE_EXTRA_CA_CERTS=FILE); ' +
          'as a last resort, --insecure turns verification off.',
        { retryable: false },
      );
    }
    return new HipChatError(`Request to HipChat at ${host} failed: ${describeErrnoCode(code) ?? code ?? 'unknown error'}${via}`, {
      retryable: false,
    });
  }

  // An error page might echo what it was sent.
  private redact(text: string | undefined): string | undefined {
    return this.token === '' ? text : text?.split(this.token).join('<redacted>');
  }
}

function notificationBody(notification: RoomNotification): Record<string, unknown> {
  const body: Record<string, unknown> = {
    message: notification.message,
    message_format: notification.messageFormat,
    color: notification.color,
    notify: notification.notify,
  };
  if (notification.from !== undefined) body.from = notification.from;
  if (notification.attachTo !== undefined) body.attach_to = notification.attachTo;
  if (notification.card !== undefined) body.card = notification.card;
  return body;
}

function answerError(status: number, reason: string, hipchatMessage: string | undefined, headers: ResponseHeaders): HipChatError {
  const details = { status, hipchatMessage, headers };
  if (status === 429) {
    return new HipChatError(`HipChat rate limit exceeded (429): ${hipchatMessage ?? reason}`, {
      ...details,
      retryable: true,
      resetAt: resetAtOf(headers),
    });
  }
  if (status >= 500) {
    const detail = hipchatMessage === undefined ? '' : `: ${hipchatMessage}`;
    return new HipChatError(`HipChat answered ${status} ${reason}${detail}`, { ...details, retryable: true });
  }
  if (status >= 400) {
    return new HipChatError(`HipChat refused the notification: ${status} ${hipchatMessage ?? reason}`, {
      ...details,
      retryable: false,
    });
  }
  // A 2xx other than 204 or a 3xx: not HipChat's answer to this request (wrong apiUrl?), and it may
  // have been delivered, so sending again is no cure either.
  return new HipChatError(`HipChat answered ${status} ${reason} instead of 204 No Content`, {
    ...details,
    retryable: false,
  });
}

/** HipChat's `{"error": {"message": ...}}`, flattened to one line; undefined for any other body. */
function hipchatMessageOf(body: unknown): string | undefined {
  if (typeof body !== 'string' || body === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = (parsed as { error?: { message?: unknown } } | null)?.error;
  const message = typeof error === 'object' && error !== null ? error.message : undefined;
  if (typeof message !== 'string') return undefined;
  const line = message.replace(/\s+/g, ' ').trim();
  return line === '' ? undefined : line;
}

/** The later of the token window's and the room window's reset (Unix seconds → epoch ms). */
function resetAtOf(headers: ResponseHeaders): number | undefined {
  const resets = ['x-ratelimit-reset', 'x-floodcontrol-reset']
    .map((name) => Number(headers[name]))
    .filter((seconds) => Number.isFinite(seconds) && seconds > 0);
  return resets.length === 0 ? undefined : Math.max(...resets) * 1000;
}

/**
 * The body as a Buffer of its own. axios would make a string a Buffer.from() slice of Node's shared 8 KB pool; a
 * request in flight when a scavenge comes promotes its slice, and with it the whole pool, to the old generation,
 * where it waits for a full collection: in a bulk run, 8 KB of memory that grows with the count at each scavenge.
 */
function unpooledUtf8(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

function plainHeaders(headers: object): ResponseHeaders {
  const plain: ResponseHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' || Array.isArray(value)) plain[name.toLowerCase()] = value;
  }
  return plain;
}
