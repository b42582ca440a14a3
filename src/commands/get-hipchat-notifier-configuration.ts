// get-hipchat-notifier-configuration: asadmin's table (asadmin.md §3), or JSON for scripts.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { formatColumns } from '../cli/asadmin/table.js';
import type { HipChatNotifierConfig } from '../config/schema.js';
import { FILE_RATE_LIMIT_STORE, maskedRateLimitStore } from '../config/values.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { jsonOption } from './shared/option-values.js';
import { readTarget, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'get-hipchat-notifier-configuration',
  details: "Prints asadmin's Enabled / Room Name / Token table; the token is shown unless --maskToken is given.",
  options: [
    targetOption,
    jsonOption,
    {
      name: 'maskToken',
      type: 'boolean',
      description: 'show the token as **** and its last 4 characters; a token of 8 characters or fewer as **** alone',
    },
  ],
  examples: [
    { description: 'Show the configuration of the default target', command: 'notifier get-hipchat-notifier-configuration' },
    {
      description: 'Read the room name in a script',
      command: 'notifier get-hipchat-notifier-configuration --json --maskToken | jq -r .roomName',
    },
  ],
};

const NOT_DEFINED = 'Notifier Configuration is not defined';
const VISIBLE_TOKEN_CHARACTERS = 4;
/** Shorter tokens are hidden whole: their last 4 characters would be half of them or more. */
const SHORTEST_PARTLY_SHOWN = 2 * VISIBLE_TOKEN_CHARACTERS + 1;

/**
 * `****` and the token's last 4 characters, or `****` alone for a token of 8 characters or fewer; the
 * mask never tells the length. Characters are code points, so an emoji is never cut in half.
 */
export function maskToken(token: string): string {
  const characters = [...token];
  return characters.length >= SHORTEST_PARTLY_SHOWN ? `****${characters.slice(-VISIBLE_TOKEN_CHARACTERS).join('')}` : '****';
}

function asJson(target: string, notifier: HipChatNotifierConfig | undefined, token: string | undefined): string {
  if (!notifier) return JSON.stringify({ target, defined: false }, null, 2);
  const { enabled, roomName, dynamic, noisy, apiUrl, rateLimit } = notifier;
  return JSON.stringify(
    {
      target,
      defined: true,
      enabled,
      roomName,
      token,
      dynamic,
      noisy,
      apiUrl,
      rateLimit,
      caFile: notifier.caFile ?? null,
      insecure: notifier.insecure ?? false,
      // Its password is a secret like the token, and asadmin never showed it: always masked.
      rateLimitStore: maskedRateLimitStore(notifier.rateLimitStore ?? FILE_RATE_LIMIT_STORE),
    },
    null,
    2,
  );
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const { target, section } = await readTarget(context, args);

  const notifier = section?.hipchat;
  const token = notifier && (booleanOption(args, 'maskToken') ? maskToken(notifier.token) : notifier.token);
  if (booleanOption(args, 'json')) {
    context.print(asJson(target, notifier, token));
    return { quiet: true };
  }
  if (!notifier) {
    context.print(NOT_DEFINED);
    return {};
  }
  context.print(formatColumns(['Enabled', 'Room Name', 'Token'], [[String(notifier.enabled), notifier.roomName, token!]]));
  return {};
}
