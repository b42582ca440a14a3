// send-hipchat-notification --ndjson: one notification per stdin line, streamed (stdin is never held
// whole), sent in order through one sender; a bad line is reported and skipped.
import { PartialFailureError, UsageError } from '../../cli/errors.js';
import { HipChatError } from '../../notifier/errors.js';
import { truncateMessage, type RoomNotification } from '../../notifier/message.js';
import type { NotifierTarget } from '../../notifier/send.js';
import type { CommandContext, CommandOutcome } from './command.js';
import { withDelivery, type Delivery, type DeliverySettings } from './delivery.js';
import {
  buildNotification,
  checkedColor,
  checkedFormat,
  checkedFrom,
  checkedMessage,
  truncationWarning,
  type NotificationDefaults,
} from './message.js';
import { readLines } from './stdin.js';

const FIELDS = new Set(['message', 'color', 'messageFormat', 'notify', 'from']);
const PROGRESS_INTERVAL_MS = 100;

function stringField(line: Record<string, unknown>, name: string): string | undefined {
  const value = line[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`"${name}" must be a string`);
  return value;
}

/** One line as a notification, or a UsageError saying what is wrong with it. */
export function parseLine(text: string, defaults: NotificationDefaults): RoomNotification {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError('not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError('not a JSON object');
  const line = data as Record<string, unknown>;
  const unknown = Object.keys(line).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) throw new UsageError(`unknown field "${unknown}" (expected ${[...FIELDS].join(', ')})`);
  const message = stringField(line, 'message');
  if (message === undefined) throw new UsageError('"message" is missing');
  if (line.notify !== undefined && typeof line.notify !== 'boolean') throw new UsageError('"notify" must be true or false');
  const color = stringField(line, 'color');
  const messageFormat = stringField(line, 'messageFormat');
  const from = stringField(line, 'from');
  return buildNotification(checkedMessage(message, '"message"'), {
    color: color === undefined ? defaults.color : checkedColor(color, '"color"'),
    messageFormat: messageFormat === undefined ? defaults.messageFormat : checkedFormat(messageFormat, '"messageFormat"'),
    notify: (line.notify as boolean | undefined) ?? defaults.notify,
    from: from === undefined ? defaults.from : checkedFrom(from, '"from"'),
  });
}

interface LineFailure {
  line: number;
  error: string;
}

interface BatchOutcome {
  sent: number;
  failures: LineFailure[];
  lineNumber: number;
  /** Why the batch stopped before its end (HipChat unreachable beyond --maxWait, Ctrl-C), if it did. */
  stopped?: Error;
}

/** Reads and sends the lines in order; a line's own problem is reported and the batch goes on. */
async function sendLines(
  context: CommandContext,
  delivery: Delivery,
  defaults: NotificationDefaults,
  dryRun: boolean,
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { sent: 0, failures: [], lineNumber: 0 };
  let lastProgress = 0;
  const fail = (line: number, error: string) => {
    outcome.failures.push({ line, error });
    delivery.status.clear();
    context.report(`line ${line}: ${error}`);
  };

  for await (const text of readLines(context.stdin)) {
    const lineNumber = ++outcome.lineNumber;
    if (text === undefined) {
      fail(lineNumber, 'not valid UTF-8');
      continue;
    }
    if (text.trim() === '') continue;
    let notification: RoomNotification;
    try {
      notification = parseLine(text, defaults);
    } catch (error) {
      fail(lineNumber, (error as Error).message);
      continue;
    }
    const cut = truncateMessage(notification.message);
    if (cut.truncated) {
      context.warn(`line ${lineNumber}: ${truncationWarning('the message')}`);
      notification.message = cut.message;
    }
    if (dryRun) {
      context.print(JSON.stringify(delivery.sender.describe(notification)));
      continue;
    }
    try {
      await delivery.sender.send(notification);
      outcome.sent++;
    } catch (error) {
      // A refused notification is this line's problem; anything else (HipChat unreachable for longer
      // than allowed, Ctrl-C, a broken configuration) would fail every following line too.
      if (error instanceof HipChatError && !error.retryable) {
        fail(lineNumber, error.message);
        continue;
      }
      outcome.stopped = error as Error;
      break;
    }
    if (Date.now() - lastProgress > PROGRESS_INTERVAL_MS) {
      lastProgress = Date.now();
      delivery.status.show(`sent ${outcome.sent}, failed ${outcome.failures.length} (line ${lineNumber})`);
    }
  }
  return outcome;
}

export async function sendNdjson(
  context: CommandContext,
  settings: DeliverySettings,
  target: NotifierTarget,
  defaults: NotificationDefaults,
  mode: { json: boolean; dryRun: boolean },
): Promise<CommandOutcome> {
  const { sent, failures, lineNumber, stopped } = await withDelivery(context, settings, target, 'Interrupted', (delivery) =>
    sendLines(context, delivery, defaults, mode.dryRun),
  );
  if (mode.dryRun) return { quiet: true };
  if (mode.json) context.print(JSON.stringify({ sent, failed: failures.length, failures, stoppedAtLine: stopped ? lineNumber : null }));
  else context.print(`sent ${sent}, failed ${failures.length}`);

  if (stopped) {
    context.report(`Stopped at line ${lineNumber}; the lines after it were not sent.`);
    throw stopped;
  }
  if (failures.length > 0) throw new PartialFailureError(`${failures.length} of ${sent + failures.length} notifications failed`);
  return { quiet: mode.json };
}
