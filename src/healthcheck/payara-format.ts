// How Payara's health checks and notifications format what they report, ported exactly: Java's
// DecimalFormat("#.00"), TimeHelper.prettyPrintDuration, BaseHealthCheck.prettyPrintBytes,
// HealthCheckResultEntry.toString, Message.addIdentifyingInfo and java.util.Date.toString. No CLI code.
import { hostname } from 'node:os';

/** Digits after the point in the exact decimal expansion we round from (a double needs at most ~60 here). */
const EXACT_DIGITS = 100;

/**
 * Java's `new DecimalFormat("#.00").format(value)`: two decimals, rounded HALF_EVEN on the exact binary
 * value, no grouping, and no integer digit when the integer part is 0 (`0.5` is `.50`, `0` is `.00`).
 */
export function formatTwoDecimals(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  const negative = value < 0 || Object.is(value, -0);
  const magnitude = Math.abs(value);
  if (!Number.isFinite(magnitude)) return `${negative ? '-' : ''}∞`;
  // toFixed works on the exact value of the double; it gives exponent notation only from 1e21 on,
  // where a double is a whole number anyway.
  const exact = magnitude >= 1e21 ? `${BigInt(magnitude)}.${'0'.repeat(EXACT_DIGITS)}` : magnitude.toFixed(EXACT_DIGITS);
  const [whole, fraction] = exact.split('.') as [string, string];
  const rest = fraction.slice(2);
  let hundredths = BigInt(whole + fraction.slice(0, 2));
  const half = rest.replace(/0+$/, '');
  if (half > '5' || (half === '5' && hundredths % 2n === 1n)) hundredths++;
  const digits = hundredths.toString().padStart(3, '0');
  const integer = digits.slice(0, -2).replace(/^0+/, '');
  return `${negative ? '-' : ''}${integer}.${digits.slice(-2)}`;
}

/**
 * Payara's TimeHelper.prettyPrintDuration(ms): minutes, seconds and milliseconds, each only when not 0,
 * the words always plural, 'minutes '/'seconds ' keeping their trailing space ('2 seconds '), '' for 0
 * and Java's 'null' for a negative value. The comparisons are strict: 1000 ms is '1000 milliseconds'.
 */
export function prettyPrintDuration(milliseconds: number): string {
  let value = Math.trunc(milliseconds);
  if (value < 0) return 'null';
  let minutes = 0;
  let seconds = 0;
  if (value > 60_000) {
    minutes = Math.trunc(value / 60_000);
    value -= minutes * 60_000;
  }
  if (value > 1000) {
    seconds = Math.trunc(value / 1000);
    value -= seconds * 1000;
  }
  return `${minutes > 0 ? `${minutes} minutes ` : ''}${seconds > 0 ? `${seconds} seconds ` : ''}${value > 0 ? `${value} milliseconds` : ''}`;
}

const ONE_KB = 1024;
const ONE_MB = ONE_KB * ONE_KB;
const ONE_GB = ONE_KB * ONE_MB;

/** Payara's BaseHealthCheck.prettyPrintBytes: the largest of Gb, Mb, Kb that is at least 1, two decimals; else 'N bytes'. */
export function prettyPrintBytes(bytes: number): string {
  const value = Math.trunc(bytes);
  if (Math.trunc(value / ONE_GB) > 0) return `${formatTwoDecimals(value / ONE_GB)} Gb`;
  if (Math.trunc(value / ONE_MB) > 0) return `${formatTwoDecimals(value / ONE_MB)} Mb`;
  if (Math.trunc(value / ONE_KB) > 0) return `${formatTwoDecimals(value / ONE_KB)} Kb`;
  return `${value} bytes`;
}

/**
 * One result as Payara's HealthCheckResultEntry.toString() writes it, its stray `'']'` at the end included:
 * `[status=GOOD, message='CPU%: 12.34, …'']'`.
 */
export function resultEntryText(status: string, message: string): string {
  return `[status=${status}, message='${message}'']'`;
}

/** HealthCheckResult.getCumulativeMessages(): `Health Check Result:[<entry>, <entry>]`. */
export function cumulativeMessages(entries: readonly string[]): string {
  return `Health Check Result:[${entries.join(', ')}]`;
}

/** The subject of a health-check notification (Payara's BaseHealthCheck.sendNotification). */
export function healthCheckSubject(level: string): string {
  return `Health Check notification with severity level: ${level}`;
}

/**
 * What Message.addIdentifyingInfo appends to every subject, the test notification's included:
 * `. (host:<host>, server:<server>, domain:<domain>,instance:<instance>)`, with Payara's missing space
 * before `instance:`. notifier has no Payara domain: it names itself there, and the target is the
 * server and the instance.
 */
export function originSuffix(target: string, host = hostname()): string {
  return `. (host:${host}, server:${target}, domain:notifier,instance:${target})`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function zoneName(date: Date, timeZone: string | undefined): string {
  const short = (locale: string) =>
    new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(date).find((part) => part.type === 'timeZoneName')
      ?.value ?? 'UTC';
  // en-US knows the American abbreviations (EST), en-GB the European ones (CET); either says GMT+1 otherwise.
  const american = short('en-US');
  return /^GMT[+-]/.test(american) ? short('en-GB') : american;
}

/**
 * java.util.Date.toString(): `EEE MMM dd HH:mm:ss zzz yyyy` in the local time zone (the TZ variable),
 * e.g. `Tue Mar 13 10:15:30 UTC 2018`, as Payara's list-historic-healthchecks prints its dates.
 */
export function javaDateString(epochMs: number, timeZone?: string): string {
  const date = new Date(epochMs);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  const month = MONTHS[Number(parts.month) - 1];
  return `${parts.weekday} ${month} ${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${zoneName(date, timeZone)} ${parts.year}`;
}
