// Tokens shaped like HipChat's: 40 alphanumeric characters.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new 40-character alphanumeric token from the crypto RNG (rejection sampling: no modulo bias). */
export function generateToken(length = 40): string {
  let token = '';
  while (token.length < length) {
    for (const byte of randomBytes(length)) {
      // 248 = 4 * 62: bytes from 248 up would favour the first letters.
      if (byte < 248 && token.length < length) token += ALPHABET[byte % 62];
    }
  }
  return token;
}

/** RFC 6750 `b64token` characters, so the token fits an `Authorization: Bearer` header unchanged. */
export function isUsableToken(token: unknown): token is string {
  return typeof token === 'string' && token.length <= 256 && /^[A-Za-z0-9\-._~+/]+=*$/.test(token);
}
