// get-hipchat-notifier-configuration --maskToken: the rule its help and the README state, for every length.
import { describe, expect, it } from 'vitest';
import { maskToken } from '../../../src/commands/get-hipchat-notifier-configuration.js';

describe('maskToken', () => {
  it('shows **** and the last 4 characters from 9 characters on, **** alone up to 8, for every length', () => {
    for (let length = 1; length <= 64; length++) {
      const token = Array.from({ length }, (_, index) => String.fromCharCode(65 + (index % 26))).join('');
      expect(maskToken(token), `length ${length}`).toBe(length <= 8 ? '****' : `****${token.slice(-4)}`);
    }
  });

  it('counts characters, not UTF-16 code units, and never shows half of one', () => {
    expect(maskToken('abcdefg🎉')).toBe('****');
    expect(maskToken('abcdefgh🎉')).toBe('****fgh🎉');
  });
});
