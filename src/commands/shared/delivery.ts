// What the sending commands share: the stored target, the delivery options (--retries, --maxWait,
// --timeout), and a delivery that Ctrl-C ends cleanly and a terminal watches wait.
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { InterruptedError, UsageError } from '../../cli/errors.js';
import { ConfigError } from '../../config/errors.js';
import { resolveStateDir } from '../../config/paths.js';
import type { HipChatNotifierConfig } from '../../config/schema.js';
import { readConfig } from '../../config/store.js';
import { DEFAULT_MAX_WAIT_MS, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS } from '../../notifier/defaults.js';
import type { NotificationSender, NotifierTarget } from '../../notifier/send.js';
import { WAIT_REASONS } from '../../notifier/waits.js';
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

/** The stored HipChat notifier configuration of a target; undefined when there is none. */
export async function loadNotifierConfig(context: CommandContext, target: string): Promise<HipChatNotifierConfig | undefined> {
  const config = await readConfig(context.configPath);
  return config?.targets[target]?.hipchat;
}

export function missingConfigError(target: string): ConfigError {
  return new ConfigError(`No HipChat notifier is configured for target ${target}: run notifier notification-hipchat-configure first`);
}

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
}

/**
 * Runs `use` with a sender for the target (axios loads only now), then closes it. Ctrl-C ends the waits
 * at once with an InterruptedError saying `interrupted`, and lets a request already sent finish. A
 * terminal is shown what a wait of more than a second is for; scripts see nothing.
 */
export async function withDelivery<T>(
  context: CommandContext,
  settings: DeliverySettings,
  target: NotifierTarget,
  interrupted: string,
  use: (delivery: Delivery) => Promise<T>,
): Promise<T> {
  if (target.insecure) context.warn('TLS certificate verification is off for this target (--insecure)');
  const abort = new AbortController();
  const onInterrupt = () => abort.abort(new InterruptedError(interrupted));
  process.once('SIGINT', onInterrupt);
  const { isatty } = await import('node:tty');
  const status = createStatusLine(context.writeStderr, isatty(2));
  const { NotificationSender } = await import('../../notifier/send.js');
  const sender = new NotificationSender(target, {
    stateDir: resolveStateDir(context.env),
    ...settings,
    env: context.env,
    signal: abort.signal,
    onWait: (ms, reason) => {
      if (ms > 1000) status.show(`Waiting ${formatDuration(ms)} for ${WAIT_REASONS[reason]}…`);
    },
  });
  try {
    return await use({ sender, status });
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    status.clear();
    await sender.close();
  }
}
