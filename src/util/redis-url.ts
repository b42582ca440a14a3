// A Redis URL as --rateLimitStore takes it: redis://[[user]:password@]host[:port][/db], or rediss:// for TLS.
// Checked up front (a mistake is a usage error, not an "unreachable" after retries); what messages show of it
// is scheme, host and port only, never the user info.

export interface RedisTarget {
  /** The URL as given: handed to the client (it holds the password). */
  url: string;
  tls: boolean;
  host: string;
  port: number;
  db: number;
  /** The password (decoded), to remove from any message that might echo it. */
  password: string | undefined;
  /** e.g. `redis://cache.example:6379`: never the password. */
  display: string;
}

/** The target, or why the text is not a Redis URL (never quoting it: it may hold a password). */
export function parseRedisUrl(text: string): RedisTarget | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'not a URL (expected redis://[:password@]host[:port][/db], rediss://… or file)' };
  }
  const tls = url.protocol === 'rediss:';
  if (!tls && url.protocol !== 'redis:') return { problem: `${url.protocol} is not supported (expected redis:// or rediss://)` };
  if (url.hostname === '') return { problem: 'the URL names no host' };
  const display = `${tls ? 'rediss' : 'redis'}://${url.hostname}:${url.port || 6379}`;
  const path = url.pathname.replace(/^\//, '');
  if (!/^\d{0,2}$/.test(path)) return { problem: `${display}: the path must be a database number, e.g. /0` };
  if (url.search !== '' || url.hash !== '') return { problem: `${display}: a query or fragment is refused` };
  let password: string | undefined;
  try {
    password = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    return { problem: `${display}: the password is not valid percent-encoding` };
  }
  return { url: text, tls, host: url.hostname, port: Number(url.port || 6379), db: Number(path || 0), password, display };
}

/** The message with the password (as given and percent-encoded) taken out. */
export function redactPassword(message: string, password: string | undefined): string {
  if (!password) return message;
  let redacted = message;
  for (const form of new Set([password, encodeURIComponent(password)])) redacted = redacted.split(form).join('***');
  return redacted;
}
