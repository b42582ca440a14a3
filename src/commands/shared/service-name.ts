// The --serviceName option of the health-check commands, checked against Payara's catalog.
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { UsageError } from '../../cli/errors.js';
import { findService, HEALTH_CHECK_SERVICES, type HealthCheckService } from '../../healthcheck/catalog.js';

export const serviceNameOption: OptionSpec = {
  name: 'serviceName',
  type: 'string',
  required: true,
  valueName: 'NAME',
  description: 'the health check service, e.g. healthcheck-cpu (see healthcheck-list-services)',
};

/** The --serviceName given (any case), with Payara's error for one it does not know. */
export function givenService(args: ParsedArgs): HealthCheckService {
  const name = stringOption(args, 'serviceName')!;
  const service = findService(name);
  if (!service) throw new UsageError(`Service with name ${name} could not be found.`);
  return service;
}

/** The names of the services that pass the test, for messages: 'a, b and c'. */
export function serviceNames(test: (service: HealthCheckService) => boolean): string {
  const names = HEALTH_CHECK_SERVICES.filter(test).map((service) => service.name);
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
