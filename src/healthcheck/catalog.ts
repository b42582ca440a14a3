// The health-check services Payara knows, and the defaults of a target's health-check section.
// Shared by the configuration commands and the running service: no CLI code here.
import { TIME_UNITS, type CheckerConfig, type HealthcheckConfig, type TargetConfig, type TimeUnit } from '../config/schema.js';

/**
 * How Payara's get-healthcheck-configuration groups a checker: a threshold checker (BaseThresholdHealthCheck:
 * cpu, gc, heap, machinemem, cpool), the hogging-threads or the stuck-threads checker.
 */
export type CheckerKind = 'threshold' | 'hogging' | 'stuck';

export interface HealthCheckService {
  /** Payara's service name, e.g. 'healthcheck-cpu' (the key of the checker in the config). */
  name: string;
  /** Payara's default checker name, e.g. 'CPUC': the prefix of its messages. */
  defaultCheckerName: string;
  description: string;
  /** Which of Payara's tables it is in; a threshold checker has critical / warning / good percentages. */
  kind: CheckerKind;
  /** notifier runs it; the others are kept in the config only, so that Payara's settings survive. */
  provided: boolean;
}

export interface Thresholds {
  critical: number;
  warning: number;
  good: number;
}

// In the order healthcheck-list-services lists them.
export const HEALTH_CHECK_SERVICES: readonly HealthCheckService[] = [
  {
    name: 'healthcheck-cpu',
    defaultCheckerName: 'CPUC',
    description: "The machine's CPU use since the last check, as a percentage",
    kind: 'threshold',
    provided: true,
  },
  {
    name: 'healthcheck-machinemem',
    defaultCheckerName: 'MEMM',
    description: 'Physical memory used on the machine, as a percentage',
    kind: 'threshold',
    provided: true,
  },
  {
    name: 'healthcheck-heap',
    defaultCheckerName: 'HEAP',
    description: "The notification service's own heap used, as a percentage of its limit",
    kind: 'threshold',
    provided: true,
  },
  {
    name: 'healthcheck-gc',
    defaultCheckerName: 'GBGC',
    description: 'Garbage collections since the last check',
    kind: 'threshold',
    provided: false,
  },
  { name: 'healthcheck-threads', defaultCheckerName: 'HOGT', description: 'Threads hogging the CPU', kind: 'hogging', provided: false },
  {
    name: 'healthcheck-stuck',
    defaultCheckerName: 'STUCK',
    description: 'Requests running longer than a threshold',
    kind: 'stuck',
    provided: false,
  },
  { name: 'healthcheck-cpool', defaultCheckerName: 'CONP', description: 'Connection pool usage', kind: 'threshold', provided: false },
];

export const DEFAULT_TIME = 5;
export const DEFAULT_UNIT: TimeUnit = 'MINUTES';
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = { critical: 80, warning: 50, good: 0 };
export const DEFAULT_HISTORICAL_TRACE_STORE_SIZE = 20;
/** The history is rewritten whole at every result: this keeps that write small. */
export const MAX_HISTORICAL_TRACE_STORE_SIZE = 10_000;
/**
 * What Payara's get-healthcheck-configuration shows for the hogging-threads and stuck-threads checkers'
 * own settings, which notifier has no commands for: their bean defaults (HoggingThreadsChecker,
 * StuckThreadsChecker).
 */
export const HOGGING_THREADS_DEFAULTS = { thresholdPercentage: 95, retryCount: 3 } as const;
export const STUCK_THREADS_DEFAULTS = { threshold: 5, thresholdTimeUnit: 'MINUTES' } as const;

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
    checkers: {},
  };
}

/** The health check's HipChat notifier, created (off, noisy) first if need be: for changing it. */
export function ensureHipchatNotifier(healthcheck: HealthcheckConfig): NonNullable<HealthcheckConfig['hipchatNotifier']> {
  return (healthcheck.hipchatNotifier ??= { enabled: false, noisy: true });
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

/** The thresholds a threshold checker applies (stored, else the defaults); undefined for the others. */
export function thresholdsOf(service: HealthCheckService | undefined, checker: CheckerConfig): Thresholds | undefined {
  if (service?.kind !== 'threshold') return undefined;
  return checker.thresholds ?? { ...DEFAULT_THRESHOLDS };
}

/** Why the thresholds make no sense (critical below warning, or warning below good), or undefined. */
export function thresholdsProblem({ critical, warning, good }: Thresholds): string | undefined {
  if (critical >= warning && warning >= good) return undefined;
  return `Invalid thresholds: critical ${critical}, warning ${warning}, good ${good}; they must satisfy critical >= warning >= good`;
}

/**
 * --historicalTraceStoreTimeout in seconds, read as Payara's TimeUtil.setStoreTimeLimit reads it: a whole
 * number is seconds, or digits followed by s, m, h or d. Undefined for anything else (notifier refuses it
 * rather than guess).
 */
export function storeTimeoutSeconds(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
}

/** What the running service keeps of its results: how many, and for how long (seconds; undefined: no limit). */
export interface HistorySettings {
  size: number;
  timeoutSeconds: number | undefined;
}

/** The history settings while the health check service and its historical trace are on; undefined otherwise. */
export function historySettingsOf(healthcheck: HealthcheckConfig | undefined): HistorySettings | undefined {
  if (!healthcheck?.enabled || !healthcheck.historicalTraceEnabled) return undefined;
  const timeout = healthcheck.historicalTraceStoreTimeout;
  const timeoutSeconds = timeout === undefined ? undefined : storeTimeoutSeconds(timeout);
  return {
    size: Math.min(healthcheck.historicalTraceStoreSize, MAX_HISTORICAL_TRACE_STORE_SIZE),
    // Payara's cleaner runs only for a limit above 0.
    timeoutSeconds: timeoutSeconds ? timeoutSeconds : undefined,
  };
}
