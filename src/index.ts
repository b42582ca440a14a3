// The notifier library, for programmatic use: no CLI code here.
export { ConfigError, HipChatError, InterruptedError, PartialFailureError, RateLimitError, UsageError } from './errors.js';
export { HipChatClient, type HipChatClientOptions, type SendOutcome } from './notifier/hipchat-client.js';
export { DEFAULT_MAX_WAIT_MS, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS } from './notifier/defaults.js';
export {
  NotificationSender,
  sendNotification,
  truncateMessage,
  type NotifierTarget,
  type SendOptions,
  type SendResult,
  type WaitReason,
} from './notifier/send.js';
export { SharedRateLimiter, type RateLimiterOptions } from './notifier/rate-limit/state-store.js';
/** The pure bucket logic: createBucketState, take, observe, release, parseRateLimitHeaders. */
export * as TokenBucket from './notifier/rate-limit/token-bucket.js';
export { COLORS, MAX_FROM_LENGTH, MAX_MESSAGE_LENGTH, MESSAGE_FORMATS, type Color, type MessageFormat, type RoomNotification } from './notifier/types.js';
