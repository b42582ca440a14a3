// healthcheck-configure-service: one checker of a target (on/off, how often, its name).
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { DEFAULT_TIME, DEFAULT_UNIT } from '../healthcheck/catalog.js';
import {
  applyChecker,
  checkerEnabledOption,
  checkerOptions,
  givenCheckerName,
  givenTime,
  givenUnit,
  notRunWarning,
} from './shared/checker-options.js';
import type { CommandContext } from './shared/command.js';
import { constraintError, type Violation } from './shared/option-values.js';
import { CONFIGURE_SERVICE_NAMES, givenService, serviceNameOption, serviceNames } from './shared/service-name.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

// Payara's report for its deprecated --name, word for word (HealthCheckServiceConfigurer.java), and the
// line end asadmin adds after a report.
const NAME_DEPRECATED = '\n--name parameter is decremented, please begin using the --checkerName option\n\n';

export const spec: CommandSpec = {
  name: 'healthcheck-configure-service',
  details: `Creates or updates the checker of one health check service. Options not given keep their stored values (for a new checker: every ${DEFAULT_TIME} ${DEFAULT_UNIT}, named as in healthcheck-list-services). Services that notifier does not run (${serviceNames((known) => !known.provided)}) are stored with a warning, so that settings written for Payara keep working.`,
  options: [
    serviceNameOption,
    checkerEnabledOption,
    ...checkerOptions,
    { name: 'name', type: 'string', valueName: 'NAME', description: 'deprecated (as in Payara): the same as --checkerName, which wins' },
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
  const service = givenService(args, CONFIGURE_SERVICE_NAMES);
  const unit = givenUnit(args);
  const violations: Violation[] = [];
  const time = givenTime(args, violations);
  if (violations.length > 0) throw constraintError(spec.name, violations);
  const checkerName = givenCheckerName(args, 'name');
  const enabled = booleanOption(args, 'enabled')!;
  await changeTarget(context, args, (section) => applyChecker(section, service, { enabled, time, unit, checkerName }));
  if (stringOption(args, 'name') !== undefined) context.print(NAME_DEPRECATED);
  if (!service.provided) context.warn(notRunWarning(service));
}
