// Durations as people type them on a command line: `150ms`, `2s`, `1.5s`, `5m`, `1h`.
import { LocalHipChatOptionError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** Quotes user input for a one-line error: control characters escaped, long input cut. */
export function quote(text: string): string {
  const cut = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return JSON.stringify(cut);
}

/**
 * Parses `150ms`, `2s`, `1.5s`, `5m`, `1h` to whole milliseconds. A bare number uses `bareUnit`
 * (none by default: then a unit is required, so `2` can't be misread as 2 ms or 2 s).
 */
export function parseDuration(text: string, label = 'duration', bareUnit?: Unit): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(text);
  const unit = (match?.[2] as Unit | undefined) ?? bareUnit;
  if (match === null || unit === undefined) {
    throw new LocalHipChatOptionError(`Invalid ${label} ${quote(text)}: expected a duration such as 150ms, 2s, 5m or 1h`);
  }
  const ms = Number(match[1]) * UNIT_MS[unit];
  if (!Number.isSafeInteger(Math.round(ms))) throw new LocalHipChatOptionError(`Invalid ${label} ${quote(text)}: too long`);
  return Math.round(ms);
}

/** The shortest exact form: `5m`, `60s`, `150ms`. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
