// healthcheck-list-services: the health check services Payara knows, as asadmin's Name / Description table.
import type { CommandSpec } from '../cli/asadmin/options.js';
import { formatColumns } from '../cli/asadmin/table.js';
import { HEALTH_CHECK_SERVICES } from '../healthcheck/catalog.js';
import type { CommandContext } from './shared/command.js';

export const spec: CommandSpec = {
  name: 'healthcheck-list-services',
  details:
    'Lists the services healthcheck-configure-service accepts. Those marked "not run by notifier" are accepted and stored, so that settings written for Payara keep working, but nothing checks them here.',
  options: [],
  examples: [{ description: 'List the health check services', command: 'notifier healthcheck-list-services' }],
};

export async function run(context: CommandContext): Promise<void> {
  const rows = HEALTH_CHECK_SERVICES.map((service) => [
    service.name,
    service.provided ? service.description : `${service.description} (not run by notifier)`,
  ]);
  context.print(`Available Health Check Services:\n${formatColumns(['Name', 'Description'], rows)}`);
}
