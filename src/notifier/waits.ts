// What a sender may wait for, in words: for the waiting line a terminal shows and for the error beyond
// --maxWait. Apart from send.ts so that the CLI can show them without loading the sender (and axios).
import type { LimitReason } from './rate-limit/limits.js';

export type WaitReason = LimitReason | 'retry';

export const WAIT_REASONS: Record<WaitReason, string> = {
  local: 'the configured rate limit',
  ratelimit: "HipChat's rate limit for this token",
  flood: "HipChat's flood control for this room",
  retry: 'the next retry',
};

/** 'The configured rate limit is used up': why a wait for a limit is needed. */
export function usedUp(reason: LimitReason): string {
  const what = WAIT_REASONS[reason];
  return `${what[0]!.toUpperCase()}${what.slice(1)} is used up`;
}
