// notification-configure: the notification service of a target on or off.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import type { CommandContext } from './shared/command.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'notification-configure',
  details:
    "Switches the notification service of a target on or off; it is on until switched off, as in Payara's domain template. The service carries health-check results to the notifiers.",
  options: [
    { name: 'enabled', type: 'boolean', required: true, description: 'whether the notification service runs' },
    dynamicOption,
    targetOption,
  ],
  examples: [
    { description: 'Switch the notification service on', command: 'notifier notification-configure --enabled' },
    {
      description: 'Switch it off for cluster1, applying it to the running service at once',
      command: 'notifier notification-configure --enabled=false --dynamic=true --target cluster1',
    },
  ],
};

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const enabled = booleanOption(args, 'enabled')!;
  await changeTarget(context, args, (section) => {
    section.notification = { enabled };
  });
}
