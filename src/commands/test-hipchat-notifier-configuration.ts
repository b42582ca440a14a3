// test-hipchat-notifier-configuration (asadmin.md §4): one test notification, enabled or not;
// success only when HipChat accepted it, reported in the words of Payara's TestHipchatNotifier. It goes where a
// send would (shared/destination.ts): the stored target, or what the options and the environment give instead,
// without storing anything.
import type { CommandSpec, ParsedArgs } from '../cli/asadmin/options.js';
import { originSuffix } from '../healthcheck/payara-format.js';
import { HipChatError } from '../notifier/errors.js';
import type { CommandContext } from './shared/command.js';
import { deliveryOptions, deliverySettings, withDelivery } from './shared/delivery.js';
import { destinationOptions, resolveDestination } from './shared/destination.js';
import { buildNotification } from './shared/message.js';
import { targetName, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'test-hipchat-notifier-configuration',
  details:
    'Sends "Payara Notifier Test" (with the origin, as every notification) / "Hipchat notifier test" to the room, whether or not the notifier is enabled, and prints "Message successfully sent" once HipChat took it. --roomName, --token and --apiUrl (or $HIPCHAT_ROOM, $HIPCHAT_TOKEN and $HIPCHAT_API_URL) override the stored values for this test only; with all three, no configuration is needed.',
  options: [targetOption, ...destinationOptions, ...deliveryOptions],
  examples: [
    { description: 'Check the stored configuration of the default target', command: 'notifier test-hipchat-notifier-configuration' },
    {
      description: 'Try another room before configuring it',
      command: 'notifier test-hipchat-notifier-configuration --roomName "Release Train"',
    },
    {
      description: "Check a CI job's settings, without a config file",
      command: 'HIPCHAT_TOKEN=... notifier test-hipchat-notifier-configuration --roomName ops --apiUrl https://hipchat.example.com',
    },
  ],
  moreExitCodes: [75, 130],
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
  const destination = await resolveDestination(context, args, target);
  const text = `${TEST_SUBJECT}${originSuffix(target)}\n${TEST_MESSAGE}`;
  try {
    await withDelivery(context, settings, destination.notifier, 'nothing was sent', ({ sender }) =>
      sender.send(buildNotification(text, { color: 'green', messageFormat: 'text', notify: false })),
    );
  } catch (error) {
    throw inPayaraWords(error);
  }
  context.print(SENT);
}
