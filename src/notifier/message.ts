// The notification model shared by the CLI, the sender and the HipChat client, and its limits.
// Values and limits follow HipChat REST API v2 (shared/reference/hipchat-api-v2.md).

/** Background colours HipChat accepts; case-sensitive (`"Red"` is a 400). */
export const COLORS = ['yellow', 'green', 'red', 'purple', 'gray', 'random'] as const;
export type Color = (typeof COLORS)[number];

/** `html` (HipChat's default) allows a limited tag set; `text` renders like a user's message. */
export const MESSAGE_FORMATS = ['html', 'text'] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

export interface RoomNotification {
  message: string;
  messageFormat: MessageFormat;
  color: Color;
  /** Whether room members get a pop-up/sound; sent as a JSON boolean. */
  notify: boolean;
  /** Label shown beside the sender's name. */
  from?: string;
}

/** Longer messages get a 400 from HipChat. */
export const MAX_MESSAGE_LENGTH = 10000;
export const MAX_FROM_LENGTH = 64;

const ELLIPSIS = '…';

/** HipChat refuses messages over 10000 characters: keep 9999 and end with '…'. Counts code points, as HipChat does. */
export function truncateMessage(message: string): { message: string; truncated: boolean } {
  const characters = [...message];
  if (characters.length <= MAX_MESSAGE_LENGTH) return { message, truncated: false };
  return { message: characters.slice(0, MAX_MESSAGE_LENGTH - 1).join('') + ELLIPSIS, truncated: true };
}
