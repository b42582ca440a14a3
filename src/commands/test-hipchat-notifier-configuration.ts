// test-hipchat-notifier-configuration (asadmin.md §4): one test notification, enabled or not;
// success only when HipChat accepted it. It goes where a send would (shared/destination.ts): the stored
// target, or what the options and the environment give instead, without storing anything.
import type { CommandSpec, ParsedArgs } from '../cli/asadmin/options.js';
import type { CommandContext } from './shared/command.js';
import { deliveryOptions, deliverySettings, withDelivery } from './shared/delivery.js';
import { destinationOptions, resolveDestination } from './shared/destination.js';
import { buildNotification } from './shared/message.js';
import { targetName, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'test-hipchat-notifier-configuration',
  details:
    'Sends "Payara Notifier Test" / "Hipchat notifier test" to the room, whether or not the notifier is enabled. --roomName, --token and --apiUrl (or $HIPCHAT_ROOM, $HIPCHAT_TOKEN and $HIPCHAT_API_URL) override the stored values for this test only; with all three, no configuration is needed.',
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

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const target = targetName(args);
  const settings = deliverySettings(args);
  const destination = await resolveDestination(context, args, target);
  await withDelivery(context, settings, destination.notifier, 'nothing was sent', ({ sender }) =>
    sender.send(buildNotification(`${TEST_SUBJECT}\n${TEST_MESSAGE}`, { color: 'green', messageFormat: 'text', notify: false })),
  );
}
