// healthcheck-configure-service-threshold: the thresholds of a threshold checker (cpu, machinemem, heap,
// gc, cpool), as Payara's command, whose documentation example is this one.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { applyThresholds, givenThresholds, notRunWarning, thresholdLines, thresholdOptions } from './shared/checker-options.js';
import type { CommandContext } from './shared/command.js';
import { constraintError, type Violation } from './shared/option-values.js';
import { givenService, noThresholdsError, serviceNameOption, serviceNames, THRESHOLD_SERVICE_NAMES } from './shared/service-name.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'healthcheck-configure-service-threshold',
  details: `Sets the thresholds (0-100, critical >= warning >= good) of a threshold checker: ${serviceNames((known) => known.kind === 'threshold')}. The checker must exist (healthcheck-configure-service); thresholds not given keep their stored values. With --dynamic=true it prints the three thresholds, as Payara did.`,
  options: [serviceNameOption, ...thresholdOptions, dynamicOption, targetOption],
  examples: [
    {
      description: "Payara's documentation example: connection pool thresholds",
      command:
        'notifier healthcheck-configure-service-threshold --serviceName=healthcheck-cpool --thresholdCritical=90 --thresholdWarning=50 --thresholdGood=0',
    },
    {
      description: 'Heap above 90% is critical, above 70% a warning',
      command:
        'notifier healthcheck-configure-service-threshold --serviceName healthcheck-heap --thresholdCritical 90 --thresholdWarning 70',
    },
    {
      description: 'Only report CPU use of 20% or more as GOOD, in the running service at once',
      command: 'notifier healthcheck-configure-service-threshold --serviceName healthcheck-cpu --thresholdGood 20 --dynamic=true',
    },
  ],
};

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const service = givenService(args, THRESHOLD_SERVICE_NAMES);
  const violations: Violation[] = [];
  const given = givenThresholds(args, violations);
  if (violations.length > 0) throw constraintError(spec.name, violations);
  if (service.kind !== 'threshold') throw noThresholdsError(service);
  let applied: ReturnType<typeof applyThresholds> | undefined;
  await changeTarget(context, args, (section) => {
    applied = applyThresholds(section, service, given);
  });
  if (booleanOption(args, 'dynamic')) context.print(thresholdLines(service.name, applied!));
  if (!service.provided) context.warn(notRunWarning(service));
}
