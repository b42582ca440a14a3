// test-hipchat-notifier-configuration (asadmin.md §4): one test notification, enabled or not;
// success only when HipChat accepted it, reported in the words of Payara's TestHipchatNotifier.
import { stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import { ConfigError } from '../config/errors.js';
import { notifierTargetOf } from '../config/notifier-target.js';
import { DEFAULT_API_URL, DEFAULT_RATE_LIMIT, roomNameProblem } from '../config/values.js';
import { originSuffix } from '../healthcheck/payara-format.js';
import { HipChatError } from '../notifier/errors.js';
import type { CommandContext } from './shared/command.js';
import { deliveryOptions, deliverySettings, loadNotifierConfig, withDelivery } from './shared/delivery.js';
import { buildNotification } from './shared/message.js';
import { targetName, targetOption } from './shared/target.js';
import { readGivenToken, tokenOptions } from './shared/token.js';

export const spec: CommandSpec = {
  name: 'test-hipchat-notifier-configuration',
  details:
    'Sends "Payara Notifier Test" (with the origin, as every notification) / "Hipchat notifier test" to the room, whether or not the notifier is enabled, and prints "Message successfully sent" once HipChat took it. --roomName and --token override the stored values for this test only.',
  options: [
    targetOption,
    { name: 'roomName', type: 'string', valueName: 'ROOM', description: 'room to test instead of the stored one' },
    ...tokenOptions(false),
    ...deliveryOptions,
  ],
  examples: [
    { description: 'Check the stored configuration of the default target', command: 'notifier test-hipchat-notifier-configuration' },
    {
      description: 'Try another room before configuring it',
      command: 'notifier test-hipchat-notifier-configuration --roomName "Release Train"',
    },
  ],
};

export const TEST_SUBJECT = 'Payara Notifier Test';
export const TEST_MESSAGE = 'Hipchat notifier test';
// What Payara's HipchatNotificationRunnable logs, and its test command reports.
const SENT = 'Message successfully sent';
const REFUSED = 'Error occurred while connecting Hipchat. Check your room name and token. HTTP response code: ';

/** HipChat's refusal in Payara's words, with HipChat's own reason after it; other failures keep notifier's texts (Payara's carry the token). */
function inPayaraWords(error: unknown): unknown {
  if (!(error instanceof HipChatError) || error.retryable || error.status === undefined) return error;
  const reason = error.hipchatMessage === undefined ? '' : ` (${error.hipchatMessage})`;
  return new HipChatError(`${REFUSED}${error.status}${reason}`, {
    status: error.status,
    hipchatMessage: error.hipchatMessage,
    retryable: false,
    headers: error.headers,
  });
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const target = targetName(args);
  const settings = deliverySettings(args);
  const roomName = stringOption(args, 'roomName') || undefined;
  const roomProblem = roomName === undefined ? undefined : roomNameProblem(roomName);
  if (roomProblem) throw new UsageError(roomProblem);
  // The stored configuration is what is tested: $HIPCHAT_TOKEN does not replace it here.
  const token = await readGivenToken(args, {}, () => context.stdin);

  const stored = await loadNotifierConfig(context, target);
  const merged = {
    apiUrl: stored?.apiUrl ?? DEFAULT_API_URL,
    rateLimit: stored?.rateLimit ?? DEFAULT_RATE_LIMIT,
    caFile: stored?.caFile,
    insecure: stored?.insecure,
    roomName: roomName ?? stored?.roomName,
    token: token || stored?.token,
  };
  if (!merged.roomName || !merged.token) {
    throw new ConfigError(
      `No HipChat notifier is configured for target ${target}: give --roomName and --token, or run notifier notification-hipchat-configure first`,
    );
  }

  const destination = notifierTargetOf({ ...merged, roomName: merged.roomName, token: merged.token });
  const text = `${TEST_SUBJECT}${originSuffix(target)}\n${TEST_MESSAGE}`;
  try {
    await withDelivery(context, settings, destination, 'Interrupted: nothing was sent', ({ sender }) =>
      sender.send(buildNotification(text, { color: 'green', messageFormat: 'text', notify: false })),
    );
  } catch (error) {
    throw inPayaraWords(error);
  }
  context.print(SENT);
}
