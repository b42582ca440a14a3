// get-notification-configuration: asadmin's Enabled / Notifier Enabled table, or JSON for scripts.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { formatColumns } from '../cli/asadmin/table.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { jsonOption } from './shared/option-values.js';
import { readTarget, targetOption } from './shared/target.js';

// Payara's text when a target has no notifier configuration.
const NOT_DEFINED = 'No notifier defined';

export const spec: CommandSpec = {
  name: 'get-notification-configuration',
  details:
    'Prints asadmin\'s Enabled / Notifier Enabled table with one row, for the HipChat notifier: whether the notification service is on, and whether the notifier is (false while it is not configured). When neither is configured for the target, it prints "No notifier defined" and succeeds, as Payara did.',
  options: [targetOption, jsonOption],
  examples: [
    { description: 'Show the notification service of the default target', command: 'notifier get-notification-configuration' },
    { description: 'Check in a script that the service is on', command: 'notifier get-notification-configuration --json | jq -e .enabled' },
  ],
};

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const { target, section } = await readTarget(context, args);
  const defined = section?.notification !== undefined || section?.hipchat !== undefined;
  const enabled = section?.notification?.enabled ?? false;
  const notifierEnabled = section?.hipchat?.enabled ?? false;

  if (booleanOption(args, 'json')) {
    // Payara's own map had the keys enabled and notifierEnabled.
    context.print(JSON.stringify(defined ? { target, defined, enabled, notifierEnabled } : { target, defined }, null, 2));
    return { quiet: true };
  }
  context.print(defined ? formatColumns(['Enabled', 'Notifier Enabled'], [[String(enabled), String(notifierEnabled)]]) : NOT_DEFINED);
  return {};
}
