// notifier's local HipChat: a HipChat REST API v2 compatible room server with a live page, for trying
// notifier without HipChat (which is gone) and as the target of its tests. A library: no CLI code here;
// a `start-local-hipchat` command passes options in and prints what it gets back.
export { startLocalHipChat, redactUrl, type LocalHipChat, type RecordedRequest } from './server.js';
export type { LocalHipChatOptions } from './options.js';
export { checkOptions, isLoopbackHost } from './options.js';
export type { Fault, RoomSummary } from './core.js';
export type { NotificationQuery, StoredNotification } from './store.js';
export { parseChaos, formatChaos, checkChaos, decideChaos, type ChaosRule, type ChaosOutcome, type ChaosDecision } from './chaos.js';
export {
  parseLimit,
  formatLimit,
  checkLimit,
  DEFAULT_FLOOD_LIMIT,
  DEFAULT_TOKEN_LIMIT,
  type WindowLimit,
  type WindowState,
} from './limits.js';
export { generateToken, isUsableToken } from './token.js';
export { LocalHipChatError, LocalHipChatOptionError, LocalHipChatDataError, LocalHipChatListenError } from './errors.js';
export { sanitizeHtml, renderText, escapeHtml } from './page/sanitize.js';
export { CONTENT_SECURITY_POLICY } from './page/page.js';
export type { Card, NotificationInput } from './validation.js';
