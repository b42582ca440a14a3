// Issue 14 #10: HipChat's limits counted so that no reading of them is exceeded. JavaScript-based
// servers count UTF-16 code units (5001 emoji were not cut, and the server answered 400); a text within
// the UTF-16 limit is within the code-point limit too. The cut never splits a surrogate pair.
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, truncateMessage } from '../../../src/notifier/message.js';

const EMOJI = '🎉'; // two UTF-16 code units, one code point
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('truncateMessage', () => {
  it('leaves a message of 10000 code units as it is, and cuts 10001 to 9999 and "…"', () => {
    expect(truncateMessage('a'.repeat(MAX_MESSAGE_LENGTH))).toEqual({ message: 'a'.repeat(MAX_MESSAGE_LENGTH), truncated: false });
    expect(truncateMessage('a'.repeat(MAX_MESSAGE_LENGTH + 1))).toEqual({ message: `${'a'.repeat(9999)}…`, truncated: true });
  });

  it('cuts 5001 emoji (10002 code units, 5001 code points) to 4999 and "…", never half an emoji', () => {
    const { message, truncated } = truncateMessage(EMOJI.repeat(5001));
    expect(truncated).toBe(true);
    expect(message).toBe(`${EMOJI.repeat(4999)}…`);
    expect(message.length).toBe(9999);
    expect(LONE_SURROGATE.test(message)).toBe(false);
  });

  it('keeps an emoji that ends exactly at the limit', () => {
    const { message } = truncateMessage(`a${EMOJI.repeat(5000)}`);
    expect(message).toBe(`a${EMOJI.repeat(4999)}…`);
    expect(message.length).toBe(MAX_MESSAGE_LENGTH);
  });

  it('leaves 5000 emoji (10000 code units) alone', () => {
    expect(truncateMessage(EMOJI.repeat(5000)).truncated).toBe(false);
  });
});
