// healthcheck-configure: the health check service of a target on or off, and its historical trace (the
// results the running service keeps for list-historic-healthchecks).
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import {
  DEFAULT_HISTORICAL_TRACE_STORE_SIZE,
  ensureHealthcheck,
  MAX_HISTORICAL_TRACE_STORE_SIZE,
  storeTimeoutSeconds,
} from '../healthcheck/catalog.js';
import type { CommandContext } from './shared/command.js';
import { constraintError, integerOption, invalidParameter } from './shared/option-values.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'healthcheck-configure',
  details: `Switches the health check service of a target on or off; it runs the enabled checkers (healthcheck-configure-service). With the historical trace on, the running service keeps its latest results (at most --historicalTraceStoreSize, none older than --historicalTraceStoreTimeout) in the state folder, for list-historic-healthchecks. Options not given keep their stored values.`,
  options: [
    { name: 'enabled', type: 'boolean', required: true, description: 'whether the health check service runs' },
    {
      name: 'historicalTraceEnabled',
      type: 'boolean',
      defaultValue: false,
      description: 'keep the latest results (list-historic-healthchecks)',
    },
    {
      name: 'historicalTraceStoreSize',
      type: 'string',
      valueName: 'N',
      defaultValue: String(DEFAULT_HISTORICAL_TRACE_STORE_SIZE),
      description: `how many results the historical trace keeps (1 to ${MAX_HISTORICAL_TRACE_STORE_SIZE})`,
    },
    {
      name: 'historicalTraceStoreTimeout',
      type: 'string',
      valueName: 'TIME',
      description: "drop results older than this: seconds, or a number and s, m, h or d (e.g. 300, 5m, 1d); '' for no limit",
    },
    {
      name: 'notifierEnabled',
      type: 'boolean',
      description: 'deprecated (as in Payara, where it switched the log notifier, which notifier does not have): no effect',
    },
    dynamicOption,
    targetOption,
  ],
  examples: [
    { description: 'Switch health checks on', command: 'notifier healthcheck-configure --enabled' },
    {
      description: 'Keep the last 50 results, none older than a day',
      command:
        'notifier healthcheck-configure --enabled --historicalTraceEnabled --historicalTraceStoreSize 50 --historicalTraceStoreTimeout 1d',
    },
    {
      description: 'Switch health checks off in the running service at once',
      command: 'notifier healthcheck-configure --enabled=false --dynamic=true',
    },
  ],
};

function givenStoreSize(args: ParsedArgs): number | undefined {
  const size = integerOption(args, 'historicalTraceStoreSize');
  if (size !== undefined && size < 1) {
    throw constraintError(spec.name, [{ reason: 'Store size must be greater than 0', parameter: 'historicalTraceStoreSize' }]);
  }
  if (size !== undefined && size > MAX_HISTORICAL_TRACE_STORE_SIZE) {
    throw invalidParameter('historicalTraceStoreSize', String(size), `notifier keeps at most ${MAX_HISTORICAL_TRACE_STORE_SIZE} results`);
  }
  return size;
}

/** The timeout as typed ('' forgets it), checked: Payara stores anything and reads what it can. */
function givenStoreTimeout(args: ParsedArgs): string | undefined {
  const text = stringOption(args, 'historicalTraceStoreTimeout');
  if (text !== undefined && text !== '' && storeTimeoutSeconds(text) === undefined) {
    throw invalidParameter('historicalTraceStoreTimeout', text, 'it must be a number of seconds, or a number followed by s, m, h or d');
  }
  return text;
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const enabled = booleanOption(args, 'enabled')!;
  const historicalTraceEnabled = booleanOption(args, 'historicalTraceEnabled');
  const historicalTraceStoreSize = givenStoreSize(args);
  const historicalTraceStoreTimeout = givenStoreTimeout(args);
  await changeTarget(context, args, (section) => {
    const healthcheck = ensureHealthcheck(section);
    healthcheck.enabled = enabled;
    healthcheck.historicalTraceEnabled = historicalTraceEnabled ?? healthcheck.historicalTraceEnabled;
    healthcheck.historicalTraceStoreSize = historicalTraceStoreSize ?? healthcheck.historicalTraceStoreSize;
    if (historicalTraceStoreTimeout === '') delete healthcheck.historicalTraceStoreTimeout;
    else if (historicalTraceStoreTimeout !== undefined) healthcheck.historicalTraceStoreTimeout = historicalTraceStoreTimeout;
  });
  if (booleanOption(args, 'notifierEnabled') !== undefined) {
    context.warn(
      "--notifierEnabled is deprecated: in Payara it switched the health check's log notifier, which notifier does not have; it has no effect",
    );
  }
}
