// The notification model shared by the CLI, the sender and the HipChat client, and its limits.
// Values and limits follow HipChat REST API v2 (shared/reference/hipchat-api-v2.md).

/** Background colours HipChat accepts; case-sensitive (`"Red"` is a 400). */
export const COLORS = ['yellow', 'green', 'red', 'purple', 'gray', 'random'] as const;
export type Color = (typeof COLORS)[number];

/** `html` (HipChat's default) allows a limited tag set; `text` renders like a user's message. */
export const MESSAGE_FORMATS = ['html', 'text'] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

/**
 * HipChat's card object (style, title, description, url, thumbnail, activity, attributes, format, …),
 * sent as given: whoever builds it checks it (the CLI does, with a schema of its fields).
 */
export type Card = Readonly<Record<string, unknown>>;

export interface RoomNotification {
  message: string;
  messageFormat: MessageFormat;
  color: Color;
  /** Whether room members get a pop-up/sound; sent as a JSON boolean. */
  notify: boolean;
  /** Label shown beside the sender's name. */
  from?: string;
  /** A rich card; clients that cannot show it show `message`. */
  card?: Card;
  /** The id of a message this one is attached to (a thread); sent as `attach_to`. */
  attachTo?: string;
}

// HipChat's limits. Its servers count in UTF-16 code units, as JavaScript does (an emoji outside the
// Basic Multilingual Plane counts 2), while others count code points: a text within the UTF-16 limit is
// within every reading of it. See utf16Length().
/** Longer messages get a 400 from HipChat. */
export const MAX_MESSAGE_LENGTH = 10000;
export const MAX_FROM_LENGTH = 64;
export const MAX_ATTACH_TO_LENGTH = 36;

const ELLIPSIS = '…';

/** The length a limit is checked against: UTF-16 code units (String.length), never fewer than code points. */
export function utf16Length(text: string): number {
  return text.length;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * HipChat refuses messages over 10000 characters: a longer one is cut and ends in '…', within 10000
 * UTF-16 code units and never inside a surrogate pair (an emoji is kept whole or left out).
 */
export function truncateMessage(message: string): { message: string; truncated: boolean } {
  if (utf16Length(message) <= MAX_MESSAGE_LENGTH) return { message, truncated: false };
  let end = MAX_MESSAGE_LENGTH - ELLIPSIS.length;
  if (isHighSurrogate(message.charCodeAt(end - 1))) end--;
  return { message: message.slice(0, end) + ELLIPSIS, truncated: true };
}
