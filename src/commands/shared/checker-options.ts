// What the commands that configure one health checker share (healthcheck-configure-service,
// healthcheck-configure-service-threshold, healthcheck-service-configure-checker-with-thresholds): their
// options, checked as Payara checks them and refused with Payara's texts, and how they change the
// target's checker.
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { UsageError } from '../../cli/errors.js';
import { ConfigError } from '../../config/errors.js';
import { TIME_UNITS, type TargetConfig, type TimeUnit } from '../../config/schema.js';
import {
  DEFAULT_THRESHOLDS,
  DEFAULT_TIME,
  DEFAULT_UNIT,
  defaultChecker,
  ensureHealthcheck,
  parseTimeUnit,
  thresholdsOf,
  thresholdsProblem,
  type HealthCheckService,
  type Thresholds,
} from '../../healthcheck/catalog.js';
import { decimalValue, invalidParameter, type Violation } from './option-values.js';
import { serviceNames } from './service-name.js';

// Payara's acceptable values, which are in alphabetical order.
const ACCEPTABLE_UNITS = [...TIME_UNITS].sort().join(',');

// The messages of Payara's @Min / @Max constraints on these parameters.
const TIME_MIN = 'Time period must be 1 or more';
const THRESHOLD_MIN = 'Threshold is a percentage so must be greater than zero';
const THRESHOLD_MAX = 'Threshold is a percentage so must be less than 100';

export const checkerEnabledOption: OptionSpec = {
  name: 'enabled',
  type: 'boolean',
  required: true,
  description: 'whether this checker runs',
};

export const checkerOptions: OptionSpec[] = [
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
];

const THRESHOLD_NAMES: Record<keyof Thresholds, string> = {
  critical: 'thresholdCritical',
  warning: 'thresholdWarning',
  good: 'thresholdGood',
};

/** --thresholdCritical, --thresholdWarning, --thresholdGood; the stored value (else Payara's default) when not given. */
export const thresholdOptions: OptionSpec[] = (
  [
    ['critical', 'above N% a result is CRITICAL'],
    ['warning', 'above N% (up to critical) it is WARNING'],
    ['good', 'from N% (up to warning) it is GOOD; below, FINE'],
  ] as const
).map(
  ([key, description]): OptionSpec => ({
    name: THRESHOLD_NAMES[key],
    type: 'string',
    valueName: 'N',
    defaultValue: String(DEFAULT_THRESHOLDS[key]),
    description: `${description} (0-100; not given: the stored value)`,
  }),
);

/** What a configure command asks of a checker; undefined fields keep their stored values. */
export interface CheckerChange {
  enabled: boolean;
  time?: number;
  unit?: TimeUnit;
  checkerName?: string;
}

/** --time: Payara's @Min(1) (a violation is added), then notifier's own check that it is a whole number. */
export function givenTime(args: ParsedArgs, violations: Violation[]): number | undefined {
  const text = stringOption(args, 'time');
  if (text === undefined) return undefined;
  const value = decimalValue(text);
  if (value === undefined || value < 1) {
    violations.push({ reason: TIME_MIN, parameter: 'time' });
    return undefined;
  }
  if (!Number.isSafeInteger(value)) throw invalidParameter('time', text, 'it must be a whole number, 1 or more');
  return value;
}

/** --unit, in any case, else Payara's acceptable-values text. */
export function givenUnit(args: ParsedArgs): TimeUnit | undefined {
  const text = stringOption(args, 'unit');
  if (text === undefined) return undefined;
  const unit = parseTimeUnit(text);
  if (!unit) throw invalidParameter('unit', text, `it isn't one of these acceptable values: ${ACCEPTABLE_UNITS}`);
  return unit;
}

/** --checkerName (or the value of Payara's deprecated --name, which --checkerName wins over). */
export function givenCheckerName(args: ParsedArgs, fallbackOption?: string): string | undefined {
  const optionName = stringOption(args, 'checkerName') !== undefined || !fallbackOption ? 'checkerName' : fallbackOption;
  const name = stringOption(args, optionName);
  // The name starts every message of the checker: it must be visible and fit on one line.
  if (name !== undefined && (name.trim() === '' || /[\u0000-\u001f\u007f-\u009f]/.test(name))) {
    throw new UsageError(`Invalid parameter: ${optionName}.  It must not be empty or contain control characters.`);
  }
  return name;
}

/** A threshold given: its value, and its text as typed (Payara prints that back). */
export type GivenThresholds = Partial<Record<keyof Thresholds, { value: number; text: string }>>;

/** The thresholds given, each checked against Payara's @Min(0) / @Max(100) (inclusive; a failed one adds a violation). */
export function givenThresholds(args: ParsedArgs, violations: Violation[]): GivenThresholds {
  const given: GivenThresholds = {};
  for (const key of Object.keys(THRESHOLD_NAMES) as (keyof Thresholds)[]) {
    const parameter = THRESHOLD_NAMES[key];
    const text = stringOption(args, parameter);
    if (text === undefined) continue;
    const value = decimalValue(text);
    // Not a number fails both constraints, as in Payara.
    if (value === undefined || value < 0) violations.push({ reason: THRESHOLD_MIN, parameter });
    if (value === undefined || value > 100) violations.push({ reason: THRESHOLD_MAX, parameter });
    if (value !== undefined && value >= 0 && value <= 100) given[key] = { value, text };
  }
  return given;
}

/** Creates or updates the checker of the service (a new one gets Payara's defaults); its thresholds stay. */
export function applyChecker(section: TargetConfig, service: HealthCheckService, change: CheckerChange): void {
  const checkers = ensureHealthcheck(section).checkers;
  // Spread first: the stored thresholds stay as they are.
  const stored = checkers[service.name] ?? defaultChecker(service);
  checkers[service.name] = {
    ...stored,
    enabled: change.enabled,
    time: change.time ?? stored.time,
    unit: change.unit ?? stored.unit,
    checkerName: change.checkerName ?? stored.checkerName,
  };
}

/**
 * Sets the thresholds given on the service's existing checker (the others keep their stored values) and
 * returns the three as Payara's --dynamic lines print them. Payara's error when there is no checker yet.
 */
export function applyThresholds(
  section: TargetConfig,
  service: HealthCheckService,
  given: GivenThresholds,
): Record<keyof Thresholds, string> {
  const checker = section.healthcheck?.checkers[service.name];
  if (!checker) {
    throw new ConfigError(
      `Health Check Service Checker Configuration with name ${service.name} could not be found. Configure it first: notifier healthcheck-configure-service --serviceName ${service.name} --enabled`,
    );
  }
  const stored = thresholdsOf(service, checker)!;
  const next: Thresholds = {
    critical: given.critical?.value ?? stored.critical,
    warning: given.warning?.value ?? stored.warning,
    good: given.good?.value ?? stored.good,
  };
  const problem = thresholdsProblem(next);
  if (problem) throw new UsageError(problem);
  checker.thresholds = next;
  return {
    critical: given.critical?.text ?? String(next.critical),
    warning: given.warning?.text ?? String(next.warning),
    good: given.good?.text ?? String(next.good),
  };
}

/** What Payara's healthcheck-configure-service-threshold reports with --dynamic=true, and asadmin's blank line after it. */
export function thresholdLines(serviceName: string, values: Record<keyof Thresholds, string>): string {
  return (
    `Critical threshold for ${serviceName} service is set with value ${values.critical}.\n` +
    `Warning threshold for ${serviceName} service is set with value ${values.warning}.\n` +
    `Good threshold for ${serviceName} service is set with value ${values.good}.\n\n`
  );
}

/** The warning for a service Payara has and notifier does not run. */
export function notRunWarning(service: HealthCheckService): string {
  return `notifier does not run ${service.name}: the setting is stored (for Payara) but has no effect here; notifier runs ${serviceNames((known) => known.provided)}`;
}
