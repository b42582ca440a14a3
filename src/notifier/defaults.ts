// Delivery defaults, shared by the notifier module and the CLI's options (which must not load the
// notifier module just to show them).
export const DEFAULT_RETRIES = 3;
export const DEFAULT_MAX_WAIT_MS = 5 * 60_000;
/** Connect + response timeout of one request: builds hung for hours without one (hipchat-api-v2.md). */
export const DEFAULT_TIMEOUT_MS = 10_000;
