// Checks of what a person or a script gives as a notification: options of
// send-hipchat-notification and fields of its --ndjson lines alike.
import { UsageError } from '../../cli/errors.js';
import {
  COLORS,
  MAX_FROM_LENGTH,
  MAX_MESSAGE_LENGTH,
  MESSAGE_FORMATS,
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
}

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
  if (value !== undefined && [...value].length > MAX_FROM_LENGTH)
    throw new UsageError(`Invalid ${where}: longer than ${MAX_FROM_LENGTH} characters`);
  return value === '' ? undefined : value;
}

/** Message text as sent: no NUL, not blank. */
export function checkedMessage(message: string, where: string): string {
  if (message.includes('\u0000')) throw new UsageError(`Invalid message from ${where}: it contains a NUL character`);
  if (message.trim() === '') throw new UsageError(`Empty message from ${where}: nothing to send`);
  return message;
}

export function buildNotification(message: string, settings: NotificationDefaults): RoomNotification {
  const { color, messageFormat, notify, from } = settings;
  return { message, messageFormat, color, notify, ...(from === undefined ? {} : { from }) };
}

/** The warning for a message that had to be cut (`subject`: 'The message', 'the message'). */
export function truncationWarning(subject: string): string {
  return `${subject} is longer than ${MAX_MESSAGE_LENGTH} characters: it was cut to ${MAX_MESSAGE_LENGTH}, ending in "…"`;
}
