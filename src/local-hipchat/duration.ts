// Durations in the server's option and query values (`--chaos delay=2s@0.1`, `/_local/wait?timeout=30s`,
// the window of `30/60s`). They are read by notifier's one duration parser (util/duration.ts: `150ms`,
// `2s`, `1.5s`, `5m`, `1h`, a bare number is seconds), with one-line typed errors, and written back in
// the shortest form that parser reads again.
import { parseDuration } from '../util/duration.js';
import { LocalHipChatOptionError } from './errors.js';

/** Quotes user input for a one-line error: control characters escaped, long input cut. */
export function quote(text: string): string {
  const cut = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return JSON.stringify(cut);
}

/** Whole milliseconds; a LocalHipChatOptionError naming `label` for anything that is not a duration. */
export function readDuration(text: string, label = 'duration'): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new LocalHipChatOptionError(`Invalid ${label} ${quote(text)}: expected a duration such as 150ms, 2s, 5m or 1h`);
  }
  if (!Number.isSafeInteger(ms)) throw new LocalHipChatOptionError(`Invalid ${label} ${quote(text)}: too long`);
  return ms;
}

/**
 * The shortest text readDuration() reads back exactly: `5m`, `60s`, `150ms` (for `formatChaos()` and
 * `formatLimit()`; util/duration.ts formatDuration() writes for people to read: `1.2 s`, `3 min 5 s`).
 */
export function durationText(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
