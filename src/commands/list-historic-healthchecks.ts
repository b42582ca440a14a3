// list-historic-healthchecks: the results the running notification service kept (healthcheck-configure
// --historicalTraceEnabled), newest first, as Payara's ListHistoricHealthChecks table, or JSON.
import { booleanOption, stringOption, type CommandSpec, type ParsedArgs } from '../cli/asadmin/options.js';
import { formatColumns } from '../cli/asadmin/table.js';
import { resolveStateDir } from '../config/paths.js';
import { healthcheckOf, historySettingsOf } from '../healthcheck/catalog.js';
import { javaDateString } from '../healthcheck/payara-format.js';
import { historyFile, readHistory, type HistoryEntry } from '../service/history.js';
import type { CommandContext, CommandOutcome } from './shared/command.js';
import { integerOption, invalidParameter, jsonOption } from './shared/option-values.js';
import { readTarget, targetOption } from './shared/target.js';

export const spec: CommandSpec = {
  name: 'list-historic-healthchecks',
  details:
    "Prints the health check results the notification service of the target kept, newest first, as Payara's Occurring Date / Health Check Message table (dates in the local time zone, as java.util.Date prints them). They are kept while the health check service and its historical trace are on (healthcheck-configure --enabled --historicalTraceEnabled), at most --historicalTraceStoreSize of them, and survive a restart of the service. With the health check service off it says so, as Payara did.",
  options: [
    targetOption,
    { name: 'first', type: 'string', valueName: 'N', description: 'only the N newest results (default: all, up to the store size)' },
    jsonOption,
  ],
  examples: [
    { description: 'The kept results of the default target', command: 'notifier list-historic-healthchecks' },
    { description: 'The last 5', command: 'notifier list-historic-healthchecks --first 5' },
    {
      description: 'Every result worse than INFO, in a script',
      command: 'notifier list-historic-healthchecks --json | jq -r \'.entries[] | select(.level != "INFO") | .message\'',
    },
  ],
};

const HEADINGS = ['Occurring Date', 'Health Check Message'];
// Payara's ListHistoricHealthChecks.constructMessage joins level, subject and message with this.
const SEPARATOR = ' - ';

function givenFirst(args: ParsedArgs): number | undefined {
  const first = integerOption(args, 'first');
  if (first !== undefined && first < 0) throw invalidParameter('first', stringOption(args, 'first')!, 'it must be 0 or more');
  return first;
}

function columnText(entry: HistoryEntry): string {
  return [entry.level, entry.subject, entry.message].join(SEPARATOR);
}

export async function run(context: CommandContext, args: ParsedArgs): Promise<CommandOutcome> {
  const first = givenFirst(args);
  const { target, section } = await readTarget(context, args);
  const healthcheck = healthcheckOf(section);
  const settings = historySettingsOf(healthcheck);
  // While the historical trace is off there is no history to show (Payara has no store then).
  const entries = settings
    ? readHistory(
        historyFile({ stateDir: resolveStateDir(context.env), configPath: context.configPath, target }),
        settings,
        first ?? settings.size,
      )
    : [];

  if (booleanOption(args, 'json')) {
    const json = {
      target,
      enabled: healthcheck.enabled,
      historicalTraceEnabled: healthcheck.historicalTraceEnabled,
      entries: entries.map(({ time, level, subject, message }) => ({ time: new Date(time).toISOString(), level, subject, message })),
    };
    context.print(JSON.stringify(json, null, 2));
    return { quiet: true };
  }
  if (!healthcheck.enabled) {
    context.print('Health Check service is not enabled');
    return {};
  }
  context.print(
    formatColumns(
      HEADINGS,
      entries.map((entry) => [javaDateString(entry.time), columnText(entry)]),
    ),
  );
  return {};
}
