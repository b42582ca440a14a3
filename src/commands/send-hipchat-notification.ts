// send-hipchat-notification: one message (--message, operands or stdin), or many with --ndjson.
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import { notifierTargetOf } from '../config/notifier-target.js';
import { COLORS, MAX_FROM_LENGTH, MAX_MESSAGE_LENGTH, truncateMessage } from '../notifier/message.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { deliveryOptions, deliverySettings, loadNotifierConfig, missingConfigError, withDelivery } from './shared/delivery.js';
import {
  buildNotification,
  checkedColor,
  checkedFormat,
  checkedFrom,
  checkedMessage,
  truncationWarning,
  type NotificationDefaults,
} from './shared/message.js';
import { sendNdjson } from './shared/ndjson.js';
import { jsonOption } from './shared/option-values.js';
import { readPrefix } from './shared/stdin.js';
import { targetName, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'send-hipchat-notification',
  details: [
    'The message is --message, else the operands joined by spaces, else all of stdin (one trailing newline dropped); it is sent exactly as given.',
    `Messages over ${MAX_MESSAGE_LENGTH} characters are cut to ${MAX_MESSAGE_LENGTH}, ending in "…". A disabled notifier sends nothing and exits 0.`,
    'Every notifier process on the machine shares one rate limiter per room and token; 429s are waited out, 5xx and network errors retried.',
    'With --ndjson each stdin line is {"message": …, "color"?, "messageFormat"?, "notify"?, "from"?}; bad lines are reported and skipped.',
  ].join('\n'),
  options: [
    targetOption,
    { name: 'message', type: 'string', valueName: 'TEXT', verbatim: true, description: 'the message (else the operands, else stdin)' },
    { name: 'color', type: 'string', valueName: 'COLOR', defaultValue: 'yellow', description: `background colour: ${COLORS.join(', ')}` },
    {
      name: 'messageFormat',
      type: 'string',
      valueName: 'FORMAT',
      defaultValue: 'text',
      description: 'text (mentions, emoticons, links) or html',
    },
    { name: 'notify', type: 'boolean', defaultValue: false, description: "make room members' clients ping" },
    {
      name: 'from',
      type: 'string',
      valueName: 'LABEL',
      description: `label beside the sender's name (at most ${MAX_FROM_LENGTH} characters)`,
    },
    { name: 'ndjson', type: 'boolean', description: 'send one notification per stdin line (JSON objects), streaming' },
    { name: 'dryRun', type: 'boolean', description: 'print the request that would be sent (token redacted) and send nothing' },
    jsonOption,
    ...deliveryOptions,
  ],
  operands: { usage: '[MESSAGE...]', description: 'the message, when --message is not given' },
  examples: [
    {
      description: 'A green notification from a CI job',
      command: 'notifier send-hipchat-notification --color green "Deploy of $VERSION finished"',
    },
    {
      description: 'A multi-line message from a file, with a ping',
      command: 'notifier send-hipchat-notification --notify --color red < build-failure.txt',
    },
    {
      description: 'Many notifications in one run, one JSON object per line',
      command: `printf '%s\\n' '{"message":"step 1 done"}' '{"message":"step 2 failed","color":"red"}' | notifier send-hipchat-notification --ndjson`,
    },
    { description: 'See the request without sending it', command: 'notifier send-hipchat-notification --dryRun --message hello' },
  ],
};

/** The message given on the command line (--message, else the operands), checked; undefined when none is. */
function givenMessage(args: ParsedArgs): string | undefined {
  const option = stringOption(args, 'message');
  if (option !== undefined) return checkedMessage(option, '--message');
  if (args.operands.length > 0) return checkedMessage(args.operands.join(' '), 'the operands');
  return undefined;
}

async function stdinMessage(context: CommandContext): Promise<string> {
  if (context.stdin.isTTY) throw new UsageError('No message: give --message TEXT, the message as operands, or pipe it on stdin');
  // A UTF-8 character is at most 4 bytes: this prefix holds more than can be sent.
  const { bytes, complete } = await readPrefix(context.stdin, 4 * MAX_MESSAGE_LENGTH + 4);
  let text: string;
  try {
    // On a cut stream, a character split at the cut is left out rather than refused.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete });
  } catch {
    throw new UsageError('Invalid message from stdin: it is not valid UTF-8');
  }
  // What `echo` and heredocs add is not part of the message.
  return checkedMessage(text.replace(/\r?\n$/, ''), 'stdin');
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const target = targetName(args);
  const ndjson = booleanOption(args, 'ndjson') ?? false;
  const json = booleanOption(args, 'json') ?? false;
  if (ndjson && (stringOption(args, 'message') !== undefined || args.operands.length > 0)) {
    throw new UsageError('--ndjson reads messages from stdin: give no --message or operands with it');
  }
  const defaults: NotificationDefaults = {
    color: checkedColor(stringOption(args, 'color') ?? 'yellow', '--color'),
    messageFormat: checkedFormat(stringOption(args, 'messageFormat') ?? 'text', '--messageFormat'),
    notify: booleanOption(args, 'notify') ?? false,
    from: checkedFrom(stringOption(args, 'from'), '--from'),
  };
  // Checked before the configuration is read: a bad command line is exit 2 whether or not the notifier
  // is configured or enabled, so a job does not start failing the day it is switched on.
  const given = givenMessage(args);
  const settings = deliverySettings(args);

  const config = await loadNotifierConfig(context, target);
  if (!config) throw missingConfigError(target);
  const dryRun = booleanOption(args, 'dryRun') ?? false;
  if (!config.enabled && !dryRun) {
    context.report(`The HipChat notifier of target ${target} is disabled: nothing sent.`);
    if (json) context.print(JSON.stringify({ target, enabled: false, sent: 0 }));
    return { quiet: json };
  }

  if (ndjson) return sendNdjson(context, settings, notifierTargetOf(config), defaults, { json, dryRun });

  const { message, truncated } = truncateMessage(given ?? (await stdinMessage(context)));
  if (truncated) context.warn(truncationWarning('The message'));
  const notification = buildNotification(message, defaults);

  return withDelivery(context, settings, notifierTargetOf(config), 'Interrupted: nothing was sent', async ({ sender }) => {
    if (dryRun) {
      context.print(JSON.stringify(sender.describe(notification), null, 2));
      return { quiet: json };
    }
    const result = await sender.send(notification);
    if (json)
      context.print(
        JSON.stringify({ target, room: config.roomName, sent: 1, attempts: result.attempts, waitedMs: result.waitedMs, truncated }),
      );
    return { quiet: json };
  });
}
