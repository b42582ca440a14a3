/**
 * Unique enough for temp file names and lock nonces, whose job is to tell instances apart, not to be secret;
 * node:crypto would add milliseconds to every configure's start-up.
 */
export function randomId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
