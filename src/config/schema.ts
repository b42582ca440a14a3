// The config file's shape. zod/mini rather than full zod: it costs a fraction of the start-up time.
import * as z from 'zod/mini';
import { checkApiUrl, MAX_ROOM_NAME_LENGTH, parseRateLimit, tokenProblem } from './values.js';

export const CONFIG_VERSION = 1;

export const hipchatNotifierSchema = z.object({
  enabled: z.boolean(),
  roomName: z.string().check(z.minLength(1), z.maxLength(MAX_ROOM_NAME_LENGTH)),
  token: z.string().check(z.refine((token) => tokenProblem(token) === undefined, 'not a usable token')),
  dynamic: z.boolean(),
  noisy: z.boolean(),
  apiUrl: z.string().check(z.refine((url) => !('problem' in checkApiUrl(url)), 'not an http(s) URL without credentials, query or fragment')),
  rateLimit: z.string().check(z.refine((text) => parseRateLimit(text) !== undefined, 'not COUNT/DURATION')),
  caFile: z.optional(z.string()),
  insecure: z.optional(z.boolean()),
});

// Loose objects keep keys this version does not know, so rewriting a file never drops them.
const targetSchema = z.looseObject({
  hipchat: z.optional(hipchatNotifierSchema),
});

export const configSchema = z.looseObject({
  version: z.literal(CONFIG_VERSION),
  targets: z.record(z.string(), targetSchema),
});

export type HipChatNotifierConfig = z.infer<typeof hipchatNotifierSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type ConfigDocument = z.infer<typeof configSchema>;

export function emptyConfig(): ConfigDocument {
  return { version: CONFIG_VERSION, targets: {} };
}

/** One line saying where and what: 'targets.server.hipchat.enabled: expected boolean'. */
export function describeSchemaIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.') || '(top level)';
  switch (issue.code) {
    case 'invalid_type':
      return `${where}: expected ${issue.expected}`;
    case 'too_small':
      return `${where}: shorter than ${String(issue.minimum)}`;
    case 'too_big':
      return `${where}: longer than ${String(issue.maximum)}`;
    case 'invalid_value':
      return `${where}: expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'custom':
      return `${where}: ${issue.message}`;
    default:
      return `${where}: invalid (${issue.code})`;
  }
}
