// What a sender may wait for, in words: for the waiting line a terminal shows and for the error beyond
// --maxWait. Apart from send.ts so that the CLI can show them without loading the sender (and axios).
import type { LimitReason } from './rate-limit/limits.js';

/** 'store': the rate-limit store (Redis) does not answer, and is tried again until it does or the wait is over. */
export type WaitReason = LimitReason | 'retry' | 'store';

export const WAIT_REASONS: Record<WaitReason, string> = {
  local: 'the configured rate limit',
  ratelimit: "HipChat's rate limit for this token",
  flood: "HipChat's flood control for this room",
  retry: 'the next retry',
  store: 'the rate-limit store',
};

/** 'The configured rate limit is used up': why a wait for a limit is needed. */
export function usedUp(reason: LimitReason): string {
  const what = WAIT_REASONS[reason];
  return `${what[0]!.toUpperCase()}${what.slice(1)} is used up`;
}

/** What a wait is for, in words: `the rate-limit store redis://cache:6379 (connection refused)`. */
export function waitingFor(reason: WaitReason, about?: string): string {
  return about === undefined ? WAIT_REASONS[reason] : `${WAIT_REASONS[reason]} ${about}`;
}
