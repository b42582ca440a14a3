// The notifier library, for programmatic use: the sender, the HipChat client, the rate limiter, the
// notification model, and their errors. No CLI code here.
export { EndpointError, HipChatError, RateLimitError, RateLimitStateError, RateLimitStoreUnavailableError } from './errors.js';
export { HipChatClient, type HipChatClientOptions, type SendOutcome } from './hipchat/client.js';
export { DEFAULT_MAX_WAIT_MS, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS } from './defaults.js';
export { NotificationSender, sendNotification, type NotifierTarget, type SendOptions, type SendResult } from './send.js';
export { WAIT_REASONS, type WaitReason } from './waits.js';
export {
  SharedRateLimiter,
  type AcquireOptions,
  type ApplyOptions,
  type LimitStore,
  type RateLimiterOptions,
} from './rate-limit/limiter.js';
export { FileLimitStore, type FileLimitStoreOptions } from './rate-limit/file-store.js';
/** The pure rate-limit logic: take, observe, release, applyUpdate, parseRateLimitHeaders. */
export * as RateLimits from './rate-limit/limits.js';
export {
  COLORS,
  MAX_FROM_LENGTH,
  MAX_MESSAGE_LENGTH,
  MESSAGE_FORMATS,
  truncateMessage,
  type Color,
  type MessageFormat,
  type RoomNotification,
} from './message.js';
export type { Rate } from '../util/rate.js';
export { LockTimeoutError } from '../util/errors.js';
