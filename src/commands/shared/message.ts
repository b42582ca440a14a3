// Checks of what a person or a script gives as a notification: options of
// send-hipchat-notification and fields of its --ndjson lines alike.
import { UsageError } from '../../cli/errors.js';
import {
  COLORS,
  MAX_ATTACH_TO_LENGTH,
  MAX_FROM_LENGTH,
  MAX_MESSAGE_LENGTH,
  MESSAGE_FORMATS,
  utf16Length,
  type Card,
  type Color,
  type MessageFormat,
  type RoomNotification,
} from '../../notifier/message.js';

/** The per-message settings given as options; --ndjson lines may override them. */
export interface NotificationDefaults {
  color: Color;
  messageFormat: MessageFormat;
  notify: boolean;
  from?: string;
  card?: Card;
  attachTo?: string;
}

/** How the help and the errors say what a length limit counts. */
export const COUNTED_AS = 'counted in UTF-16 code units, as HipChat counts them: most emoji count 2';

/** Colours are accepted in any case and sent in HipChat's (lower) case. */
export function checkedColor(value: string, where: string): Color {
  const color = value.toLowerCase();
  if (!(COLORS as readonly string[]).includes(color))
    throw new UsageError(`Invalid ${where}: ${value} (expected one of ${COLORS.join(', ')})`);
  return color as Color;
}

export function checkedFormat(value: string, where: string): MessageFormat {
  const format = value.toLowerCase();
  if (!(MESSAGE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`Invalid ${where}: ${value} (expected html or text)`);
  return format as MessageFormat;
}

export function checkedFrom(value: string | undefined, where: string): string | undefined {
  if (value !== undefined && utf16Length(value) > MAX_FROM_LENGTH)
    throw new UsageError(`Invalid ${where}: longer than ${MAX_FROM_LENGTH} characters (${COUNTED_AS})`);
  return value === '' ? undefined : value;
}

/** The id of the message to attach to ('' is none, as for --from): no blanks or control characters, within HipChat's 36. */
export function checkedAttachTo(value: string | undefined, where: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.trim() === '') throw new UsageError(`Invalid ${where}: it is blank (expected the id of a message)`);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) throw new UsageError(`Invalid ${where}: it contains a control character`);
  if (utf16Length(value) > MAX_ATTACH_TO_LENGTH)
    throw new UsageError(`Invalid ${where}: longer than ${MAX_ATTACH_TO_LENGTH} characters (${COUNTED_AS})`);
  return value;
}

/** Message text as sent: no NUL, not blank. */
export function checkedMessage(message: string, where: string): string {
  if (message.includes('\u0000')) throw new UsageError(`Invalid message from ${where}: it contains a NUL character`);
  if (message.trim() === '') throw new UsageError(`Empty message from ${where}: nothing to send`);
  return message;
}

/**
 * One notification. A card without an id gets a random one of its own (one card file sent with many
 * --ndjson lines makes as many cards), kept by every retry, so that HipChat can tell a resend.
 */
export function buildNotification(message: string, settings: NotificationDefaults): RoomNotification {
  const { color, messageFormat, notify, from, card, attachTo } = settings;
  return {
    message,
    messageFormat,
    color,
    notify,
    ...(from === undefined ? {} : { from }),
    ...(card === undefined ? {} : { card: card.id === undefined ? { ...card, id: globalThis.crypto.randomUUID() } : card }),
    ...(attachTo === undefined ? {} : { attachTo }),
  };
}

/** The warning for a message that had to be cut (`subject`: 'The message', 'the message'). */
export function truncationWarning(subject: string): string {
  return `${subject} is longer than ${MAX_MESSAGE_LENGTH} characters (${COUNTED_AS}): it was cut to fit, ending in "…"`;
}
