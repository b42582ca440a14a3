// The health checks notifier runs itself, and how a measured percentage becomes a status and a
// notification level (shared/reference/payara-healthcheck.md, "Runtime"). Their messages are worded and
// formatted as Payara's checkers (CpuUsageHealthCheck, MachineMemoryUsageHealthCheck,
// HeapMemoryUsageHealthCheck) wrote them.
import { readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Thresholds } from './catalog.js';
import { formatTwoDecimals, prettyPrintBytes, prettyPrintDuration } from './payara-format.js';

export type HealthStatus = 'CRITICAL' | 'WARNING' | 'GOOD' | 'FINE' | 'CHECK_ERROR';
export type Level = 'SEVERE' | 'WARNING' | 'INFO' | 'FINE';

export interface CheckResult {
  status: HealthStatus;
  /** What was measured, in Payara's words, e.g. 'CPU%: 12.34, Time CPU used: 1 seconds 234 milliseconds'. */
  message: string;
}

/**
 * Measures once; called at the checker's fixed rate. Keeps what it needs between runs. `overInterval`:
 * it measures the interval since its previous run (or its creation), so its first run is after one period.
 */
export type Checker = (() => CheckResult) & { readonly overInterval?: boolean };

export const LEVEL_OF_STATUS: Record<HealthStatus, Level> = {
  CRITICAL: 'SEVERE',
  CHECK_ERROR: 'SEVERE',
  WARNING: 'WARNING',
  GOOD: 'INFO',
  FINE: 'FINE',
};

export function statusOf(percentage: number, thresholds: Thresholds): HealthStatus {
  if (percentage > thresholds.critical) return 'CRITICAL';
  if (percentage > thresholds.warning) return 'WARNING';
  if (percentage >= thresholds.good) return 'GOOD';
  return 'FINE';
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const sum = times.user + times.nice + times.sys + times.irq + times.idle;
    total += sum;
    busy += sum - times.idle;
  }
  return { busy, total };
}

/**
 * The machine's CPU use over the interval since the previous run (since its creation for the first run),
 * and the CPU time that took, summed over all cores.
 */
export function cpuChecker(thresholds: Thresholds, readTimes = cpuTimes): Checker {
  let previous = readTimes();
  const check = () => {
    const current = readTimes();
    const busy = current.busy - previous.busy;
    const total = current.total - previous.total;
    previous = current;
    const percentage = total > 0 ? (busy / total) * 100 : 0;
    return {
      status: statusOf(percentage, thresholds),
      message: `CPU%: ${formatTwoDecimals(percentage)}, Time CPU used: ${prettyPrintDuration(busy)}`,
    };
  };
  return Object.assign(check, { overInterval: true });
}

/** Total and available physical memory in bytes: /proc/meminfo's MemAvailable where there is one. */
function memoryNumbers(): { total: number; available: number } {
  try {
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1]) * 1024;
    const total = field('MemTotal');
    const available = field('MemAvailable');
    if (Number.isFinite(total) && Number.isFinite(available)) return { total, available };
  } catch {
    // not Linux
  }
  return { total: totalmem(), available: freemem() };
}

/** Physical memory used = total − available (Payara 5's fix of 4.x, which printed the available share as used). */
export function machineMemoryChecker(thresholds: Thresholds, readMemory = memoryNumbers): Checker {
  return () => {
    const { total, available } = readMemory();
    const used = total - available;
    const percentage = total > 0 ? (used / total) * 100 : 0;
    return {
      status: statusOf(percentage, thresholds),
      message: `Physical Memory Used: ${prettyPrintBytes(used)} - Total Physical Memory: ${prettyPrintBytes(total)} - Memory Used%: ${formatTwoDecimals(percentage)}%`,
    };
  };
}

/**
 * The service's own JavaScript heap: used of the most V8 will grow it to. Payara's text, with its missing
 * separator before `heap%:` and the percentage floored and printed as a Java double (`50.0`).
 */
export function heapChecker(thresholds: Thresholds, readHeap = getHeapStatistics): Checker {
  const initial = readHeap().total_heap_size;
  return () => {
    const heap = readHeap();
    const percentage = Math.floor((heap.used_heap_size / heap.heap_size_limit) * 100);
    const sizes = [initial, heap.used_heap_size, heap.total_heap_size, heap.heap_size_limit].map(prettyPrintBytes);
    return {
      status: statusOf(percentage, thresholds),
      message: `heap: init: ${sizes[0]}, used: ${sizes[1]}, committed: ${sizes[2]}, max.: ${sizes[3]}heap%: ${percentage.toFixed(1)}%`,
    };
  };
}

/** The checkers notifier provides, by Payara service name. */
export const CHECKER_FACTORIES: Record<string, (thresholds: Thresholds) => Checker> = {
  'healthcheck-cpu': (thresholds) => cpuChecker(thresholds),
  'healthcheck-machinemem': (thresholds) => machineMemoryChecker(thresholds),
  'healthcheck-heap': (thresholds) => heapChecker(thresholds),
};
