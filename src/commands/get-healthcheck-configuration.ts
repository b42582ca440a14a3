// get-healthcheck-configuration: the health check service of a target as Payara printed it (status
// lines, the notifier table, the checker table), or JSON for scripts.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { formatColumns } from '../cli/asadmin/table.js';
import type { HealthcheckConfig } from '../config/schema.js';
import { findService, HEALTH_CHECK_SERVICES, healthcheckOf, thresholdsOf, type Thresholds } from '../healthcheck/catalog.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { jsonOption } from './shared/option-values.js';
import { readTarget, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'get-healthcheck-configuration',
  details:
    "Prints whether the health check service is on (with its historical trace settings when it is), asadmin's Name / Notifier Enabled table, and one table of the configured checkers, as Payara did. Threshold cells are empty for checkers without thresholds; a percentage checker without stored thresholds shows the defaults it applies (80 / 50 / 0).",
  options: [targetOption, jsonOption],
  examples: [
    { description: 'Show the health checks of the default target', command: 'notifier get-healthcheck-configuration' },
    {
      description: 'List the enabled checkers in a script',
      command: "notifier get-healthcheck-configuration --json | jq -r '.checkers[] | select(.enabled) | .serviceName'",
    },
  ],
};

const CHECKER_HEADINGS = ['Name', 'Enabled', 'Time', 'Unit', 'Critical Threshold', 'Warning Threshold', 'Good Threshold'];
// Payara names the notifier by its type.
const HIPCHAT_NOTIFIER = 'HIPCHAT';

interface CheckerView {
  serviceName: string;
  checkerName: string;
  enabled: boolean;
  time: number;
  unit: string;
  thresholds: Thresholds | null;
  provided: boolean;
}

function catalogOrder(serviceName: string): number {
  const index = HEALTH_CHECK_SERVICES.findIndex((service) => service.name === serviceName);
  return index === -1 ? HEALTH_CHECK_SERVICES.length : index;
}

/** The stored checkers in Payara's order (any it does not know last), thresholds as applied. */
function checkerViews(healthcheck: HealthcheckConfig): CheckerView[] {
  return Object.entries(healthcheck.checkers)
    .sort(([a], [b]) => catalogOrder(a) - catalogOrder(b))
    .map(([serviceName, checker]) => {
      const service = findService(serviceName);
      const { enabled, time, unit, checkerName } = checker;
      return {
        serviceName,
        checkerName,
        enabled,
        time,
        unit,
        thresholds: thresholdsOf(service, checker) ?? null,
        provided: service?.provided ?? false,
      };
    });
}

function asText(healthcheck: HealthcheckConfig, checkers: CheckerView[]): string {
  const lines = [`Health Check Service Configuration is enabled?: ${healthcheck.enabled}`];
  if (healthcheck.enabled) {
    lines.push(`Historical Tracing Enabled?: ${healthcheck.historicalTraceEnabled}`);
    if (healthcheck.historicalTraceEnabled) lines.push(`Historical Tracing Store Size: ${healthcheck.historicalTraceStoreSize}`);
  }
  lines.push(formatColumns(['Name', 'Notifier Enabled'], [[HIPCHAT_NOTIFIER, String(healthcheck.hipchatNotifier.enabled)]]));
  if (checkers.length > 0) {
    const rows = checkers.map(({ checkerName, enabled, time, unit, thresholds }) => [
      checkerName,
      String(enabled),
      String(time),
      unit,
      ...(thresholds ? [thresholds.critical, thresholds.warning, thresholds.good].map(String) : []),
    ]);
    lines.push(
      'Below are the list of configuration details of each checker listed by its name.',
      '',
      formatColumns(CHECKER_HEADINGS, rows),
    );
  }
  return lines.join('\n');
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const { target, section } = await readTarget(context, args);
  const healthcheck = healthcheckOf(section);
  const checkers = checkerViews(healthcheck);
  if (booleanOption(args, 'json')) {
    const { enabled, historicalTraceEnabled, historicalTraceStoreSize, hipchatNotifier } = healthcheck;
    context.print(
      JSON.stringify({ target, enabled, historicalTraceEnabled, historicalTraceStoreSize, hipchatNotifier, checkers }, null, 2),
    );
    return { quiet: true };
  }
  context.print(asText(healthcheck, checkers));
  return {};
}
