// Reading requests: the path as sent (never normalized: `%2E%2E` must stay a room named `..`), path
// segments percent-decoded exactly once, bounded query values, the token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AnswerError, errorAnswer } from './answer.js';
import { pyRepr } from './validation.js';

export const MAX_QUERY_VALUE = 1000;

export interface RequestTarget {
  /** The path as sent, without the query. */
  path: string;
  /** Path segments, still percent-encoded (the first, empty one before the leading slash removed). */
  segments: string[];
  query: URLSearchParams;
}

/** Splits req.url without URL normalization (which would turn `/room/%2E%2E/x` into `/x`). */
export function splitTarget(url: string): RequestTarget {
  let target = url;
  // An absolute-form target (a client that talks to us as if we were a proxy): keep the path.
  const absolute = target.startsWith('/') ? null : /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (absolute !== null) target = target.slice(absolute[0].length) || '/';
  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
  return { path, segments: path.split('/').slice(1), query };
}

/** Decodes one path segment exactly once (`%252F` stays `%2F`); undefined if malformed or empty. */
export function decodeSegment(segment: string | undefined): string | undefined {
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The Bearer token of an Authorization header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([^\s]+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The token a request presents: the Authorization Bearer header, else the legacy `auth_token` query
 * parameter that old clients (Payara's notifier among them) used. `presented` tells a request that sent
 * something unusable (an invalid session) from one that sent nothing (authentication required).
 */
export function presentedToken(req: IncomingMessage, query: URLSearchParams): { token: string | undefined; presented: boolean } {
  const header = req.headers.authorization;
  const bearer = bearerToken(header);
  if (bearer !== undefined) return { token: bearer, presented: true };
  const param = query.get('auth_token');
  if (param !== null && param !== '') return { token: param, presented: true };
  return { token: undefined, presented: header !== undefined && header !== '' };
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A query value, at most MAX_QUERY_VALUE characters (a 400 otherwise). */
export function queryValue(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (value.length > MAX_QUERY_VALUE) {
    throw new AnswerError(
      errorAnswer(400, `Value for field '${name}' must be at most ${MAX_QUERY_VALUE} characters long`, {
        field: name,
        validation: 'length',
      }),
    );
  }
  return value;
}

export function queryInteger(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const value = queryValue(query, name);
  if (value === undefined) return fallback;
  if (!/^\s*-?\d{1,15}\s*$/.test(value)) {
    throw new AnswerError(
      errorAnswer(400, `Value ${pyRepr(value)} for field '${name}' is not of type 'integer'`, {
        field: name,
        validation: 'type',
        expected_type: 'integer',
      }),
    );
  }
  const n = Number(value);
  if (n < min || n > max) {
    throw new AnswerError(
      errorAnswer(400, `Value ${n} for field '${name}' must be between ${min} and ${max}`, { field: name, validation: 'range' }),
    );
  }
  return n;
}

export function queryBoolean(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = queryValue(query, name);
  if (value === undefined) return fallback;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new AnswerError(
    errorAnswer(400, `Value ${pyRepr(value)} for field '${name}' is not of type 'boolean'`, {
      field: name,
      validation: 'type',
      expected_type: 'boolean',
    }),
  );
}

/** One request as the handlers see it; the body is read (and bounded) before they run. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  target: RequestTarget;
  raw: string;
  /** The body parsed as JSON, undefined if empty or invalid. */
  json: unknown;
  /** Words added to the request's log line (e.g. `chaos=503`). */
  notes: string[];
}
