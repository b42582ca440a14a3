// healthcheck-configure-service-threshold: the thresholds of a percentage checker (cpu, machinemem, heap).
import type { CommandSpec, OptionSpec, ParsedArgs } from '../cli/asadmin/options.js';
import { UsageError } from '../cli/errors.js';
import { ConfigError } from '../config/errors.js';
import { DEFAULT_THRESHOLDS, thresholdsOf, thresholdsProblem, type Thresholds } from '../healthcheck/catalog.js';
import type { CommandContext } from './shared/command.js';
import { wholeNumberOption } from './shared/option-values.js';
import { givenService, serviceNameOption, serviceNames } from './shared/service-name.js';
import { changeTarget, dynamicOption, targetOption } from './shared/target.js';

const THRESHOLD_OPTIONS: Record<keyof Thresholds, OptionSpec> = {
  critical: {
    name: 'thresholdCritical',
    type: 'string',
    valueName: 'N',
    defaultValue: String(DEFAULT_THRESHOLDS.critical),
    description: 'above N% a result is CRITICAL',
  },
  warning: {
    name: 'thresholdWarning',
    type: 'string',
    valueName: 'N',
    defaultValue: String(DEFAULT_THRESHOLDS.warning),
    description: 'above N% (up to critical) it is WARNING',
  },
  good: {
    name: 'thresholdGood',
    type: 'string',
    valueName: 'N',
    defaultValue: String(DEFAULT_THRESHOLDS.good),
    description: 'from N% (up to warning) it is GOOD; below, FINE',
  },
};

export const spec: CommandSpec = {
  name: 'healthcheck-configure-service-threshold',
  details: `Sets the thresholds (0-100, critical >= warning >= good) of a percentage checker: ${serviceNames((known) => known.percentage)}. The checker must exist (healthcheck-configure-service); thresholds not given keep their stored values.`,
  options: [serviceNameOption, THRESHOLD_OPTIONS.critical, THRESHOLD_OPTIONS.warning, THRESHOLD_OPTIONS.good, dynamicOption, targetOption],
  examples: [
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

function givenThresholds(args: ParsedArgs): Partial<Thresholds> {
  const given = (key: keyof Thresholds) =>
    wholeNumberOption(args, THRESHOLD_OPTIONS[key].name, {
      min: 0,
      max: 100,
      reason: 'a threshold is a percentage so must be a whole number from 0 to 100',
    });
  return { critical: given('critical'), warning: given('warning'), good: given('good') };
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<void> {
  const service = givenService(args);
  if (!service.percentage) {
    throw new UsageError(`${service.name} has no thresholds: only the percentage checkers ${serviceNames((known) => known.percentage)} do`);
  }
  const given = givenThresholds(args);
  await changeTarget(context, args, (section) => {
    const checker = section.healthcheck?.checkers[service.name];
    if (!checker) {
      throw new ConfigError(
        `Health Check Service Checker Configuration with name ${service.name} could not be found. Configure it first: notifier healthcheck-configure-service --serviceName ${service.name} --enabled`,
      );
    }
    const stored = thresholdsOf(service, checker)!;
    const next: Thresholds = {
      critical: given.critical ?? stored.critical,
      warning: given.warning ?? stored.warning,
      good: given.good ?? stored.good,
    };
    const problem = thresholdsProblem(next);
    if (problem) throw new UsageError(problem);
    checker.thresholds = next;
  });
}
