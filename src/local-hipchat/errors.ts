// Typed errors, one class per thing that can fail, so a CLI maps each to its exit code in one place:
// a bad option value is a usage error (exit 2), an unusable data folder or port a failed command (exit 1).
// Messages are one line, fit for `notifier: <message>` on stderr.

export abstract class LocalHipChatError extends Error {
  abstract readonly kind: 'option' | 'data' | 'listen';
}

/** A bad option value (`--chaos`, `--floodLimit`, a token, a port...). */
export class LocalHipChatOptionError extends LocalHipChatError {
  readonly kind = 'option';
  override readonly name = 'LocalHipChatOptionError';
}

/** The data folder or its files cannot be used safely (symlink, other owner, in use, unreadable). */
export class LocalHipChatDataError extends LocalHipChatError {
  readonly kind = 'data';
  override readonly name = 'LocalHipChatDataError';
}

/** The server could not listen (port in use, address not available, permission). */
export class LocalHipChatListenError extends LocalHipChatError {
  readonly kind = 'listen';
  override readonly name = 'LocalHipChatListenError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}
