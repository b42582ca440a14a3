// get-notification-configuration: asadmin's Enabled / Notifier Enabled table, or JSON for scripts.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { formatColumns } from '../cli/asadmin/table.js';
import { notificationServiceOf } from '../config/schema.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { jsonOption } from './shared/option-values.js';
import { readTarget, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'get-notification-configuration',
  details:
    "Prints asadmin's Enabled / Notifier Enabled table with one row, for the HipChat notifier: whether the notification service is on (it is unless notification-configure switched it off, as in Payara's domain template), and whether the notifier is (false while it is not configured).",
  options: [targetOption, jsonOption],
  examples: [
    { description: 'Show the notification service of the default target', command: 'notifier get-notification-configuration' },
    { description: 'Check in a script that the service is on', command: 'notifier get-notification-configuration --json | jq -e .enabled' },
  ],
};

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const { target, section } = await readTarget(context, args);
  const { enabled } = notificationServiceOf(section);
  const notifierConfigured = section?.hipchat !== undefined;
  const notifierEnabled = section?.hipchat?.enabled ?? false;

  if (booleanOption(args, 'json')) {
    // Payara's own map had the keys enabled and notifierEnabled.
    context.print(JSON.stringify({ target, enabled, notifierEnabled, notifierConfigured }, null, 2));
    return { quiet: true };
  }
  context.print(formatColumns(['Enabled', 'Notifier Enabled'], [[String(enabled), String(notifierEnabled)]]));
  return {};
}
