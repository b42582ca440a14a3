// Rate-limit arithmetic, pure: every function takes the time (`now`, epoch ms in the store's clock) and
// returns a new state, so that the state can be persisted as JSON and shared by processes (file-store.ts)
// or machines (redis-store.ts, whose Lua script follows these same rules).
//
// Three limits govern a send to a room, and each must allow it:
// - the configured `--rateLimit` COUNT/DURATION of the room: at most COUNT sends in ANY DURATION (a sliding
//   log of grants, so it is a true upper bound; the server's windows can only make the limiter stricter);
// - HipChat's per-token window (X-Ratelimit-*), shared by every room of the token;
// - HipChat's per-room window (X-FloodControl-*).
// A server window is known from answers only: its limit, what remains, and when it resets. Our own sends
// count it down between answers, and sends still waiting for their answer ("in flight") are counted against a
// window first seen, or begun, after they were taken: they may still land in it.
//
// A unit counts against the configured limit from its take until a period after its answer: the server counts a
// request when it arrives, at some moment between the two (a process that got no CPU after its take sends late).
// So a unit still unanswered a period after its take keeps counting until its answer comes; one with no answer
// ANSWER_MAX_MS after it was taken failed without one (its sender was killed) and counts no more.
//
// A sender that goes fast may take several units at once (a lease) to be sent before `until`, so that the
// shared state is not read and written for every message. A grant is recorded at its `until`, the latest
// moment it may be sent, so that the configured limit holds however late in its lease a unit goes out.
import type { Rate } from '../../util/rate.js';

export type WindowKind = 'ratelimit' | 'flood';
export type LimitReason = 'local' | WindowKind;

/** A server window as an answer reported it. */
export interface ServerWindow {
  limit: number;
  remaining: number;
  /** Epoch ms (in the store's clock) when the window refills. */
  resetAt: number;
  /**
   * The reset as the server stated it (its X-…-Reset, Unix seconds): the window's name, the same in every answer
   * about it whoever reads it, while `resetAt` carries each reader's error (its clock, the whole seconds of Date).
   */
  reset?: number;
}

export type ServerWindows = Partial<Record<WindowKind, ServerWindow>>;

/**
 * A window as the state tracks it: as reported (minus our sends since), or, once its reset has passed, the
 * next window, whose end no answer has shown yet (`resetAt: null`).
 */
export interface TrackedWindow {
  limit: number;
  remaining: number;
  resetAt: number | null;
  /** The server's name of the window (ServerWindow.reset); for a window of unknown end, that of the one that ended. */
  reset?: number;
}

export interface RoomState {
  room: string;
  /** Grants of the configured limit that may still count: [time, units], in time order. */
  grants: [number, number][];
  /** The configured limit's period when it last took: how long a grant counts. */
  periodMs: number;
  flood?: TrackedWindow;
  /**
   * Units taken whose answer has not come (nor been given back): [until, units], in time order, `until` being the
   * time of the grant they were taken in. Answers are taken to be the oldest units'.
   */
  inFlight: [number, number][];
  lastTakenAt: number;
}

/** Everything one token uses at one API URL. */
export interface LimitState {
  version: 3;
  token?: TrackedWindow;
  rooms: RoomState[];
}

/**
 * `reason` tells a wait (waitMs > 0) from units taken: `units` (at least one), taken `at`, to be sent before
 * `until` (both in the store's clock).
 */
export type TakeOutcome =
  | { waitMs: 0; reason?: undefined; units: number; at: number; until: number }
  | { waitMs: number; reason: LimitReason };

export type TakeResult = TakeOutcome & { state: LimitState };

export interface TakeRequest {
  room: string;
  rate: Rate;
  /** Units wanted (a lease when more than one); at least one is granted, when any. */
  want?: number;
  /** How long a lease's units may be kept unsent. */
  holdMs?: number;
}

const KINDS: readonly WindowKind[] = ['ratelimit', 'flood'];
const HEADER_PREFIX: Record<WindowKind, string> = { ratelimit: 'x-ratelimit-', flood: 'x-floodcontrol-' };

/**
 * Times further ahead than this are not believed: a reset 10 years ahead (a broken server) or a state written
 * under a clock that has since stepped back would otherwise block every process for as long.
 */
export const HORIZON_MS = 15 * 60_000;
/** No answer comes later than this (request timeouts are far shorter): older sends failed without one. */
export const ANSWER_MAX_MS = 60_000;
/**
 * A window used up whose end no answer has shown yet: its answers are on their way (they show the end), so look
 * again soon rather than assume a length.
 */
export const UNKNOWN_END_RECHECK_MS = 250;
/** A room nobody has sent to for this long is forgotten, its window with it (HipChat's are at most minutes long). */
const ROOM_FORGET_MS = 3_600_000;
/** Enough grants (and takes in flight) to keep the limit exact for a slow sender; older ones are merged into later ones. */
const MAX_GRANTS = 64;
/** A lease takes at most this share of what a server window has left, so that other senders are not starved. */
const LEASE_SHARE = 4;
/** The server's clock is believed over ours only when the two disagree by more than this (its Date has whole seconds). */
const SKEW_THRESHOLD_MS = 1500;

export function createLimitState(): LimitState {
  return { version: 3, rooms: [] };
}

/**
 * What a damaged or unreadable state means: the room's configured limit used up now (so that a torn file never
 * lets more than the limit through), no server window known.
 */
export function exhaustedLimitState(room: string, rate: Rate, now: number): LimitState {
  return { version: 3, rooms: [{ room, grants: [[now, rate.count]], periodMs: rate.perMs, inFlight: [], lastTakenAt: now }] };
}

/**
 * Takes one unit (or up to `want`) if a notification may be sent now; otherwise says how long to wait and which
 * limit is why.
 */
export function take(state: LimitState, request: TakeRequest, now: number): TakeResult {
  const { rate } = request;
  const next = normalized(state, now);
  const room = roomOf(next, request.room, now);
  // A changed configuration counts the same grants against its own limit and period.
  room.periodMs = rate.perMs;
  room.grants = room.grants.filter(([at]) => at + rate.perMs > now);

  let waitMs = 0;
  let reason: LimitReason | undefined;
  const block = (ms: number, why: LimitReason) => {
    if (ms > waitMs) [waitMs, reason] = [ms, why];
  };
  const late = unansweredLate(room, now);
  const used = unitsIn(room.grants) + unitsIn(late);
  const freeLocal = rate.count - used;
  if (freeLocal < 1) block(localFreeAt(room, late, used - (rate.count - 1), now) - now, 'local');
  const windows: [WindowKind, TrackedWindow | undefined][] = [
    ['ratelimit', next.token],
    ['flood', room.flood],
  ];
  for (const [kind, window] of windows) {
    if (window === undefined || window.remaining >= 1) continue;
    block(window.resetAt === null ? UNKNOWN_END_RECHECK_MS : window.resetAt - now, kind);
  }
  if (reason !== undefined) return { state: next, waitMs, reason };

  const holdMs = Math.max(0, request.holdMs ?? 0);
  // A lease holds back no more than the configured rate allows in its hold time, nor more than a share of a window.
  let units = Math.min(Math.max(1, Math.floor(request.want ?? 1)), freeLocal, Math.max(1, Math.floor((rate.count * holdMs) / rate.perMs)));
  for (const [, window] of windows)
    if (window !== undefined) units = Math.min(units, Math.max(1, Math.floor(window.remaining / LEASE_SHARE)));
  // A single unit is sent at once; a lease's units may go out until its end.
  const until = units > 1 ? now + holdMs : now;
  addEntry(room.grants, until, units);
  for (const [, window] of windows) if (window !== undefined) window.remaining -= units;
  addEntry(room.inFlight, until, units);
  room.lastTakenAt = now;
  return { state: next, waitMs: 0, units, at: now, until };
}

/**
 * Records `answers` answers to sends of the room: the windows the latest of them reported (none when they had no
 * rate-limit headers). Answers of concurrent requests arrive out of order: for the same window (the same reset as
 * the server states it, see sameWindow) the lowest `remaining` and the latest end win; a window with another reset
 * in the future replaces the one tracked (the server's window begun anew, or made shorter), counting the sends
 * still in flight against it; an answer about a window that has ended by our clock (or an earlier one) changes
 * nothing.
 */
export function observe(state: LimitState, room: string, windows: ServerWindows, now: number, answers = 1): LimitState {
  const next = normalized(state, now);
  const target = roomOf(next, room, now);
  countUntilAnswered(target, answers, now);
  for (const kind of KINDS) {
    const seen = windows[kind];
    if (seen === undefined || seen.resetAt > now + HORIZON_MS) continue;
    const current = kind === 'ratelimit' ? next.token : target.flood;
    const inFlight = kind === 'ratelimit' ? unitsInFlight(next) : unitsIn(target.inFlight);
    const named = seen.reset === undefined ? {} : { reset: seen.reset };
    let updated: TrackedWindow | undefined;
    if (seen.resetAt <= now) {
      // A late answer about a window that is over: it only tells that this kind of limit exists.
      if (current === undefined) updated = { limit: seen.limit, remaining: Math.max(0, seen.limit - inFlight), resetAt: null, ...named };
    } else if (current?.resetAt === null && endedAlready(current, seen)) {
      // A late answer about the window that has ended by our clock (or an earlier one): nothing to learn.
    } else if (current === undefined || current.resetAt === null || !sameWindow(current, seen)) {
      updated = {
        limit: seen.limit,
        remaining: Math.max(0, Math.min(seen.remaining, seen.limit) - inFlight),
        resetAt: seen.resetAt,
        ...named,
      };
    } else {
      // The same window. Our count since the reset and the server's count may each miss sends the other saw: keep
      // the lower. Each reader measures its end with its own error: keep the latest, never wait less than one says.
      updated = {
        limit: seen.limit,
        remaining: Math.min(current.remaining, seen.remaining, seen.limit),
        resetAt: Math.max(current.resetAt, seen.resetAt),
        ...named,
      };
    }
    if (updated === undefined) continue;
    if (kind === 'ratelimit') next.token = updated;
    else target.flood = updated;
  }
  return next;
}

/**
 * Records `answered` answers of the room's units in flight, the oldest first: each counts against the configured
 * rate until a period after now, its answer, rather than after its take (see the top of this file).
 */
function countUntilAnswered(room: RoomState, answered: number, now: number): void {
  let left = answered;
  let counted = 0;
  for (const entry of room.inFlight) {
    if (left === 0) break;
    const units = Math.min(entry[1], left);
    entry[1] -= units;
    left -= units;
    const [until] = entry;
    // A lease's units already count from its end, which is later.
    if (until >= now) continue;
    // Out of their grant, unless it has left the period already (they were counted apart since).
    if (until + room.periodMs > now) removeUnits(room.grants, until, units);
    counted += units;
  }
  room.inFlight = room.inFlight.filter(([, units]) => units > 0);
  if (counted > 0) addEntry(room.grants, now, counted);
}

/**
 * Gives back `units` taken for the room (granted until `until`) that were never sent: to the configured limit
 * and to whatever windows govern now, never beyond their size.
 */
export function release(state: LimitState, room: string, units: number, until: number, now: number): LimitState {
  const next = normalized(state, now);
  const target = roomOf(next, room, now);
  removeUnits(target.grants, until, units);
  removeUnits(target.inFlight, until, units);
  for (const window of [next.token, target.flood])
    if (window !== undefined) window.remaining = Math.min(window.limit, window.remaining + units);
  return next;
}

/**
 * Reads the X-Ratelimit-* and X-FloodControl-* headers (names in any case) of an answer received at `now`; a
 * window with a missing or malformed value is left out. The resets are in the server's clock: when its `Date`
 * header shows that clock far from ours, they are moved into ours.
 */
export function parseRateLimitHeaders(headers: Record<string, string | string[] | undefined>, now: number): ServerWindows {
  const byName = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(headers)) byName.set(name.toLowerCase(), Array.isArray(value) ? value[0] : value);
  const number = (name: string, pattern: RegExp): number | undefined => {
    const value = byName.get(name);
    return value !== undefined && pattern.test(value) ? Number(value) : undefined;
  };
  const serverNow = Date.parse(byName.get('date') ?? '');
  const skew = Number.isFinite(serverNow) && Math.abs(now - serverNow) > SKEW_THRESHOLD_MS ? now - serverNow : 0;
  const windows: ServerWindows = {};
  for (const kind of KINDS) {
    const prefix = HEADER_PREFIX[kind];
    const limit = number(`${prefix}limit`, /^\s*\d{1,9}\s*$/);
    const remaining = number(`${prefix}remaining`, /^\s*\d{1,9}\s*$/);
    // Unix seconds; a fraction is tolerated.
    const reset = number(`${prefix}reset`, /^\s*\d{1,12}(\.\d+)?\s*$/);
    if (limit === undefined || limit < 1 || remaining === undefined || reset === undefined) continue;
    windows[kind] = { limit, remaining: Math.min(remaining, limit), resetAt: reset * 1000 + skew, reset };
  }
  return windows;
}

/**
 * A state read back from storage, or undefined when it is damaged. One written by notifier 0.1 (version 2, which
 * kept only how many units were in flight) is read as those units taken at its last take.
 */
export function readLimitState(value: unknown): LimitState | undefined {
  if (isRecord(value) && value.version === 2 && Array.isArray(value.rooms)) {
    const rooms = value.rooms.map((room: unknown) =>
      isRecord(room) && isFiniteNumber(room.inFlight) && isFiniteNumber(room.lastTakenAt)
        ? { ...room, inFlight: room.inFlight > 0 ? [[room.lastTakenAt, room.inFlight]] : [] }
        : room,
    );
    value = { ...value, version: 3, rooms };
  }
  return isLimitState(value) ? value : undefined;
}

/** Checks a value read back from storage. */
export function isLimitState(value: unknown): value is LimitState {
  if (!isRecord(value) || value.version !== 3 || !Array.isArray(value.rooms)) return false;
  if (value.token !== undefined && !isTrackedWindow(value.token)) return false;
  return value.rooms.every(
    (room: unknown) =>
      isRecord(room) &&
      typeof room.room === 'string' &&
      isEntryList(room.grants) &&
      isPositive(room.periodMs) &&
      (room.flood === undefined || isTrackedWindow(room.flood)) &&
      isEntryList(room.inFlight) &&
      isFiniteNumber(room.lastTakenAt),
  );
}

function isTrackedWindow(value: unknown): boolean {
  return (
    isRecord(value) &&
    isPositive(value.limit) &&
    isFiniteNumber(value.remaining) &&
    value.remaining >= 0 &&
    (value.resetAt === null || isFiniteNumber(value.resetAt)) &&
    (value.reset === undefined || isFiniteNumber(value.reset))
  );
}

function isEntryList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((entry: unknown) => Array.isArray(entry) && entry.length === 2 && isFiniteNumber(entry[0]) && isPositive(entry[1]))
  );
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

/**
 * A copy of the state as it stands at `now`: what lies beyond the horizon forgotten, windows whose reset has
 * passed rolled over, grants older than their period dropped, and rooms with nothing left to track removed.
 */
function normalized(state: LimitState, now: number): LimitState {
  const rooms: RoomState[] = [];
  for (const entry of state.rooms) {
    const grants = entriesBefore(entry.grants, now + HORIZON_MS).filter(([at]) => at + entry.periodMs > now);
    const inFlight = entriesBefore(entry.inFlight, now + HORIZON_MS).filter(([until]) => until + ANSWER_MAX_MS > now);
    const lastTakenAt = entry.lastTakenAt > now + HORIZON_MS ? now : entry.lastTakenAt;
    const room: RoomState = { room: entry.room, grants, periodMs: entry.periodMs, inFlight, lastTakenAt };
    const flood = entry.flood && rolledOver(entry.flood, now, unitsIn(inFlight));
    if (flood !== undefined) room.flood = flood;
    const idle =
      grants.length === 0 && inFlight.length === 0 && (flood === undefined || flood.resetAt === null) && now - lastTakenAt > ROOM_FORGET_MS;
    if (!idle) rooms.push(room);
  }
  const next: LimitState = { version: 3, rooms };
  const token = state.token && rolledOver(state.token, now, unitsInFlight(next));
  if (token !== undefined) next.token = token;
  return next;
}

/** The window as it stands at `now`: the next one, of unknown end, once its reset has passed; undefined beyond the horizon. */
function rolledOver(window: TrackedWindow, now: number, inFlight: number): TrackedWindow | undefined {
  if (window.resetAt === null) return { ...window };
  if (window.resetAt > now + HORIZON_MS) return undefined;
  if (window.resetAt > now) return { ...window };
  // Sends still in flight may land in the new window.
  return {
    limit: window.limit,
    remaining: Math.max(0, window.limit - inFlight),
    resetAt: null,
    ...(window.reset === undefined ? {} : { reset: window.reset }),
  };
}

/**
 * Whether an answer's window is the one tracked. HipChat names a window by its reset, the same in every answer
 * about it; the end in our clock differs from answer to answer (a runner's clock, the whole seconds of Date, the
 * time an answer took), so it decides only for a window reported without its name.
 */
export function sameWindow(tracked: { resetAt: number | null; reset?: number }, seen: ServerWindow): boolean {
  if (tracked.reset !== undefined && seen.reset !== undefined) return tracked.reset === seen.reset;
  return tracked.resetAt === seen.resetAt;
}

/** True when an answer is about the window that has ended (tracked: the next one, of unknown end) or an earlier one. */
function endedAlready(tracked: TrackedWindow, seen: ServerWindow): boolean {
  return tracked.reset !== undefined && seen.reset !== undefined && seen.reset <= tracked.reset;
}

function roomOf(state: LimitState, room: string, now: number): RoomState {
  let entry = state.rooms.find((candidate) => candidate.room === room);
  if (entry === undefined) {
    entry = { room, grants: [], periodMs: 1, inFlight: [], lastTakenAt: now };
    state.rooms.push(entry);
  }
  return entry;
}

/** Units of every room still waiting for their answer. */
function unitsInFlight(state: LimitState): number {
  return state.rooms.reduce((sum, room) => sum + unitsIn(room.inFlight), 0);
}

/** Units in flight whose grant has left the period: not answered yet, they still count (see the top of this file). */
function unansweredLate(room: RoomState, now: number): [number, number][] {
  return room.inFlight.filter(([until]) => until + room.periodMs <= now);
}

/**
 * The earliest moment `needed` units may be free: a grant's units a period after it, a late unit's (`late`, see
 * unansweredLate) a period after an answer that would come now (or when it counts as lost). Any answer only comes
 * later, so this never says too late.
 */
function localFreeAt(room: RoomState, late: readonly [number, number][], needed: number, now: number): number {
  const frees = room.grants.map(([at, units]) => [at + room.periodMs, units] as [number, number]);
  for (const [until, units] of late) frees.push([Math.min(now + room.periodMs, until + ANSWER_MAX_MS), units]);
  frees.sort(([a], [b]) => a - b);
  let freed = 0;
  for (const [at, units] of frees) {
    freed += units;
    if (freed >= needed) return at;
  }
  return frees.at(-1)![0];
}

/** The units of a list of [time, units] entries: grants, units in flight. */
function unitsIn(entries: readonly [number, number][]): number {
  return entries.reduce((sum, [, units]) => sum + units, 0);
}

/** Copies of the entries up to `latest`: later ones were written under a clock that has since stepped back. */
function entriesBefore(entries: readonly [number, number][], latest: number): [number, number][] {
  return entries.filter(([at]) => at <= latest).map(([at, units]) => [at, units]);
}

/**
 * Adds units at `at` to a list of [time, units] entries in time order; beyond MAX_GRANTS the two oldest merge into
 * the later one: a grant then counts longer, which only makes the limit stricter.
 */
function addEntry(entries: [number, number][], at: number, units: number): void {
  let index = entries.length;
  while (index > 0 && entries[index - 1]![0] > at) index--;
  if (index > 0 && entries[index - 1]![0] === at) entries[index - 1]![1] += units;
  else entries.splice(index, 0, [at, units]);
  while (entries.length > MAX_GRANTS) {
    const [, oldest] = entries.shift()!;
    entries[0]![1] += oldest;
  }
}

/** Takes `units` out of the entries at `until` or later (those it may have been merged into), the earliest first. */
function removeUnits(entries: [number, number][], until: number, units: number): void {
  let left = units;
  for (const entry of entries) {
    if (entry[0] < until || left === 0) continue;
    const back = Math.min(left, entry[1]);
    entry[1] -= back;
    left -= back;
  }
  for (let index = entries.length - 1; index >= 0; index--) if (entries[index]![1] === 0) entries.splice(index, 1);
}

/** One change of the shared state, as a store applies it atomically: what a sender has to report, then what it asks. */
export interface LimitUpdate {
  room: string;
  rate: Rate;
  /** Units taken but never sent (ended leases, requests that never left). */
  released?: { units: number; until: number }[];
  /**
   * Answers since the last update, and the windows they showed (the latest of each). A count of 0 states windows
   * again, after a report that may not have arrived.
   */
  answers?: { count: number; windows: ServerWindows };
  /** Units wanted now, if any. */
  take?: { want: number; holdMs: number };
}

export function applyUpdate(state: LimitState, update: LimitUpdate, now: number): { state: LimitState; taken?: TakeResult } {
  let next = state;
  for (const { units, until } of update.released ?? []) next = release(next, update.room, units, until, now);
  if (update.answers !== undefined) next = observe(next, update.room, update.answers.windows, now, update.answers.count);
  if (update.take === undefined) return { state: normalized(next, now) };
  const taken = take(next, { room: update.room, rate: update.rate, want: update.take.want, holdMs: update.take.holdMs }, now);
  return { state: taken.state, taken };
}

/**
 * Two answers' windows as one, the answers of one sender in the order it got them: the newer answer's window of
 * each kind, with the lower remaining of the two when they describe the same window.
 */
export function mergeWindows(older: ServerWindows, newer: ServerWindows): ServerWindows {
  const merged: ServerWindows = { ...older };
  for (const kind of KINDS) {
    const seen = newer[kind];
    const kept = merged[kind];
    if (seen === undefined) continue;
    merged[kind] =
      kept !== undefined && sameWindow(kept, seen)
        ? { ...seen, remaining: Math.min(seen.remaining, kept.remaining), resetAt: Math.max(seen.resetAt, kept.resetAt) }
        : seen;
  }
  return merged;
}
