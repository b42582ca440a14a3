// What the sending commands share: the delivery options (--retries, --maxWait, --timeout), and a
// delivery that Ctrl-C and SIGTERM end cleanly and whose waits are visible: a terminal watches every
// wait of more than a second, and a wait of more than 5 s prints a line anywhere (a CI log too).
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { InterruptedError, UsageError } from '../../cli/errors.js';
import { resolveStateDir } from '../../config/paths.js';
import { DEFAULT_MAX_WAIT_MS, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS } from '../../notifier/defaults.js';
import type { HipChatError } from '../../notifier/errors.js';
import type { NotificationSender, NotifierTarget } from '../../notifier/send.js';
import { waitingFor, type WaitReason } from '../../notifier/waits.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import { MAX_TIMER_MS } from '../../util/sleep.js';
import type { CommandContext } from './command.js';
import { createStatusLine, type StatusLine } from './status-line.js';

export const deliveryOptions: OptionSpec[] = [
  {
    name: 'retries',
    type: 'string',
    valueName: 'N',
    defaultValue: String(DEFAULT_RETRIES),
    description: 'retries after a 5xx, a timeout or a connection error',
  },
  {
    name: 'maxWait',
    type: 'string',
    valueName: 'DURATION',
    defaultValue: `${DEFAULT_MAX_WAIT_MS / 60_000}m`,
    description: 'longest wait for the rate limit and retries; beyond it exit 75',
  },
  {
    name: 'timeout',
    type: 'string',
    valueName: 'DURATION',
    defaultValue: `${DEFAULT_TIMEOUT_MS / 1000}s`,
    description: 'connect + response timeout of one request',
  },
];

function durationOption(args: ParsedArgs, name: string, fallback: number): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > MAX_TIMER_MS)
    throw new UsageError(`Invalid --${name}: ${text} (expected a duration such as 30s, 5m or 500ms)`);
  return ms;
}

function retriesOption(args: ParsedArgs): number {
  const text = stringOption(args, 'retries');
  if (text === undefined) return DEFAULT_RETRIES;
  if (!/^\d+$/.test(text) || Number(text) > 100) throw new UsageError(`Invalid --retries: ${text} (expected a whole number from 0 to 100)`);
  return Number(text);
}

export interface DeliverySettings {
  retries: number;
  maxWaitMs: number;
  timeoutMs: number;
}

/** --retries, --maxWait and --timeout, checked: called before anything else, so that a bad value is exit 2 whatever the configuration. */
export function deliverySettings(args: ParsedArgs): DeliverySettings {
  return {
    retries: retriesOption(args),
    maxWaitMs: durationOption(args, 'maxWait', DEFAULT_MAX_WAIT_MS),
    timeoutMs: durationOption(args, 'timeout', DEFAULT_TIMEOUT_MS),
  };
}

export interface Delivery {
  sender: NotificationSender;
  status: StatusLine;
  /** Aborted by Ctrl-C or SIGTERM, with the InterruptedError as its reason: for what waits outside the sender (stdin). */
  signal: AbortSignal;
}

/** A wait longer than this prints a line of its own, with a terminal or without. */
export const ANNOUNCED_WAIT_MS = 5000;
/** A terminal's status line shows waits longer than this. */
const SHOWN_WAIT_MS = 1000;

export interface WaitReporter {
  /** Told of the failure before a retry, so that the wait for it can say why. */
  retrying(error: HipChatError): void;
  wait(ms: number, reason: WaitReason, about?: string): void;
}

/**
 * How the waits of a delivery are seen: a long one as one stderr line saying what it waits for and when
 * it resumes (a CI log would otherwise show a hang), a short one on the terminal's status line. A wait
 * that only continues one already announced (the limiter looks again) is not announced twice. A rate-limit
 * store that does not answer is waited for until it does: its line says how long at most, and when the
 * send gives up.
 */
export function createWaitReporter(report: (text: string) => void, status: StatusLine, now: () => number = Date.now): WaitReporter {
  let announcedUntil = 0;
  let cause: string | undefined;
  return {
    retrying(error) {
      cause = error.message;
    },
    wait(ms, reason, about) {
      const why = `${waitingFor(reason, about)}${reason === 'retry' && cause !== undefined ? ` (${cause})` : ''}`;
      const store = reason === 'store';
      const howLong = `${store ? 'up to ' : ''}${formatDuration(ms)}`;
      if (ms <= ANNOUNCED_WAIT_MS) {
        if (ms > SHOWN_WAIT_MS) status.show(`Waiting ${howLong} for ${why}…`);
        return;
      }
      const until = Math.ceil((now() + ms) / 1000) * 1000;
      // The store's wait ends when it answers, often long before `until`: the waits after it are new ones.
      if (!store) {
        if (until <= announcedUntil + 1000) return;
        announcedUntil = until;
      }
      status.clear();
      const at = new Date(until).toISOString().replace(/\.\d+Z$/, 'Z');
      report(`Waiting ${howLong} for ${why}; ${store ? 'giving up' : 'resuming'} at ${at}`);
    },
  };
}

/**
 * Runs `use` with a sender for the target (axios loads only now), then closes it. Ctrl-C or SIGTERM ends
 * the waits at once with an InterruptedError (`Interrupted` or `Terminated (SIGTERM)`, then `: outcome`
 * when given), and lets a request already sent finish.
 */
export async function withDelivery<T>(
  context: CommandContext,
  settings: DeliverySettings,
  target: NotifierTarget,
  outcome: string | undefined,
  use: (delivery: Delivery) => Promise<T>,
): Promise<T> {
  if (target.insecure) context.warn('TLS certificate verification is off for this target (--insecure)');
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    const what = signal === 'SIGTERM' ? 'Terminated (SIGTERM)' : 'Interrupted';
    abort.abort(new InterruptedError(outcome === undefined ? what : `${what}: ${outcome}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { isatty } = await import('node:tty');
  const status = createStatusLine(context.writeStderr, isatty(2));
  const waits = createWaitReporter(context.report, status);
  const { NotificationSender } = await import('../../notifier/send.js');
  const sender = new NotificationSender(target, {
    stateDir: resolveStateDir(context.env),
    ...settings,
    env: context.env,
    signal: abort.signal,
    onWait: (ms, reason, about) => waits.wait(ms, reason, about),
    onRetry: (error) => waits.retrying(error),
  });
  try {
    return await use({ sender, status, signal: abort.signal });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    status.clear();
    await sender.close();
  }
}
