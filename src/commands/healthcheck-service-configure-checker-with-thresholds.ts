// healthcheck-service-configure-checker-with-thresholds: Payara's one-shot of healthcheck-configure-service
// and healthcheck-configure-service-threshold, in one change of the configuration: all or nothing.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import type { Thresholds } from '../healthcheck/catalog.js';
import {
  applyChecker,
  applyThresholds,
  checkerEnabledOption,
  checkerOptions,
  givenCheckerName,
  givenThresholds,
  givenTime,
  givenUnit,
  notRunWarning,
  thresholdLines,
  thresholdOptions,
} from './shared/checker-options.js';
import type { CommandContext } from './shared/command.js';
import { constraintError, invalidParameter, type Violation } from './shared/option-values.js';
import {
  CHECKER_WITH_THRESHOLDS_SERVICE_NAMES,
  givenService,
  noThresholdsError,
  serviceNameOption,
  serviceNames,
  THRESHOLD_SERVICE_NAMES,
} from './shared/service-name.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'healthcheck-service-configure-checker-with-thresholds',
  details: `Configures a checker and its thresholds at once, as healthcheck-configure-service followed by healthcheck-configure-service-threshold would, but in one change: if anything is refused, nothing is stored. Thresholds are for the threshold checkers (${serviceNames((known) => known.kind === 'threshold')}); options not given keep their stored values.`,
  options: [serviceNameOption, checkerEnabledOption, ...checkerOptions, ...thresholdOptions, dynamicOption, targetOption],
  examples: [
    {
      description: 'Check the heap every minute; above 90% is critical, above 75% a warning',
      command:
        'notifier healthcheck-service-configure-checker-with-thresholds --serviceName healthcheck-heap --enabled --time 1 --unit MINUTES --thresholdCritical 90 --thresholdWarning 75',
    },
    {
      description: 'Check the CPU every 10 seconds in the running service at once, printing the thresholds it applies',
      command:
        'notifier healthcheck-service-configure-checker-with-thresholds --serviceName healthcheck-cpu --enabled --time 10 --unit SECONDS --dynamic=true',
    },
  ],
};

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const service = givenService(args, CHECKER_WITH_THRESHOLDS_SERVICE_NAMES);
  const unit = givenUnit(args);
  const violations: Violation[] = [];
  const time = givenTime(args, violations);
  const given = givenThresholds(args, violations);
  if (violations.length > 0) throw constraintError(spec.name, violations);
  const checkerName = givenCheckerName(args);
  const enabled = booleanOption(args, 'enabled')!;
  const thresholds = service.kind === 'threshold';
  if (!thresholds && Object.keys(given).length > 0) {
    // Payara's threshold step refuses these services (and leaves the checker half configured).
    if (service.kind === 'stuck')
      throw invalidParameter('serviceName', service.name, `it isn't one of these acceptable values: ${THRESHOLD_SERVICE_NAMES}`);
    throw noThresholdsError(service);
  }
  let applied: Record<keyof Thresholds, string> | undefined;
  await changeTarget(context, args, (section) => {
    applyChecker(section, service, { enabled, time, unit, checkerName });
    if (thresholds) applied = applyThresholds(section, service, given);
  });
  if (applied && booleanOption(args, 'dynamic')) context.print(thresholdLines(service.name, applied));
  if (!service.provided) context.warn(notRunWarning(service));
}
