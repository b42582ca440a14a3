// healthcheck-configure-service: one checker of a target (on/off, how often, its name).
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import { TIME_UNITS, type TimeUnit } from '../config/schema.js';
import { DEFAULT_TIME, DEFAULT_UNIT, defaultChecker, ensureHealthcheck, parseTimeUnit } from '../healthcheck/catalog.js';
import type { CommandContext } from './shared/command.js';
import { invalidParameter, wholeNumberOption } from './shared/option-values.js';
import { givenService, serviceNameOption, serviceNames } from './shared/service-name.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

// asadmin lists Payara's acceptable values, which are in alphabetical order.
const ACCEPTABLE_UNITS = [...TIME_UNITS].sort().join(',');

function givenUnit(args: ParsedArgs): TimeUnit | undefined {
  const text = stringOption(args, 'unit');
  if (text === undefined) return undefined;
  const unit = parseTimeUnit(text);
  if (!unit) throw invalidParameter('unit', text, `it isn't one of these acceptable values: ${ACCEPTABLE_UNITS}`);
  return unit;
}

function givenCheckerName(args: ParsedArgs): string | undefined {
  const name = stringOption(args, 'checkerName');
  // The name starts every message of the checker: it must be visible and fit on one line.
  if (name !== undefined && (name.trim() === '' || /[\u0000-\u001f\u007f-\u009f]/.test(name))) {
    throw new UsageError('Invalid parameter: checkerName.  It must not be empty or contain control characters.');
  }
  return name;
}

export const spec: CommandSpec = {
  name: 'healthcheck-configure-service',
  details: `Creates or updates the checker of one health check service. Options not given keep their stored values (for a new checker: every ${DEFAULT_TIME} ${DEFAULT_UNIT}, named as in healthcheck-list-services). Services that notifier does not run (${serviceNames((known) => !known.provided)}) are stored with a warning, so that settings written for Payara keep working.`,
  options: [
    serviceNameOption,
    { name: 'enabled', type: 'boolean', required: true, description: 'whether this checker runs' },
    {
      name: 'time',
      type: 'string',
      valueName: 'N',
      defaultValue: String(DEFAULT_TIME),
      description: 'run the checker every N units (1 or more)',
    },
    {
      name: 'unit',
      type: 'string',
      valueName: 'UNIT',
      defaultValue: DEFAULT_UNIT,
      description: `unit of --time, one of ${ACCEPTABLE_UNITS} (any case)`,
    },
    {
      name: 'checkerName',
      type: 'string',
      valueName: 'NAME',
      description: "name at the start of the checker's messages (default: the service's, e.g. CPUC)",
    },
    dynamicOption,
    targetOption,
  ],
  examples: [
    {
      description: 'Check the CPU every 5 minutes',
      command: 'notifier healthcheck-configure-service --serviceName healthcheck-cpu --enabled',
    },
    {
      description: 'Check the heap every 30 seconds, in the running service at once',
      command: 'notifier healthcheck-configure-service --serviceName healthcheck-heap --enabled --time 30 --unit seconds --dynamic=true',
    },
    {
      description: 'Stop checking machine memory, keeping its settings',
      command: 'notifier healthcheck-configure-service --serviceName healthcheck-machinemem --enabled=false',
    },
  ],
};

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const service = givenService(args);
  const enabled = booleanOption(args, 'enabled')!;
  const time = wholeNumberOption(args, 'time', { min: 1 });
  const unit = givenUnit(args);
  const checkerName = givenCheckerName(args);
  await changeTarget(context, args, (section) => {
    const checkers = ensureHealthcheck(section).checkers;
    // Spread first: the stored thresholds stay as they are.
    const stored = checkers[service.name] ?? defaultChecker(service);
    checkers[service.name] = {
      ...stored,
      enabled,
      time: time ?? stored.time,
      unit: unit ?? stored.unit,
      checkerName: checkerName ?? stored.checkerName,
    };
  });
  if (!service.provided) {
    context.warn(
      `notifier does not run ${service.name}: the setting is stored (for Payara) but has no effect here; notifier runs ${serviceNames((known) => known.provided)}`,
    );
  }
}
