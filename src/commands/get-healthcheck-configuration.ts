// get-healthcheck-configuration: the health check service of a target laid out as Payara's
// GetHealthCheckConfiguration: its status lines, the notifier table (when there is a notifier), then one
// table per kind of checker, or JSON for scripts.
import { booleanOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { formatColumns } from '../cli/asadmin/table.js';
import type { CheckerConfig, HealthcheckConfig } from '../config/schema.js';
import {
  findService,
  HEALTH_CHECK_SERVICES,
  healthcheckOf,
  HOGGING_THREADS_DEFAULTS,
  STUCK_THREADS_DEFAULTS,
  thresholdsOf,
  type CheckerKind,
} from '../healthcheck/catalog.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { jsonOption } from './shared/option-values.js';
import { readTarget, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'get-healthcheck-configuration',
  details:
    "Prints whether the health check service is on (with its historical trace settings when it is), asadmin's Name / Notifier Enabled table when the health check has a notifier, and the configured checkers in Payara's tables: hogging threads, threshold checkers, stuck threads. A threshold never stored shows '-' (the checker applies 80 / 50 / 0). --json gives the thresholds as applied.",
  options: [targetOption, jsonOption],
  examples: [
    { description: 'Show the health checks of the default target', command: 'notifier get-healthcheck-configuration' },
    {
      description: 'List the enabled checkers in a script',
      command: "notifier get-healthcheck-configuration --json | jq -r '.checkers[] | select(.enabled) | .serviceName'",
    },
  ],
};

const BASE_HEADINGS = ['Name', 'Enabled', 'Time', 'Unit'];
// Payara's tables, in the order it prints them (a checker of no known kind goes in the first).
const TABLES: { kind: CheckerKind | 'base'; headings: string[] }[] = [
  { kind: 'base', headings: BASE_HEADINGS },
  { kind: 'hogging', headings: [...BASE_HEADINGS, 'Threshold Percentage', 'Retry Count'] },
  { kind: 'threshold', headings: [...BASE_HEADINGS, 'Critical Threshold', 'Warning Threshold', 'Good Threshold'] },
  { kind: 'stuck', headings: [...BASE_HEADINGS, 'Threshold Time', 'Threshold Unit'] },
];
// Payara names the notifier by its type.
const HIPCHAT_NOTIFIER = 'HIPCHAT';
// Payara's value for a threshold property never stored.
const NOT_STORED = '-';

function catalogOrder(serviceName: string): number {
  const index = HEALTH_CHECK_SERVICES.findIndex((service) => service.name === serviceName);
  return index === -1 ? HEALTH_CHECK_SERVICES.length : index;
}

/** The stored checkers in catalog order (any it does not know last). */
function storedCheckers(healthcheck: HealthcheckConfig): [string, CheckerConfig][] {
  return Object.entries(healthcheck.checkers).sort(([a], [b]) => catalogOrder(a) - catalogOrder(b));
}

/** The cells a checker's table has beyond Name, Enabled, Time and Unit. */
function ownCells(kind: CheckerKind | 'base', checker: CheckerConfig): string[] {
  switch (kind) {
    case 'hogging':
      return [HOGGING_THREADS_DEFAULTS.thresholdPercentage, HOGGING_THREADS_DEFAULTS.retryCount].map(String);
    case 'threshold': {
      const stored = checker.thresholds;
      return stored ? [stored.critical, stored.warning, stored.good].map(String) : [NOT_STORED, NOT_STORED, NOT_STORED];
    }
    case 'stuck':
      return [String(STUCK_THREADS_DEFAULTS.threshold), STUCK_THREADS_DEFAULTS.thresholdTimeUnit];
    case 'base':
      return [];
  }
}

function asText(healthcheck: HealthcheckConfig): string {
  let text = `Health Check Service Configuration is enabled?: ${healthcheck.enabled}\n`;
  if (healthcheck.enabled) {
    text += `Historical Tracing Enabled?: ${healthcheck.historicalTraceEnabled}\n`;
    if (healthcheck.historicalTraceEnabled) text += `Historical Tracing Store Size: ${healthcheck.historicalTraceStoreSize}\n`;
    // Payara prints the timeout as stored ('5m' too), whatever the label says.
    if (healthcheck.historicalTraceStoreTimeout) {
      text += `Health Check Historical Tracing Store Timeout in Seconds: ${healthcheck.historicalTraceStoreTimeout}\n`;
    }
  }
  if (healthcheck.hipchatNotifier) {
    text += `${formatColumns(['Name', 'Notifier Enabled'], [[HIPCHAT_NOTIFIER, String(healthcheck.hipchatNotifier.enabled)]])}\n`;
  }
  text += 'Below are the list of configuration details of each checker listed by its name.\n';
  const checkers = storedCheckers(healthcheck);
  for (const { kind, headings } of TABLES) {
    const rows = checkers
      .filter(([serviceName]) => (findService(serviceName)?.kind ?? 'base') === kind)
      .map(([, checker]) => [checker.checkerName, String(checker.enabled), String(checker.time), checker.unit, ...ownCells(kind, checker)]);
    // asadmin puts a line end before each table after the first message, and each ends with one.
    if (rows.length > 0) text += `\n${formatColumns(headings, rows)}\n`;
  }
  // asadmin's own line end after the report: the blank line before the outcome.
  return `${text}\n`;
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const { target, section } = await readTarget(context, args);
  const healthcheck = healthcheckOf(section);
  if (booleanOption(args, 'json')) {
    const { enabled, historicalTraceEnabled, historicalTraceStoreSize, historicalTraceStoreTimeout, hipchatNotifier } = healthcheck;
    const checkers = storedCheckers(healthcheck).map(([serviceName, checker]) => {
      const service = findService(serviceName);
      const { enabled: checkerEnabled, time, unit, checkerName } = checker;
      return {
        serviceName,
        checkerName,
        enabled: checkerEnabled,
        time,
        unit,
        thresholds: thresholdsOf(service, checker) ?? null,
        provided: service?.provided ?? false,
      };
    });
    const json = {
      target,
      enabled,
      historicalTraceEnabled,
      historicalTraceStoreSize,
      historicalTraceStoreTimeout: historicalTraceStoreTimeout ?? null,
      hipchatNotifier: hipchatNotifier ?? null,
      checkers,
    };
    context.print(JSON.stringify(json, null, 2));
    return { quiet: true };
  }
  context.print(asText(healthcheck));
  return {};
}
