// The health-check services Payara knows, and the defaults of a target's health-check section.
// Shared by the configuration commands and the running service: no CLI code here.
import { TIME_UNITS, type CheckerConfig, type HealthcheckConfig, type TargetConfig, type TimeUnit } from '../config/schema.js';

export interface HealthCheckService {
  /** Payara's service name, e.g. 'healthcheck-cpu' (the key of the checker in the config). */
  name: string;
  /** Payara's default checker name, e.g. 'CPUC': the prefix of its messages. */
  defaultCheckerName: string;
  description: string;
  /** Its value is a percentage mapped to a status by thresholds. */
  percentage: boolean;
  /** notifier runs it; the others are kept in the config only, so that Payara's settings survive. */
  provided: boolean;
}

export interface Thresholds {
  critical: number;
  warning: number;
  good: number;
}

// In Payara's order (healthcheck-list-services lists them so).
export const HEALTH_CHECK_SERVICES: readonly HealthCheckService[] = [
  {
    name: 'healthcheck-cpu',
    defaultCheckerName: 'CPUC',
    description: "The machine's CPU use since the last check, as a percentage",
    percentage: true,
    provided: true,
  },
  {
    name: 'healthcheck-machinemem',
    defaultCheckerName: 'MEMM',
    description: 'Physical memory used on the machine, as a percentage',
    percentage: true,
    provided: true,
  },
  {
    name: 'healthcheck-heap',
    defaultCheckerName: 'HEAP',
    description: "The notification service's own heap used, as a percentage of its limit",
    percentage: true,
    provided: true,
  },
  {
    name: 'healthcheck-gc',
    defaultCheckerName: 'GBGC',
    description: 'Garbage collections since the last check',
    percentage: false,
    provided: false,
  },
  { name: 'healthcheck-threads', defaultCheckerName: 'HOGT', description: 'Threads hogging the CPU', percentage: false, provided: false },
  {
    name: 'healthcheck-stuck',
    defaultCheckerName: 'STUCK',
    description: 'Requests running longer than a threshold',
    percentage: false,
    provided: false,
  },
  { name: 'healthcheck-cpool', defaultCheckerName: 'CONP', description: 'Connection pool usage', percentage: false, provided: false },
];

export const DEFAULT_TIME = 5;
export const DEFAULT_UNIT: TimeUnit = 'MINUTES';
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = { critical: 80, warning: 50, good: 0 };
export const DEFAULT_HISTORICAL_TRACE_STORE_SIZE = 20;

/** The service of that name (any case), or undefined when Payara has none. */
export function findService(name: string): HealthCheckService | undefined {
  const wanted = name.toLowerCase();
  return HEALTH_CHECK_SERVICES.find((service) => service.name === wanted);
}

/** The time unit of that name (any case), or undefined. */
export function parseTimeUnit(text: string): TimeUnit | undefined {
  const upper = text.toUpperCase();
  return TIME_UNITS.find((unit) => unit === upper);
}

/** What a target without a stored health-check section means: everything off, Payara's defaults. */
export function defaultHealthcheck(): HealthcheckConfig {
  return {
    enabled: false,
    historicalTraceEnabled: false,
    historicalTraceStoreSize: DEFAULT_HISTORICAL_TRACE_STORE_SIZE,
    hipchatNotifier: { enabled: false, noisy: true },
    checkers: {},
  };
}

/** The target's health-check section, or the defaults when it has none (the schema makes a stored one complete). */
export function healthcheckOf(target: TargetConfig | undefined): HealthcheckConfig {
  return target?.healthcheck ?? defaultHealthcheck();
}

/** The target's stored health-check section, created with the defaults first if need be: for changing it. */
export function ensureHealthcheck(target: TargetConfig): HealthcheckConfig {
  return (target.healthcheck ??= defaultHealthcheck());
}

/** A new checker of the service, as Payara created one: off, time and unit defaults, its default name. */
export function defaultChecker(service: HealthCheckService): CheckerConfig {
  return { enabled: false, time: DEFAULT_TIME, unit: DEFAULT_UNIT, checkerName: service.defaultCheckerName };
}

/** The thresholds a percentage checker applies (stored, else the defaults); undefined for the others. */
export function thresholdsOf(service: HealthCheckService | undefined, checker: CheckerConfig): Thresholds | undefined {
  if (!service?.percentage) return undefined;
  return checker.thresholds ?? { ...DEFAULT_THRESHOLDS };
}

/** Why the thresholds make no sense (critical below warning, or warning below good), or undefined. */
export function thresholdsProblem({ critical, warning, good }: Thresholds): string | undefined {
  if (critical >= warning && warning >= good) return undefined;
  return `Invalid thresholds: critical ${critical}, warning ${warning}, good ${good}; they must satisfy critical >= warning >= good`;
}
