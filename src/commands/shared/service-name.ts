// The --serviceName option of the health-check commands, checked against the acceptable values each of
// Payara's commands declares (its @Param acceptableValues, printed raw in the error, spaces included).
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { UsageError } from '../../cli/errors.js';
import { findService, HEALTH_CHECK_SERVICES, type HealthCheckService } from '../../healthcheck/catalog.js';
import { invalidParameter } from './option-values.js';

/** healthcheck-configure-service (HealthCheckServiceConfigurer.java). */
export const CONFIGURE_SERVICE_NAMES =
  'healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem,healthcheck-stuck';
/** healthcheck-configure-service-threshold (HealthCheckServiceThresholdConfigurer.java): no healthcheck-stuck. */
export const THRESHOLD_SERVICE_NAMES =
  'healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem';
/** healthcheck-service-configure-checker-with-thresholds (…ConfigureCheckerWithThresholdsCommand.java), its space included. */
export const CHECKER_WITH_THRESHOLDS_SERVICE_NAMES =
  'healthcheck-cpu,healthcheck-gc,healthcheck-cpool,healthcheck-heap,healthcheck-threads,healthcheck-machinemem, healthcheck-stuck';

export const serviceNameOption: OptionSpec = {
  name: 'serviceName',
  type: 'string',
  required: true,
  valueName: 'NAME',
  description: 'the health check service, e.g. healthcheck-cpu (see healthcheck-list-services)',
};

/**
 * The --serviceName given, when it is one of the command's acceptable values (in any case: notifier does
 * not make a case-sensitive match an error), with Payara's error text otherwise.
 */
export function givenService(args: ParsedArgs, acceptable: string): HealthCheckService {
  const name = stringOption(args, 'serviceName')!;
  const accepted = acceptable.split(',').map((entry) => entry.trim());
  const service = accepted.includes(name.toLowerCase()) ? findService(name) : undefined;
  if (!service) throw invalidParameter('serviceName', name, `it isn't one of these acceptable values: ${acceptable}`);
  return service;
}

/**
 * A service the threshold commands accept that has no thresholds (healthcheck-threads): Payara finds no
 * threshold checker of that name.
 */
export function noThresholdsError(service: HealthCheckService): UsageError {
  return new UsageError(`Service with name ${service.name} could not be found.`);
}

/** The names of the services that pass the test, for messages: 'a, b and c'. */
export function serviceNames(test: (service: HealthCheckService) => boolean): string {
  const names = HEALTH_CHECK_SERVICES.filter(test).map((service) => service.name);
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
