// healthcheck-configure: the health check service of a target on or off, and its historical trace.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { DEFAULT_HISTORICAL_TRACE_STORE_SIZE, ensureHealthcheck } from '../healthcheck/catalog.js';
import type { CommandContext } from './shared/command.js';
import { wholeNumberOption } from './shared/option-values.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'healthcheck-configure',
  details:
    'Switches the health check service of a target on or off; it runs the enabled checkers (healthcheck-configure-service). Options not given keep their stored values.',
  options: [
    { name: 'enabled', type: 'boolean', required: true, description: 'whether the health check service runs' },
    { name: 'historicalTraceEnabled', type: 'boolean', defaultValue: false, description: 'keep the latest results' },
    {
      name: 'historicalTraceStoreSize',
      type: 'string',
      valueName: 'N',
      defaultValue: String(DEFAULT_HISTORICAL_TRACE_STORE_SIZE),
      description: 'how many results the historical trace keeps (1 or more)',
    },
    dynamicOption,
    targetOption,
  ],
  examples: [
    { description: 'Switch health checks on', command: 'notifier healthcheck-configure --enabled' },
    {
      description: 'Keep the last 50 results as well',
      command: 'notifier healthcheck-configure --enabled --historicalTraceEnabled --historicalTraceStoreSize 50',
    },
    {
      description: 'Switch health checks off in the running service at once',
      command: 'notifier healthcheck-configure --enabled=false --dynamic=true',
    },
  ],
};

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const enabled = booleanOption(args, 'enabled')!;
  const historicalTraceEnabled = booleanOption(args, 'historicalTraceEnabled');
  const historicalTraceStoreSize = wholeNumberOption(args, 'historicalTraceStoreSize', { min: 1 });
  await changeTarget(context, args, (section) => {
    const healthcheck = ensureHealthcheck(section);
    healthcheck.enabled = enabled;
    healthcheck.historicalTraceEnabled = historicalTraceEnabled ?? healthcheck.historicalTraceEnabled;
    healthcheck.historicalTraceStoreSize = historicalTraceStoreSize ?? healthcheck.historicalTraceStoreSize;
  });
}
