// send-hipchat-notification --ndjson: one notification per stdin line, streamed (stdin is never held
// whole, nor a line over 1 MB), sent in order through one sender; a bad line is reported and skipped.
import { PartialFailureError, UsageError } from '../../cli/errors.js';
import { HipChatError } from '../../notifier/errors.js';
import { truncateMessage, type RoomNotification } from '../../notifier/message.js';
import type { NotifierTarget } from '../../notifier/send.js';
import { checkedCard } from './card.js';
import type { CommandContext, CommandOutcome } from './command.js';
import { withDelivery, type Delivery, type DeliverySettings } from './delivery.js';
import {
  buildNotification,
  checkedAttachTo,
  checkedColor,
  checkedFormat,
  checkedFrom,
  checkedMessage,
  truncationWarning,
  type NotificationDefaults,
} from './message.js';
import { readLines } from './stdin.js';
import { keepYoungGenerationSmall } from '../../util/young-generation.js';

const FIELDS = new Set(['message', 'color', 'messageFormat', 'notify', 'from', 'card', 'attachTo']);
const PROGRESS_INTERVAL_MS = 100;
/** A line longer than this is refused unread (a notification, card included, is a few KB at most). */
export const MAX_LINE_BYTES = 1024 * 1024;

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
  const card = line.card === undefined ? defaults.card : checkedCard(line.card, 'Invalid "card"');
  // Without a message, a line's own card gives it its title (as --card does).
  const message = stringField(line, 'message') ?? (line.card === undefined ? undefined : (card as { title: string }).title);
  if (message === undefined) throw new UsageError('"message" is missing');
  if (line.notify !== undefined && typeof line.notify !== 'boolean') throw new UsageError('"notify" must be true or false');
  const color = stringField(line, 'color');
  const messageFormat = stringField(line, 'messageFormat');
  const from = stringField(line, 'from');
  const attachTo = stringField(line, 'attachTo');
  return buildNotification(checkedMessage(message, '"message"'), {
    color: color === undefined ? defaults.color : checkedColor(color, '"color"'),
    messageFormat: messageFormat === undefined ? defaults.messageFormat : checkedFormat(messageFormat, '"messageFormat"'),
    notify: (line.notify as boolean | undefined) ?? defaults.notify,
    from: from === undefined ? defaults.from : checkedFrom(from, '"from"'),
    attachTo: attachTo === undefined ? defaults.attachTo : checkedAttachTo(attachTo, '"attachTo"'),
    card,
  });
}

interface LineFailure {
  line: number;
  error: string;
}

interface BatchOutcome {
  /** Notifications sent (with --dryRun: lines that would be). */
  sent: number;
  failures: LineFailure[];
  lineNumber: number;
  /** Why the batch stopped before its end (HipChat unreachable beyond --maxWait, Ctrl-C, SIGTERM), if it did. */
  stopped?: Error;
  /** Whether it stopped on line lineNumber (not sent) rather than waiting for the next one. */
  stoppedInLine?: boolean;
}

/** Reads and sends the lines in order; a line's own problem is reported and the batch goes on. */
async function sendLines(
  context: CommandContext,
  delivery: Delivery,
  defaults: NotificationDefaults,
  mode: { json: boolean; dryRun: boolean },
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { sent: 0, failures: [], lineNumber: 0 };
  let lastProgress = 0;
  const fail = (line: number, error: string) => {
    outcome.failures.push({ line, error });
    delivery.status.clear();
    context.report(`line ${line}: ${error}`);
  };

  // Ctrl-C or SIGTERM while the next line has not come (a pipe kept open) ends the reading too.
  const stopReading = () => context.stdin.destroy();
  delivery.signal.addEventListener('abort', stopReading, { once: true });
  try {
    for await (const text of readLines(context.stdin, MAX_LINE_BYTES)) {
      const lineNumber = ++outcome.lineNumber;
      if (typeof text !== 'string') {
        fail(lineNumber, text.problem);
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
      if (mode.dryRun) {
        // --json makes the summary the one document on stdout: the requests are not printed then.
        if (!mode.json) context.print(JSON.stringify(delivery.sender.describe(notification)));
        outcome.sent++;
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
        outcome.stoppedInLine = true;
        break;
      }
      if (Date.now() - lastProgress > PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        delivery.status.show(`sent ${outcome.sent}, failed ${outcome.failures.length} (line ${lineNumber})`);
      }
    }
  } catch (error) {
    // stdin itself failed (EIO, an aborted read): what was sent so far is still told.
    outcome.stopped = error as Error;
  } finally {
    delivery.signal.removeEventListener('abort', stopReading);
  }
  if (delivery.signal.aborted) outcome.stopped = delivery.signal.reason as Error;
  return outcome;
}

export async function sendNdjson(
  context: CommandContext,
  settings: DeliverySettings,
  target: NotifierTarget,
  defaults: NotificationDefaults,
  mode: { json: boolean; dryRun: boolean },
): Promise<CommandOutcome> {
  const { sent, failures, lineNumber, stopped, stoppedInLine } = await withDelivery(
    context,
    settings,
    target,
    undefined,
    async (delivery) => {
      // The sender's code is loaded by now (see keepYoungGenerationSmall).
      await keepYoungGenerationSmall();
      return sendLines(context, delivery, defaults, mode);
    },
  );
  // The first line not sent.
  const stoppedAt = stoppedInLine ? lineNumber : lineNumber + 1;
  const counts = mode.dryRun
    ? { dryRun: true, valid: sent, failed: failures.length, failures }
    : { sent, failed: failures.length, failures, stoppedAtLine: stopped ? stoppedAt : null };
  if (!mode.json && !mode.dryRun) context.print(`sent ${sent}, failed ${failures.length}`);

  const failure = stopped ?? (failures.length > 0 ? new PartialFailureError(failedCount(failures.length, sent, mode.dryRun)) : undefined);
  if (failure === undefined) {
    if (mode.json) context.print(JSON.stringify({ ok: true, ...counts }));
    return { quiet: mode.json || mode.dryRun };
  }
  if (stopped)
    context.report(
      stoppedInLine
        ? `Stopped at line ${stoppedAt}; the lines after it were not sent.`
        : `Stopped before line ${stoppedAt}; it and the lines after it were not read.`,
    );
  context.addFailureFields(counts);
  throw failure;
}

function failedCount(failed: number, sent: number, dryRun: boolean): string {
  const total = sent + failed;
  const of = `${failed} of ${total} notification${total === 1 ? '' : 's'}`;
  return dryRun ? `${of} ${failed === 1 ? 'is' : 'are'} not valid (--dryRun: nothing was sent)` : `${of} failed`;
}
