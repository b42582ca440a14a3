// notifier-list-services: the notifier services there are, as Payara's NotifierServiceLister prints them.
import type { CommandSpec } from '../cli/asadmin/options.js';
import type { CommandContext } from './shared/command.js';

export const spec: CommandSpec = {
  name: 'notifier-list-services',
  details:
    "Lists the notifier services, as Payara's command did: notifier has one, HipChat's (Payara's service-hipchat). The health check sends to it when healthcheck-hipchat-notifier-configure --enabled.",
  options: [],
  examples: [{ description: 'List the notifier services', command: 'notifier notifier-list-services' }],
};

// Payara's @Service name of its HipChat notifier service.
const SERVICES = ['service-hipchat'];

export async function run(context: CommandContext): Promise<void> {
  // Payara's message ends in a line end, and asadmin adds one: a blank line before the outcome.
  context.print(`Available Notifier Services:\n${SERVICES.map((name) => `\t${name}\n`).join('')}\n`);
}
