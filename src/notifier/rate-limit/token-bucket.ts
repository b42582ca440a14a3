// Rate-limit arithmetic, pure: every function takes the time (`now`, epoch ms) and returns a new state, so the
// state can be persisted as JSON and shared by processes (see state-store.ts).
//
// Until HipChat has shown a window, a local token bucket built from the configured rate governs. Once an
// answer has shown a window of a kind (per token: 'ratelimit', per room: 'flood'), that kind follows what the
// server said, counting our own sends down from the last reported `remaining`. Sends still waiting for their
// answer are tracked too: a count taken over from the server (rather than followed since its window began)
// may not include them yet.
//
// A sender that goes fast may take several units of the local bucket at once (a lease) and send them without
// coming back to the shared state, as long as it sends them before the lease ends. The limit stays exact: a
// lease's units count against the bucket's capacity until it ends, so that the bucket cannot refill to a full
// burst while they are still to be sent. Server windows are never leased: once known, they count every send.

import type { Rate } from '../../util/rate.js';

export type WindowKind = 'ratelimit' | 'flood';
export type LimitReason = 'local' | WindowKind;

/** One window as an answer reported it. */
export interface ServerWindow {
  limit: number;
  remaining: number;
  /** Epoch ms when the window refills. */
  resetAt: number;
}

export type ServerWindows = Partial<Record<WindowKind, ServerWindow>>;

/**
 * A window as the state tracks it: as reported (minus our sends since), or, once its reset time has passed,
 * a new window with the whole limit whose end no answer has shown yet (`resetAt: null`, `startedAt` = the
 * passed reset time).
 */
export type TrackedWindow = ServerWindow | { limit: number; remaining: number; resetAt: null; startedAt: number };

export interface LocalBucket {
  rate: Rate;
  /** Fractional: refill is continuous. */
  tokens: number;
  updatedAt: number;
  /** The leases that have not ended: how many units each took, and until when they may be sent. */
  leases?: Lease[];
}

export interface Lease {
  count: number;
  until: number;
}

/** Sends taken but not yet answered (nor released). */
export interface InFlight {
  count: number;
  lastSentAt: number;
}

export interface BucketState {
  local: LocalBucket;
  server: Partial<Record<WindowKind, TrackedWindow>>;
  inFlight: InFlight;
}

/** `reason` tells a wait (waitMs > 0) from units taken: `units` (at least one), to be sent before `until`. */
export type TakeResult =
  | { state: BucketState; waitMs: 0; reason?: undefined; units: number; until: number }
  | { state: BucketState; waitMs: number; reason: LimitReason };

const KINDS: readonly WindowKind[] = ['ratelimit', 'flood'];
const HEADER_PREFIX: Record<WindowKind, string> = { ratelimit: 'x-ratelimit-', flood: 'x-floodcontrol-' };
/** Absorbs floating-point error so that waiting exactly the announced time is enough. */
const EPSILON = 1e-9;
/** No answer comes later than this (request timeouts are far shorter): older sends failed without one. */
const ANSWER_MAX_MS = 60_000;

/** A full local bucket, no server window known. */
export function createBucketState(rate: Rate, now: number): BucketState {
  return {
    local: { rate: { count: rate.count, perMs: rate.perMs }, tokens: rate.count, updatedAt: now },
    server: {},
    inFlight: { count: 0, lastSentAt: now },
  };
}

/**
 * Switches the local bucket to another rate; it keeps no more tokens than it had, so changing the configuration
 * never grants a burst.
 */
export function withRate(state: BucketState, rate: Rate, now: number): BucketState {
  if (state.local.rate.count === rate.count && state.local.rate.perMs === rate.perMs) return state;
  const local = refill(state.local, now);
  return { ...state, local: { ...local, rate: { count: rate.count, perMs: rate.perMs }, tokens: Math.min(rate.count, local.tokens) } };
}

/**
 * Records an answer and the windows it reported (none if it had no rate-limit headers). Answers of concurrent
 * requests arrive out of order: for the same window the lowest `remaining` wins; a later window replaces an
 * earlier one.
 */
export function observe(state: BucketState, windows: ServerWindows, now: number): BucketState {
  const server = rollOver(state, now);
  const inFlight = answered(state, 1, now);
  const unseen = (remaining: number) => Math.max(0, remaining - inFlight.count);
  for (const kind of KINDS) {
    const seen = windows[kind];
    if (seen === undefined) continue;
    const current = server[kind];
    if (seen.resetAt <= now) {
      // A late answer about a window that is over: it only tells that this kind of limit exists.
      if (current === undefined) {
        const window = windowAfter(seen.limit, seen.resetAt, now, state.local.rate);
        server[kind] = { ...window, remaining: unseen(window.remaining) };
      }
    } else if (current === undefined || (current.resetAt !== null && seen.resetAt > current.resetAt)) {
      const remaining = unseen(Math.min(seen.remaining, seen.limit));
      server[kind] = { limit: seen.limit, remaining, resetAt: seen.resetAt };
    } else if (current.resetAt === null || current.resetAt === seen.resetAt) {
      // Our count since the reset and the server's count may each miss sends the other saw: keep the lower.
      const remaining = Math.min(current.remaining, seen.remaining, seen.limit);
      server[kind] = { limit: seen.limit, remaining, resetAt: seen.resetAt };
    }
  }
  return { local: state.local, server, inFlight };
}

/** Records `count` answers that reported no window: only the sends in flight change. */
export function settle(state: BucketState, count: number, now: number): BucketState {
  return { ...state, inFlight: answered(state, count, now) };
}

/**
 * Takes one unit if a notification may be sent now; otherwise says how long to wait and which limit is why.
 * With `want` > 1 and no server window known, takes up to that many units that are there now (a lease), to be
 * sent within `holdMs`: never more than the configured rate refills in that time, so that what a lease holds
 * back from other senders is worth at most `holdMs` of the limit.
 */
export function take(state: BucketState, now: number, want = 1, holdMs = 0): TakeResult {
  const server = rollOver(state, now);
  const known = KINDS.filter((kind) => server[kind] !== undefined);
  const until = now + holdMs;
  if (known.length === 0) {
    const local = refill(state.local, now);
    if (local.tokens + EPSILON >= 1) {
      const most = Math.max(1, Math.floor((local.rate.count * holdMs) / local.rate.perMs));
      const units = Math.min(want, most, Math.floor(local.tokens + EPSILON));
      const tokens = Math.max(0, local.tokens - units);
      const inFlight = { count: inFlightCount(state, now) + units, lastSentAt: now };
      const leases = units > 1 ? [...(local.leases ?? []), { count: units, until }] : local.leases;
      return { state: { local: { ...local, tokens, leases }, server, inFlight }, waitMs: 0, units, until };
    }
    // While leases take up the room for even one token, nothing refills before the first of them ends.
    const waitMs =
      capacity(local, now) < 1
        ? Math.min(...local.leases!.map((lease) => lease.until)) - now
        : Math.ceil(((1 - local.tokens) * local.rate.perMs) / local.rate.count);
    return { state: { ...state, local, server }, waitMs, reason: 'local' };
  }
  let waitMs = 0;
  let reason: WindowKind | undefined;
  for (const kind of known) {
    const window = server[kind]!;
    if (window.remaining >= 1) continue;
    const until = windowEnd(window, state.local.rate) - now;
    if (until > waitMs) {
      waitMs = until;
      reason = kind;
    }
  }
  if (reason !== undefined) return { state: { ...state, server }, waitMs, reason };
  for (const kind of known) {
    const window = server[kind]!;
    server[kind] = { ...window, remaining: window.remaining - 1 };
  }
  const inFlight = { count: inFlightCount(state, now) + 1, lastSentAt: now };
  return { state: { local: state.local, server, inFlight }, waitMs: 0, units: 1, until };
}

/** Gives one unit back (a taken unit that was not used), to whatever limit governs now, never beyond its size. */
export function release(state: BucketState, now: number): BucketState {
  const server = rollOver(state, now);
  const known = KINDS.filter((kind) => server[kind] !== undefined);
  const inFlight = answered(state, 1, now);
  if (known.length === 0) {
    const local = refill(state.local, now);
    return { local: { ...local, tokens: Math.min(capacity(local, now), local.tokens + 1) }, server, inFlight };
  }
  for (const kind of known) {
    const window = server[kind]!;
    server[kind] = { ...window, remaining: Math.min(window.limit, window.remaining + 1) };
  }
  return { local: state.local, server, inFlight };
}

/**
 * Reads the X-Ratelimit-* and X-FloodControl-* headers (names in any case); a window with a missing or malformed
 * value is left out.
 */
export function parseRateLimitHeaders(headers: Record<string, string | string[] | undefined>): ServerWindows {
  const byName = new Map<string, string | string[] | undefined>();
  for (const [name, value] of Object.entries(headers)) byName.set(name.toLowerCase(), value);
  const number = (name: string, pattern: RegExp): number | undefined => {
    const raw = byName.get(name);
    const value = Array.isArray(raw) ? raw[0] : raw;
    return value !== undefined && pattern.test(value) ? Number(value) : undefined;
  };
  const windows: ServerWindows = {};
  for (const kind of KINDS) {
    const prefix = HEADER_PREFIX[kind];
    const limit = number(`${prefix}limit`, /^\s*\d+\s*$/);
    const remaining = number(`${prefix}remaining`, /^\s*\d+\s*$/);
    // Unix seconds; a fraction is tolerated.
    const reset = number(`${prefix}reset`, /^\s*\d+(\.\d+)?\s*$/);
    if (limit === undefined || limit < 1 || remaining === undefined || reset === undefined) continue;
    windows[kind] = { limit, remaining: Math.min(remaining, limit), resetAt: reset * 1000 };
  }
  return windows;
}

/** Checks a value read back from storage. */
export function isBucketState(value: unknown): value is BucketState {
  if (!isRecord(value) || !isRecord(value.local) || !isRecord(value.server) || !isRecord(value.inFlight)) return false;
  const { rate, tokens, updatedAt, leases } = value.local;
  if (!isRecord(rate) || !isPositive(rate.count) || !isPositive(rate.perMs)) return false;
  if (!isFiniteNumber(tokens) || tokens < 0 || !isFiniteNumber(updatedAt)) return false;
  if (leases !== undefined && !(Array.isArray(leases) && leases.every(isLease))) return false;
  const { count, lastSentAt } = value.inFlight;
  if (!isFiniteNumber(count) || count < 0 || !isFiniteNumber(lastSentAt)) return false;
  const server = value.server;
  return Object.keys(server).every((kind) => (KINDS as readonly string[]).includes(kind) && isTrackedWindow(server[kind]));
}

function isLease(value: unknown): boolean {
  return isRecord(value) && isPositive(value.count) && isFiniteNumber(value.until);
}

function isTrackedWindow(value: unknown): boolean {
  if (!isRecord(value) || !isPositive(value.limit) || !isFiniteNumber(value.remaining) || value.remaining < 0) {
    return false;
  }
  return value.resetAt === null ? isFiniteNumber(value.startedAt) : isFiniteNumber(value.resetAt);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isPositive(value: unknown): value is number {
  return isFiniteNumber(value) && value > 0;
}

function inFlightCount(state: BucketState, now: number): number {
  return now - state.inFlight.lastSentAt > ANSWER_MAX_MS ? 0 : state.inFlight.count;
}

/** The sends in flight once `count` of them are answered (or given back). */
function answered(state: BucketState, count: number, now: number): InFlight {
  return { count: Math.max(0, inFlightCount(state, now) - count), lastSentAt: state.inFlight.lastSentAt };
}

/** How many tokens the bucket may hold at `at`: units of leases not ended yet take up room. */
function capacity(local: LocalBucket, at: number): number {
  const leased = (local.leases ?? []).reduce((sum, lease) => (at < lease.until ? sum + lease.count : sum), 0);
  return Math.max(0, local.rate.count - leased);
}

function refill(local: LocalBucket, now: number): LocalBucket {
  let tokens = local.tokens;
  let from = local.updatedAt;
  // Each lease that ended since the last update frees its room from its end on, not before.
  const ends = (local.leases ?? []).map((lease) => lease.until).filter((end) => end > from && end <= now);
  for (const to of [...ends.sort((a, b) => a - b), now]) {
    // A clock stepped back must not freeze the bucket until it catches up.
    tokens = Math.min(capacity(local, from), tokens + (Math.max(0, to - from) * local.rate.count) / local.rate.perMs);
    from = Math.max(from, to);
  }
  const leases = local.leases?.filter((lease) => now < lease.until);
  return { rate: local.rate, tokens, updatedAt: now, ...(leases?.length ? { leases } : {}) };
}

/** Copies the server windows, replacing each one whose end has passed by a full window of unknown end. */
function rollOver(state: BucketState, now: number): Partial<Record<WindowKind, TrackedWindow>> {
  const server: Partial<Record<WindowKind, TrackedWindow>> = {};
  for (const kind of KINDS) {
    const window = state.server[kind];
    if (window === undefined) continue;
    const end = windowEnd(window, state.local.rate);
    server[kind] = now >= end ? windowAfter(window.limit, end, now, state.local.rate) : window;
  }
  return server;
}

/** The full window of unknown end that holds now, a window having ended at `end`. */
function windowAfter(limit: number, end: number, now: number, rate: Rate): TrackedWindow {
  // Periods that passed unseen are skipped, else the window would roll over (and refill) again on every call.
  const startedAt = end + Math.floor((now - end) / rate.perMs) * rate.perMs;
  return { limit, remaining: limit, resetAt: null, startedAt };
}

/**
 * When a window refills. For a window no answer has described yet (its requests may all have failed without
 * headers), the configured period stands in, so that the limiter never waits forever for an answer.
 */
function windowEnd(window: TrackedWindow, rate: Rate): number {
  return window.resetAt ?? window.startedAt + rate.perMs;
}
