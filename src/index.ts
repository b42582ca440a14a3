// The notifier library, for programmatic use (no CLI code).
export { HipChatError, RateLimitError, ConfigError, UsageError, InterruptedError } from './errors.js';
