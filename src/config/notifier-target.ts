// The stored HipChat notifier configuration as what the notifier library delivers to (its NotifierTarget):
// what both the sending commands and the notification service use. Built here without importing the
// library, so that config/ stays below it; the compiler checks the shape where the result is used.
import { parseRate } from '../util/rate.js';
import type { HipChatNotifierConfig } from './schema.js';

export type TargetSettings = Pick<
  HipChatNotifierConfig,
  'apiUrl' | 'roomName' | 'token' | 'rateLimit' | 'caFile' | 'insecure' | 'rateLimitStore'
>;

export function notifierTargetOf(config: TargetSettings) {
  return {
    apiUrl: config.apiUrl,
    roomName: config.roomName,
    token: config.token,
    // The schema has already checked the stored text.
    rate: parseRate(config.rateLimit)!,
    ...(config.caFile === undefined ? {} : { caFile: config.caFile }),
    ...(config.insecure ? { insecure: true } : {}),
    ...(config.rateLimitStore === undefined ? {} : { rateLimitStore: config.rateLimitStore }),
  };
}
