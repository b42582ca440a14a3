// send-hipchat-notification: one message (--message, operands or stdin), or many with --ndjson; to the
// stored target, or to a room, token and URL given by options or the environment (no config file).
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { InputError, UsageError } from '../cli/errors.js';
import { COLORS, MAX_ATTACH_TO_LENGTH, MAX_FROM_LENGTH, MAX_MESSAGE_LENGTH, truncateMessage, type Card } from '../notifier/message.js';
import { describeErrno } from '../util/errno.js';
import { parseCard } from './shared/card.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { deliveryOptions, deliverySettings, withDelivery } from './shared/delivery.js';
import { destinationOptions, resolveDestination } from './shared/destination.js';
import {
  buildNotification,
  checkedAttachTo,
  checkedColor,
  checkedFormat,
  checkedFrom,
  checkedMessage,
  COUNTED_AS,
  truncationWarning,
  type NotificationDefaults,
} from './shared/message.js';
import { MAX_LINE_BYTES, sendNdjson } from './shared/ndjson.js';
import { jsonOption } from './shared/option-values.js';
import { describeBytes, readAtMost, readFileAtMost, readPrefix, type BoundedRead } from './shared/stdin.js';
import { targetName, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'send-hipchat-notification',
  details: [
    'The message is --message, else the operands joined by spaces, else all of stdin (one trailing newline dropped); it is sent exactly as given.',
    `Messages over ${MAX_MESSAGE_LENGTH} characters (${COUNTED_AS}) are cut to fit, ending in "…". A disabled notifier sends nothing and exits 0.`,
    'Where it goes: --roomName, --token (or --tokenFile) and --apiUrl, else $HIPCHAT_ROOM, $HIPCHAT_TOKEN and $HIPCHAT_API_URL, else the stored --target; no config file is needed.',
    'Every notifier process on the machine shares one rate limiter per room and token; 429s are waited out, 5xx and network errors retried; a wait of more than 5 s is announced on stderr.',
    `With --ndjson each stdin line (at most ${describeBytes(MAX_LINE_BYTES)}) is {"message": …, "color"?, "messageFormat"?, "notify"?, "from"?, "card"?, "attachTo"?}; bad lines are reported and skipped.`,
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
    {
      name: 'card',
      type: 'string',
      valueName: 'FILE',
      description: "a HipChat card (JSON) from FILE, '-' for stdin; without a message, its title is the message",
    },
    {
      name: 'attachTo',
      type: 'string',
      valueName: 'ID',
      description: `attach to the message with this id (a thread; at most ${MAX_ATTACH_TO_LENGTH} characters)`,
    },
    { name: 'ndjson', type: 'boolean', description: 'send one notification per stdin line (JSON objects), streaming' },
    { name: 'dryRun', type: 'boolean', description: 'print the request that would be sent (token redacted) and send nothing' },
    jsonOption,
    ...destinationOptions,
    ...deliveryOptions,
  ],
  operands: { usage: '[MESSAGE...]', description: 'the message, when --message is not given' },
  examples: [
    {
      description: 'A green notification from a CI job',
      command: 'notifier send-hipchat-notification --color green "Deploy of $VERSION finished"',
    },
    {
      description: 'No config file: room, token and server from the environment (as on a fresh CI runner)',
      command:
        'HIPCHAT_TOKEN=... HIPCHAT_ROOM=ops HIPCHAT_API_URL=https://hipchat.example.com notifier send-hipchat-notification "Build 42 passed"',
    },
    {
      description: 'A multi-line message from a file, with a ping',
      command: 'notifier send-hipchat-notification --notify --color red < build-failure.txt',
    },
    {
      description: 'A card, in the thread of an earlier message',
      command: 'notifier send-hipchat-notification --card build-card.json --attachTo "$MESSAGE_ID" "Build 42 passed"',
    },
    {
      description: 'Many notifications in one run, one JSON object per line',
      command: `printf '%s\\n' '{"message":"step 1 done"}' '{"message":"step 2 failed","color":"red"}' | notifier send-hipchat-notification --ndjson`,
    },
    { description: 'See the request without sending it', command: 'notifier send-hipchat-notification --dryRun --message hello' },
  ],
  moreExitCodes: [75, 130],
};

/** No card file or card on stdin is this large: HipChat's own limits keep a card within a few KB. */
const MAX_CARD_BYTES = MAX_LINE_BYTES;

/** The message given on the command line (--message, else the operands), checked; undefined when none is. */
function givenMessage(args: ParsedArgs): string | undefined {
  const option = stringOption(args, 'message');
  if (option !== undefined && args.operands.length > 0)
    throw new UsageError('Give the message with --message or as operands, not both (quote a message of several words)');
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

/** --card FILE or --card - (stdin), read up to its bound and checked; undefined without --card. */
async function givenCard(context: CommandContext, args: ParsedArgs): Promise<(Card & { title: string }) | undefined> {
  const file = stringOption(args, 'card');
  if (file === undefined) return undefined;
  const where = `Invalid --card ${file}`;
  let read: BoundedRead;
  if (file === '-') read = await readAtMost(context.stdin, MAX_CARD_BYTES);
  else {
    try {
      read = readFileAtMost(file, MAX_CARD_BYTES);
    } catch (error) {
      throw new InputError(`Cannot read --card ${file}: ${describeErrno(error)}`);
    }
  }
  if (read.overLimit) throw new UsageError(`${where}: larger than ${describeBytes(MAX_CARD_BYTES)}`);
  return parseCard(read.bytes.toString('utf8'), where);
}

/** stdin can be read once: at most one of the message, the token and the card may come from it. */
function checkStdinUse(args: ParsedArgs, messageGiven: boolean, ndjson: boolean): void {
  const readers = [
    ...(stringOption(args, 'token') === '-' ? ['--token=-'] : []),
    ...(stringOption(args, 'card') === '-' ? ['--card -'] : []),
    ...(ndjson ? ['--ndjson'] : []),
  ];
  if (readers.length > 1) throw new UsageError(`${readers.join(' and ')} both read stdin: give one of them another way`);
  if (readers.length === 1 && !messageGiven && !ndjson && stringOption(args, 'card') === undefined)
    throw new UsageError(`${readers[0]} reads stdin: give the message with --message or as operands`);
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const target = targetName(args);
  const ndjson = booleanOption(args, 'ndjson') ?? false;
  const json = booleanOption(args, 'json') ?? false;
  const dryRun = booleanOption(args, 'dryRun') ?? false;
  if (ndjson && (stringOption(args, 'message') !== undefined || args.operands.length > 0)) {
    throw new UsageError('--ndjson reads messages from stdin: give no --message or operands with it');
  }
  // Checked before anything is read: a bad command line is exit 2 whether or not the notifier is
  // configured or enabled, so a job does not start failing the day it is switched on.
  const given = givenMessage(args);
  checkStdinUse(args, given !== undefined, ndjson);
  const defaults: NotificationDefaults = {
    color: checkedColor(stringOption(args, 'color') ?? 'yellow', '--color'),
    messageFormat: checkedFormat(stringOption(args, 'messageFormat') ?? 'text', '--messageFormat'),
    notify: booleanOption(args, 'notify') ?? false,
    from: checkedFrom(stringOption(args, 'from'), '--from'),
    attachTo: checkedAttachTo(stringOption(args, 'attachTo'), '--attachTo'),
  };
  const settings = deliverySettings(args);
  const card = await givenCard(context, args);
  if (card) defaults.card = card;

  const destination = await resolveDestination(context, args, target);
  if (destination.stored?.enabled === false && !dryRun) {
    context.report(`The HipChat notifier of target ${target} is disabled: nothing sent.`);
    if (json) context.print(JSON.stringify({ ok: true, target, enabled: false, sent: 0 }));
    return { quiet: json };
  }

  if (ndjson) return sendNdjson(context, settings, destination.notifier, defaults, { json, dryRun });

  const text = given ?? (card ? checkedMessage(card.title, 'the card title') : await stdinMessage(context));
  const { message, truncated } = truncateMessage(text);
  if (truncated) context.warn(truncationWarning('The message'));
  const notification = buildNotification(message, defaults);

  return withDelivery(context, settings, destination.notifier, 'nothing was sent', async ({ sender }) => {
    if (dryRun) {
      // The request is the one document on stdout, with --json or without: no outcome line after it.
      context.print(JSON.stringify(sender.describe(notification), null, 2));
      return { quiet: true };
    }
    const result = await sender.send(notification);
    if (json)
      context.print(
        JSON.stringify({
          ok: true,
          target,
          room: destination.notifier.roomName,
          sent: 1,
          attempts: result.attempts,
          waitedMs: result.waitedMs,
          truncated,
        }),
      );
    return { quiet: json };
  });
}
