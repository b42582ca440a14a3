// Durations: as people type them on a command line ('500ms', '60s', '5m', '1h'; a bare number is
// seconds), in the units Payara's health checks are configured in, and as messages show them.

/** Milliseconds in one of each unit. */
export const MS_PER = {
  nanosecond: 1e-6,
  microsecond: 1e-3,
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
} as const;

const SUFFIX_MS: Record<string, number> = { ms: MS_PER.millisecond, s: MS_PER.second, m: MS_PER.minute, h: MS_PER.hour };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const ms = Number(match[1]) * SUFFIX_MS[match[2] ?? 's']!;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** '1.2 s', '3 min 5 s', '250 ms': for messages that tell a person how long to wait. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const totalSeconds = Math.ceil(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}
