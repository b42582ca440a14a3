// The stored HipChat notifier configuration as the notifier module's target: what both the sending
// commands and the notification service deliver to.
import type { NotifierTarget } from '../notifier/send.js';
import type { HipChatNotifierConfig } from './schema.js';
import { parseRateLimit } from './values.js';

export type TargetSettings = Pick<HipChatNotifierConfig, 'apiUrl' | 'roomName' | 'token' | 'rateLimit' | 'caFile' | 'insecure'>;

export function notifierTarget(config: TargetSettings): NotifierTarget {
  return {
    apiUrl: config.apiUrl,
    roomName: config.roomName,
    token: config.token,
    // The schema has already checked the stored text.
    rate: parseRateLimit(config.rateLimit)!,
    ...(config.caFile === undefined ? {} : { caFile: config.caFile }),
    ...(config.insecure ? { insecure: true } : {}),
  };
}
