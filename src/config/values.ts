// Validation of the values a HipChat notifier configuration holds (checks asadmin never made).
import { parseRedisUrl } from '../util/redis-url.js';

export const DEFAULT_API_URL = 'https://api.hipchat.com';
export const DEFAULT_RATE_LIMIT = '30/60s';
export const MAX_ROOM_NAME_LENGTH = 100;

// C0 and C1 control characters, DEL included.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;

/** An error text when the room name is unusable, else undefined. */
export function roomNameProblem(roomName: string): string | undefined {
  const length = [...roomName].length;
  if (length === 0) return 'Room name must not be empty';
  if (length > MAX_ROOM_NAME_LENGTH) return `Room name is ${length} characters long; HipChat allows at most ${MAX_ROOM_NAME_LENGTH}`;
  if (CONTROL.test(roomName)) return 'Room name must not contain control characters';
  return undefined;
}

/** An error text when the token is unusable, else undefined. Never quotes the token. */
export function tokenProblem(token: string): string | undefined {
  if (token.length === 0) return 'Token must not be empty';
  if (WHITESPACE_OR_CONTROL.test(token)) return 'Token must not contain whitespace or control characters';
  return undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname.endsWith('.localhost');
}

export type ApiUrlCheck = { url: string; plainHttp: boolean } | { problem: string };

/**
 * The normalised base URL (no trailing slash), or why it is refused; `name` says where it was given
 * ('--apiUrl', '$HIPCHAT_API_URL').
 */
export function checkApiUrl(text: string, name = '--apiUrl'): ApiUrlCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: `Invalid ${name}: ${text} is not an absolute URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { problem: `Invalid ${name}: ${url.protocol} is not supported (use https://)` };
  }
  if (url.username || url.password)
    return { problem: `Invalid ${name}: credentials in the URL are refused (the token is given separately)` };
  if (url.search || text.includes('?')) return { problem: `Invalid ${name}: a query string is refused` };
  if (url.hash || text.includes('#')) return { problem: `Invalid ${name}: a fragment is refused` };
  const path = url.pathname.replace(/\/+$/, '');
  // notifier adds /v2/room/… itself: a base ending in /v2 would post to /v2/v2/room/… and meet a 404.
  if (/\/v2$/i.test(path))
    return { problem: `Invalid ${name}: ${text} ends in /v2, which notifier adds itself; give ${url.origin}${path.slice(0, -3)}` };
  return { url: `${url.origin}${path}`, plainHttp: url.protocol === 'http:' && !isLoopbackHost(url.hostname) };
}

/** The state folder: the default store of the shared rate limit. */
export const FILE_RATE_LIMIT_STORE = 'file';

/** Why the text is not a rate-limit store (file, redis://…, rediss://…), or undefined; never quoting it (a password). */
export function rateLimitStoreProblem(text: string): string | undefined {
  if (text === FILE_RATE_LIMIT_STORE) return undefined;
  const target = parseRedisUrl(text);
  return 'problem' in target ? `Invalid --rateLimitStore: ${target.problem}` : undefined;
}

/** The store as messages and JSON show it: its password, if any, as ****. */
export function maskedRateLimitStore(text: string): string {
  const target = parseRedisUrl(text);
  if (text === FILE_RATE_LIMIT_STORE || 'problem' in target || target.password === undefined) return text;
  const url = new URL(text);
  url.password = '****';
  return url.href;
}
