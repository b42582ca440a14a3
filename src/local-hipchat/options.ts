// Options of startLocalHipChat(), their defaults and their checks. Every check throws a
// LocalHipChatOptionError with a one-line message, so a CLI can pass option values straight through.
import net from 'node:net';
import { isLoopbackHost as isLoopbackHostname } from '../config/values.js';
import { checkChaos, parseChaos, type ChaosRule } from './chaos.js';
import { LocalHipChatOptionError } from './errors.js';
import { checkLimit, DEFAULT_FLOOD_LIMIT, DEFAULT_TOKEN_LIMIT, type WindowLimit } from './limits.js';
import { generateToken, isUsableToken } from './token.js';
import { roomNameProblem } from './validation.js';

export interface LocalHipChatOptions {
  /** Address to listen on; default 127.0.0.1 (see isLoopbackHost() before using anything else). */
  host?: string;
  /** Port; default 0: any free port (read it back from `port`). Give a previous server's port to reuse it. */
  port?: number;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Tokens the API and the test API accept; default: one new generateToken(), read back from `tokens`. */
  tokens?: string[];
  /** Only these room names may exist (created at start); a notification to any other room is a 404. */
  rooms?: string[];
  /** Turns both HipChat limits off (for bulk runs). */
  noLimits?: boolean;
  /** Per token, over all its rooms; default 500/5m. null: no limit. */
  tokenLimit?: WindowLimit | null;
  /** Flood control per room; default 30/60s. null: no limit. */
  floodLimit?: WindowLimit | null;
  /** Chaos rules, as parseChaos() text or rules; default none. */
  chaos?: string | readonly ChaosRule[];
  /** Random source in [0, 1) for chaos and the `random` colour; default Math.random (inject one for tests). */
  random?: () => number;
  /** Notifications retained per room (the oldest go first, counted as dropped); default 10000. */
  max?: number;
  /** At most this many rooms; default 1000. */
  maxRooms?: number;
  /** Request bodies over this many bytes get a 413; default 1 MiB. */
  maxBodyBytes?: number;
  /** Open long polls and page event streams, together; default 200 (more get a 503). */
  maxWaiters?: number;
  /** Keep notifications in this folder (created 0700), reloaded on start. Default: memory only. */
  dataDir?: string;
  /** Record requests for in-process tests (`requests`, `delivered()`, `count()`): true keeps the last 10000, a number that many. Default off. */
  record?: boolean | number;
  /** Called with one line per request (tokens redacted). */
  log?: (line: string) => void;
  /** Base URL for the API's `links` and the page, when clients reach the server under another name. */
  publicUrl?: string;
  /**
   * Host names the page answers to. Default: loopback names (localhost, 127.x, [::1]) when listening on
   * loopback, which stops DNS-rebinding sites from reading the page; any name otherwise.
   */
  allowedHosts?: string[];
  /** Reported by /_local/health, so a process that started a detached server can tell it is its own. Default: random. */
  instanceId?: string;
  /** Notifications per room page; default 200. */
  pageSize?: number;
  /**
   * Enables `POST /_local/shutdown` (with a token): called once its 202 is sent, so that a
   * `stop-local-hipchat` command can stop a detached server without knowing its pid.
   */
  onShutdown?: () => void;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  tls: { key: string | Buffer; cert: string | Buffer } | undefined;
  tokens: string[];
  rooms: string[] | undefined;
  tokenLimit: WindowLimit | undefined;
  floodLimit: WindowLimit | undefined;
  chaos: ChaosRule[];
  random: () => number;
  max: number;
  maxRooms: number;
  maxBodyBytes: number;
  maxWaiters: number;
  dataDir: string | undefined;
  record: number;
  log: ((line: string) => void) | undefined;
  publicUrl: string | undefined;
  allowedHosts: string[] | undefined;
  instanceId: string;
  pageSize: number;
  onShutdown: (() => void) | undefined;
}

/**
 * A host as a URL spells it: lower case, an IPv6 address in brackets and in its shortest form
 * (`0:0:0:0:0:0:0:1` and `::1` are both `[::1]`).
 */
export function urlHostname(host: string): string {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (!net.isIPv6(h)) return h;
  try {
    return new URL(`http://[${h}]/`).hostname;
  } catch {
    return `[${h}]`;
  }
}

/**
 * True for names and addresses that only this machine can reach (localhost, *.localhost, 127.0.0.0/8,
 * ::1), in any of the forms a listen address or a Host header takes; judged by notifier's one rule
 * (config/values.ts, which also decides when an --apiUrl is plain http over the network).
 */
export function isLoopbackHost(host: string): boolean {
  return isLoopbackHostname(urlHostname(host));
}

function integer(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new LocalHipChatOptionError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function limit(name: string, value: WindowLimit | null | undefined, fallback: WindowLimit, off: boolean): WindowLimit | undefined {
  if (off) return undefined;
  if (value === null) return undefined;
  if (value === undefined) return { ...fallback };
  checkLimit(name, value);
  return { limit: value.limit, windowMs: value.windowMs };
}

/**
 * Throws the LocalHipChatOptionError startLocalHipChat() would throw for these options, without starting
 * anything: a CLI checks its values up front (before it starts a server in the background, say).
 */
export function checkOptions(options: LocalHipChatOptions): void {
  resolveOptions(options);
}

export function resolveOptions(options: LocalHipChatOptions): ResolvedOptions {
  const maxRooms = integer('maxRooms', options.maxRooms, 1000, 1, 100_000);
  const tokens = options.tokens ?? [generateToken()];
  if (tokens.length === 0) throw new LocalHipChatOptionError('tokens must hold at least one token');
  for (const [i, token] of tokens.entries()) {
    // The token itself is never part of a message: it would end up on a terminal or in a CI log.
    if (!isUsableToken(token)) {
      throw new LocalHipChatOptionError(`Token ${i + 1} is not usable: use 1-256 characters of A-Z a-z 0-9 - . _ ~ + /`);
    }
  }
  let rooms: string[] | undefined;
  if (options.rooms !== undefined) {
    rooms = [...new Set(options.rooms)];
    if (rooms.length > maxRooms) throw new LocalHipChatOptionError(`rooms: at most ${maxRooms} rooms (maxRooms)`);
    for (const room of rooms) {
      const problem = typeof room === 'string' ? roomNameProblem(room) : 'must be a string';
      if (problem !== undefined) throw new LocalHipChatOptionError(`Room name ${JSON.stringify(String(room)).slice(0, 80)} ${problem}`);
    }
  }
  const chaos = typeof options.chaos === 'string' ? parseChaos(options.chaos) : [...(options.chaos ?? [])];
  checkChaos(chaos);
  let publicUrl: string | undefined;
  if (options.publicUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.publicUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new LocalHipChatOptionError(`publicUrl must be an http or https URL`);
    }
    publicUrl = url.href.replace(/\/+$/, '');
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.trim() === '') throw new LocalHipChatOptionError('host must not be empty');
  const instanceId = options.instanceId ?? generateToken(16);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(instanceId))
    throw new LocalHipChatOptionError('instanceId must be 1-64 characters of A-Z a-z 0-9 . _ -');
  if (options.random !== undefined && typeof options.random !== 'function') throw new LocalHipChatOptionError('random must be a function');
  if (options.onShutdown !== undefined && typeof options.onShutdown !== 'function')
    throw new LocalHipChatOptionError('onShutdown must be a function');
  const record = options.record === true ? 10_000 : options.record === false ? 0 : integer('record', options.record, 0, 0, 1_000_000);
  return {
    host: host.trim(),
    port: integer('port', options.port, 0, 0, 65_535),
    tls: options.tls,
    tokens: [...tokens],
    rooms,
    tokenLimit: limit('tokenLimit', options.tokenLimit, DEFAULT_TOKEN_LIMIT, options.noLimits === true),
    floodLimit: limit('floodLimit', options.floodLimit, DEFAULT_FLOOD_LIMIT, options.noLimits === true),
    chaos,
    random: options.random ?? Math.random,
    max: integer('max', options.max, 10_000, 1, 1_000_000),
    maxRooms,
    maxBodyBytes: integer('maxBodyBytes', options.maxBodyBytes, 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxWaiters: integer('maxWaiters', options.maxWaiters, 200, 1, 10_000),
    dataDir: options.dataDir,
    record,
    log: options.log,
    publicUrl,
    allowedHosts: options.allowedHosts?.map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/^\[(.*)\]$/, '$1'),
    ),
    instanceId,
    pageSize: integer('pageSize', options.pageSize, 200, 1, 10_000),
    onShutdown: options.onShutdown,
  };
}
