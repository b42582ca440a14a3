// healthcheck-hipchat-notifier-configure: whether the health check results of a target go to HipChat.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { ensureHealthcheck, ensureHipchatNotifier } from '../healthcheck/catalog.js';
import type { CommandContext } from './shared/command.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'healthcheck-hipchat-notifier-configure',
  details:
    'Whether health check results are sent to the HipChat notifier of the target (every notification-hipchat-configure sets this to its --enabled). --noisy, when not given, keeps its stored value.',
  options: [
    { name: 'enabled', type: 'boolean', required: true, description: 'whether health check results go to HipChat' },
    {
      name: 'noisy',
      type: 'boolean',
      defaultValue: true,
      description: 'also send FINE results (nothing to report); false sends only GOOD and worse',
    },
    dynamicOption,
    targetOption,
  ],
  examples: [
    { description: 'Send health check results to HipChat', command: 'notifier healthcheck-hipchat-notifier-configure --enabled' },
    { description: 'Send only results worth reading', command: 'notifier healthcheck-hipchat-notifier-configure --enabled --noisy=false' },
  ],
};

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const enabled = booleanOption(args, 'enabled')!;
  const noisy = booleanOption(args, 'noisy');
  let hipchatConfigured = false;
  await changeTarget(context, args, (section) => {
    const notifier = ensureHipchatNotifier(ensureHealthcheck(section));
    notifier.enabled = enabled;
    notifier.noisy = noisy ?? notifier.noisy;
    hipchatConfigured = section.hipchat !== undefined;
  });
  // Nothing can reach HipChat without a notifier: say so now rather than leave a silent room to puzzle over.
  if (enabled && !hipchatConfigured)
    context.warn('the target has no HipChat notifier yet: configure one with notification-hipchat-configure');
}
