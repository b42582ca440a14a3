// The config file's shape. zod/mini rather than full zod: it costs a fraction of the start-up time.
import * as z from 'zod/mini';
import { escapeKeys, unescapeKey, unescapeKeys } from '../util/plain-data.js';
import { parseRate } from '../util/rate.js';
import { checkApiUrl, MAX_ROOM_NAME_LENGTH, rateLimitStoreProblem, tokenProblem } from './values.js';

export const CONFIG_VERSION = 1;

export const hipchatNotifierSchema = z.object({
  enabled: z.boolean(),
  roomName: z.string().check(z.minLength(1), z.maxLength(MAX_ROOM_NAME_LENGTH)),
  token: z.string().check(z.refine((token) => tokenProblem(token) === undefined, 'not a usable token')),
  dynamic: z.boolean(),
  noisy: z.boolean(),
  apiUrl: z
    .string()
    .check(z.refine((url) => !('problem' in checkApiUrl(url)), 'not an http(s) URL without credentials, query or fragment')),
  rateLimit: z.string().check(z.refine((text) => parseRate(text) !== undefined, 'not COUNT/DURATION')),
  caFile: z.optional(z.string()),
  insecure: z.optional(z.boolean()),
  /** Where the shared rate limit lives: 'file' (the state folder, the default) or a Redis URL. */
  rateLimitStore: z.optional(
    z.string().check(z.refine((text) => rateLimitStoreProblem(text) === undefined, 'not file, redis://… or rediss://…')),
  ),
});

export const TIME_UNITS = ['NANOSECONDS', 'MICROSECONDS', 'MILLISECONDS', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

const percentage = z.number().check(z.gte(0), z.lte(100));

/** One health checker (healthcheck-configure-service, …-threshold), keyed by its service name. */
export const checkerSchema = z.object({
  enabled: z.boolean(),
  /** Run every `time` `unit`, first run at once. */
  time: z.int().check(z.gte(1)),
  unit: z.enum(TIME_UNITS),
  /** Short name in messages, e.g. CPUC. */
  checkerName: z.string().check(z.minLength(1)),
  /** Threshold checkers only; absent means Payara's defaults (80 / 50 / 0), shown as '-' (never stored). */
  thresholds: z.optional(z.object({ critical: percentage, warning: percentage, good: percentage })),
});

/** The health check service (healthcheck-configure and friends). */
export const healthcheckSchema = z.object({
  enabled: z.boolean(),
  historicalTraceEnabled: z.boolean(),
  historicalTraceStoreSize: z.int().check(z.gte(1)),
  /** As given to healthcheck-configure (Payara stores it raw): seconds, or digits and s/m/h/d. */
  historicalTraceStoreTimeout: z.optional(z.string()),
  /**
   * healthcheck-hipchat-notifier-configure: whether results go to the HipChat notifier. Absent until a
   * command creates it, like Payara's notifier bean (files written by earlier versions always have it).
   */
  hipchatNotifier: z.optional(z.object({ enabled: z.boolean(), noisy: z.boolean() })),
  checkers: z.record(z.string(), checkerSchema),
});

/** The notification service (notification-configure). */
export const notificationServiceSchema = z.object({ enabled: z.boolean() });

/** Payara's domain template ships the notification service enabled: so does a target that never configured it. */
export const DEFAULT_NOTIFICATION_SERVICE: Readonly<NotificationServiceConfig> = { enabled: true };

// Loose objects keep keys this version does not know, so rewriting a file never drops them.
const targetSchema = z.looseObject({
  hipchat: z.optional(hipchatNotifierSchema),
  notification: z.optional(notificationServiceSchema),
  healthcheck: z.optional(healthcheckSchema),
});

export const configSchema = z.looseObject({
  version: z.literal(CONFIG_VERSION),
  targets: z.record(z.string(), targetSchema),
});

export type HipChatNotifierConfig = z.infer<typeof hipchatNotifierSchema>;
export type CheckerConfig = z.infer<typeof checkerSchema>;
export type HealthcheckConfig = z.infer<typeof healthcheckSchema>;
export type NotificationServiceConfig = z.infer<typeof notificationServiceSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type ConfigDocument = z.infer<typeof configSchema>;

/** The target's notification service: the stored one, else the default (enabled). */
export function notificationServiceOf(target: TargetConfig | undefined): NotificationServiceConfig {
  return target?.notification ?? { ...DEFAULT_NOTIFICATION_SERVICE };
}

export function emptyConfig(): ConfigDocument {
  return { version: CONFIG_VERSION, targets: Object.create(null) as ConfigDocument['targets'] };
}

export type ConfigCheck = { success: true; data: ConfigDocument } | { success: false; issues: z.core.$ZodIssue[] };

/**
 * Checks a configuration against the schema. The result is plain data (null-prototype objects), so that a
 * target or checker named '__proto__', 'constructor' or 'hasOwnProperty' is an ordinary key; '__proto__'
 * keys (which zod skips) are checked and kept like any other, and unknown keys are kept.
 */
export function checkConfig(data: unknown): ConfigCheck {
  const result = configSchema.safeParse(escapeKeys(data));
  if (result.success) return { success: true, data: unescapeKeys(result.data) };
  const issues = result.error.issues.map((issue) => ({
    ...issue,
    path: issue.path.map((segment) => (typeof segment === 'string' ? unescapeKey(segment) : segment)),
  }));
  return { success: false, issues };
}
