// Waits are visible everywhere (issue 10): a wait of more than 5 s is one stderr line saying what it
// waits for and when it resumes, with a terminal or without; shorter ones only on a terminal's status line.
import { describe, expect, it } from 'vitest';
import { createWaitReporter } from '../../../../src/commands/shared/delivery.js';
import type { StatusLine } from '../../../../src/commands/shared/status-line.js';
import { HipChatError } from '../../../../src/notifier/errors.js';

function reporter() {
  const lines: string[] = [];
  const shown: string[] = [];
  let now = Date.UTC(2026, 10, 26, 11, 12, 0, 400);
  const status: StatusLine = { show: (text) => shown.push(text), clear: () => shown.push('(cleared)') };
  const waits = createWaitReporter(
    (line) => lines.push(line),
    status,
    () => now,
  );
  return { waits, lines, shown, advance: (ms: number) => (now += ms) };
}

describe('createWaitReporter', () => {
  it('announces a wait of more than 5 s once, with its reason and the time it resumes', () => {
    const { waits, lines, advance } = reporter();
    waits.wait(42_000, 'flood');
    // The limiter looks again after a while: the same wait, not a new one.
    advance(10_000);
    waits.wait(32_000, 'flood');
    expect(lines).toEqual(["Waiting 42 s for HipChat's flood control for this room; resuming at 2026-11-26T11:12:43Z"]);
    advance(33_000);
    waits.wait(60_000, 'local');
    expect(lines.at(-1)).toBe('Waiting 1 min for the configured rate limit; resuming at 2026-11-26T11:13:44Z');
  });

  it('says what a retry waits after', () => {
    const { waits, lines } = reporter();
    waits.retrying(new HipChatError('HipChat answered 503 Service Unavailable', { status: 503, retryable: true }));
    waits.wait(8000, 'retry');
    expect(lines).toEqual([
      'Waiting 8.0 s for the next retry (HipChat answered 503 Service Unavailable); resuming at 2026-11-26T11:12:09Z',
    ]);
  });

  it('announces a wait for a rate-limit store that does not answer: how long at most, and when the send gives up', () => {
    const { waits, lines, shown, advance } = reporter();
    waits.wait(299_990, 'store', 'redis://cache.internal:6379 (connection refused)');
    expect(lines).toEqual([
      'Waiting up to 5 min for the rate-limit store redis://cache.internal:6379 (connection refused); giving up at 2026-11-26T11:17:01Z',
    ]);
    // Redis answered after a while; a wait for a limit that ends before the store's deadline is still its own line.
    advance(3000);
    waits.wait(42_000, 'flood');
    expect(lines).toHaveLength(2);
    // With little time left, the terminal's status line only.
    waits.wait(4000, 'store', 'redis://cache.internal:6379 (no answer within 2.0 s)');
    expect(lines).toHaveLength(2);
    expect(shown.at(-1)).toBe('Waiting up to 4.0 s for the rate-limit store redis://cache.internal:6379 (no answer within 2.0 s)…');
  });

  it('shows a wait of 1 to 5 s on the status line only, and nothing shorter', () => {
    const { waits, lines, shown } = reporter();
    waits.wait(900, 'local');
    waits.wait(5000, 'ratelimit');
    expect(lines).toEqual([]);
    expect(shown).toEqual(["Waiting 5.0 s for HipChat's rate limit for this token…"]);
  });
});
