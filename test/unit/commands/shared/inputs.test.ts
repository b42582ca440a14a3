// What send-hipchat-notification is handed, bounded (issue 14 #8, #14) and checked (issue 10, cards):
// --ndjson lines over 1 MB are refused by number without being held, a token input over 64 KB is refused
// after reading no more than that, and a card is checked against HipChat's own schema.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkedCard, parseCard } from '../../../../src/commands/shared/card.js';
import { buildNotification } from '../../../../src/commands/shared/message.js';
import { readAtMost, readFileAtMost, readLines } from '../../../../src/commands/shared/stdin.js';

const CHUNK = 64 * 1024;

/** An endless stream of fresh 64 KB chunks, counting how many were asked for. */
function endless(): { stream: Readable; chunks: () => number } {
  let count = 0;
  const stream = new Readable({
    read() {
      count++;
      this.push(Buffer.alloc(CHUNK, 'y'));
    },
  });
  return { stream, chunks: () => count };
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected it to be refused');
}

async function lines(pieces: (string | Buffer)[], max: number) {
  const found: unknown[] = [];
  for await (const line of readLines(Readable.from(pieces.map((piece) => Buffer.from(piece))), max)) found.push(line);
  return found;
}

describe('bounded reads', () => {
  it('reads an endless stream only up to the limit and one byte more (yes | notifier … --token=-)', async () => {
    const { stream, chunks } = endless();
    const read = await readAtMost(stream, 64 * 1024);
    expect(read.overLimit).toBe(true);
    expect(read.bytes.length).toBe(64 * 1024 + 1);
    // Node's stream buffers a few chunks ahead; nothing like the gigabytes an unbounded read took.
    expect(chunks()).toBeLessThan(40);
  });

  it('reads a file only up to the limit (--tokenFile /dev/zero), and a small one whole', () => {
    const zero = readFileAtMost('/dev/zero', 64 * 1024);
    expect({ overLimit: zero.overLimit, length: zero.bytes.length }).toEqual({ overLimit: true, length: 64 * 1024 + 1 });
    expect(readFileAtMost(new URL('../../../support/tls/README.md', import.meta.url).pathname, 64 * 1024).overLimit).toBe(false);
  });

  it('refuses a line over the limit by itself, dropping its bytes as they come, and goes on', async () => {
    const long = Array.from({ length: 40 }, () => 'x'.repeat(CHUNK));
    expect(await lines(['one\ntw', 'o\r\n', ...long, '\nthree', '\n', ...long], 1024 * 1024)).toEqual([
      'one',
      'two',
      { problem: 'longer than 1 MB: not read' },
      'three',
      { problem: 'longer than 1 MB: not read' },
    ]);
    // Exactly at the limit is fine.
    expect(await lines(['a'.repeat(10), '\n'], 10)).toEqual(['a'.repeat(10)]);
    expect(await lines([Buffer.from([0x6f, 0xff, 0x0a])], 10)).toEqual([{ problem: 'not valid UTF-8' }]);
  });
});

describe('cards', () => {
  const card = {
    style: 'application',
    title: 'Build 42 passed',
    url: 'https://ci.example.com/42',
    format: 'compact',
    description: { value: '<b>main</b> at 1a2b3c', format: 'html' },
    thumbnail: { url: 'https://ci.example.com/logo.png', width: 64, height: 64 },
    activity: { html: 'Build <b>42</b> passed', icon: 'https://ci.example.com/ok.png' },
    attributes: [{ label: 'branch', value: { label: 'main', style: 'lozenge-success' } }],
    id: 'build-42',
  };

  it('passes a card as given, keeping fields HipChat keeps', () => {
    expect(checkedCard({ ...card, date: 1764633600000 }, 'Invalid --card c.json')).toEqual({ ...card, date: 1764633600000 });
  });

  it('gives a card without an id a fresh one in each notification, the same in its retries', () => {
    const { id: _id, ...rest } = card;
    const settings = { color: 'yellow', messageFormat: 'text', notify: false, card: checkedCard(rest, 'Invalid --card c.json') } as const;
    const [first, second] = [buildNotification('one', settings), buildNotification('two', settings)];
    expect(first.card!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(second.card!.id).not.toBe(first.card!.id);
    expect(buildNotification('three', { ...settings, card }).card).toBe(card);
  });

  it.each([
    [{ title: 'x' }, 'Invalid --card c.json: style: expected "file" or "image" or "application" or "link" or "media"'],
    [{ ...card, title: 'x'.repeat(501) }, 'Invalid --card c.json: title: longer than 500'],
    [
      { ...card, description: 42 },
      'Invalid --card c.json: description: expected a string of at most 500 characters, or {"value", "format": "html"|"text"}',
    ],
    [{ ...card, activity: { html: 'x', colour: 'red' } }, 'Invalid --card c.json: activity: unknown field "colour"'],
    [{ ...card, attributes: [{ value: {} }] }, 'Invalid --card c.json: attributes.0.value.label: expected string'],
    [{ ...card, attributes: [] }, 'Invalid --card c.json: attributes: shorter than 1'],
    [{ ...card, thumbnail: { url: 'x', width: '64' } }, 'Invalid --card c.json: thumbnail.width: expected number'],
    [[card], 'Invalid --card c.json: (top level): expected object'],
  ])('refuses %j in one line naming the field', (value, message) => {
    expect(messageOf(() => checkedCard(value, 'Invalid --card c.json'))).toBe(message);
  });

  it('refuses text that is not JSON', () => {
    expect(messageOf(() => parseCard('{"style": ', 'Invalid --card -'))).toBe('Invalid --card -: not valid JSON');
  });
});
