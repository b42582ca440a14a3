// A rate as people type it: 'COUNT/DURATION', e.g. '30/60s' (HipChat's per-room flood limit) or '100/5m'.
import { parseDuration } from './duration.js';

/** `count` events per `perMs` milliseconds. */
export interface Rate {
  count: number;
  perMs: number;
}

const RATE = /^(\d+)\/(.+)$/;

/** The rate, or undefined when the text is malformed. */
export function parseRate(text: string): Rate | undefined {
  const match = RATE.exec(text.trim());
  if (!match) return undefined;
  const count = Number(match[1]);
  const perMs = parseDuration(match[2]!);
  if (!Number.isSafeInteger(count) || count < 1 || perMs === undefined || perMs < 1) return undefined;
  return { count, perMs };
}
