import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostname, tmpdir } from 'node:os';
import { cpuChecker, heapChecker, LEVEL_OF_STATUS, machineMemoryChecker, statusOf } from '../../../src/healthcheck/checkers.js';
import { formatTwoDecimals, javaDateString, prettyPrintBytes, prettyPrintDuration } from '../../../src/healthcheck/payara-format.js';
import { healthNotification } from '../../../src/service/service.js';
import { Spool } from '../../../src/service/spool.js';
import type { RoomNotification } from '../../../src/notifier/message.js';

const THRESHOLDS = { critical: 80, warning: 50, good: 0 };
const GIB = 1024 ** 3;

describe('status and level', () => {
  it('maps a percentage through the thresholds as Payara did', () => {
    expect(statusOf(80.01, THRESHOLDS)).toBe('CRITICAL');
    expect(statusOf(80, THRESHOLDS)).toBe('WARNING');
    expect(statusOf(50.5, THRESHOLDS)).toBe('WARNING');
    expect(statusOf(50, THRESHOLDS)).toBe('GOOD');
    expect(statusOf(0, THRESHOLDS)).toBe('GOOD');
    expect(statusOf(9, { critical: 80, warning: 50, good: 10 })).toBe('FINE');
    expect(LEVEL_OF_STATUS).toEqual({ CRITICAL: 'SEVERE', CHECK_ERROR: 'SEVERE', WARNING: 'WARNING', GOOD: 'INFO', FINE: 'FINE' });
  });
});

describe('checkers', () => {
  it("CPU: the machine's use over the interval since the last run, in Payara's words", () => {
    const samples = [
      // Read when the checker is made; the first result measures from there.
      { busy: 0, total: 0 },
      { busy: 1000, total: 4000 },
      { busy: 1900, total: 5000 },
      { busy: 1900, total: 6000 },
      { busy: 63_134, total: 200_000 },
    ];
    const check = cpuChecker(THRESHOLDS, () => samples.shift()!);
    // CpuUsageHealthCheck.java L128-129: "CPU%: " + new DecimalFormat("#.00").format(percentage)
    //   + ", Time CPU used: " + prettyPrintDuration(…)
    expect(check()).toEqual({ status: 'GOOD', message: 'CPU%: 25.00, Time CPU used: 1000 milliseconds' });
    expect(check()).toEqual({ status: 'CRITICAL', message: 'CPU%: 90.00, Time CPU used: 900 milliseconds' });
    expect(check()).toEqual({ status: 'GOOD', message: 'CPU%: .00, Time CPU used: ' });
    expect(check()).toEqual({ status: 'GOOD', message: 'CPU%: 31.56, Time CPU used: 1 minutes 1 seconds 234 milliseconds' });
  });

  it('issue 10: the first CPU result covers its first interval, not the time since boot', () => {
    // Read when the checker is made (a start, a --dynamic change): 875 s of CPU since boot.
    const samples = [
      { busy: 875_000, total: 1_675_000 },
      { busy: 875_600, total: 1_677_000 },
    ];
    const check = cpuChecker(THRESHOLDS, () => samples.shift()!);
    // Its first run is after one period, so that the first result measures one.
    expect(check.overInterval).toBe(true);
    expect(check()).toEqual({ status: 'GOOD', message: 'CPU%: 30.00, Time CPU used: 600 milliseconds' });
  });

  it('machine memory: used = total - available, sizes in the largest unit of at least 1', () => {
    const check = machineMemoryChecker(THRESHOLDS, () => ({ total: 16 * GIB, available: 4 * GIB }));
    // MachineMemoryUsageHealthCheck.java L146-148: "Physical Memory Used: " + prettyPrintBytes(…) + " - " +
    //   "Total Physical Memory: " + prettyPrintBytes(memTotal) + " - " + "Memory Used%: " + new DecimalFormat("#.00").format(…) + "%"
    expect(check()).toEqual({
      status: 'WARNING',
      message: 'Physical Memory Used: 12.00 Gb - Total Physical Memory: 16.00 Gb - Memory Used%: 75.00%',
    });
    const small = machineMemoryChecker(THRESHOLDS, () => ({ total: 1536 * 1024 ** 2, available: 1024 ** 3 + 1024 ** 2 / 2 }));
    expect(small().message).toBe('Physical Memory Used: 511.50 Mb - Total Physical Memory: 1.50 Gb - Memory Used%: 33.30%');
  });

  it('machine memory reads the real machine', () => {
    expect(machineMemoryChecker(THRESHOLDS)().message).toMatch(
      /^Physical Memory Used: \d*\.\d\d [GMK]b - Total Physical Memory: \d*\.\d\d [GMK]b - Memory Used%: \d*\.\d\d%$/,
    );
  });

  it("heap: used of the limit, in Payara's text (no separator before heap%, the percentage a Java double)", () => {
    const heap = { total_heap_size: 64 * 1024 ** 2, used_heap_size: 512.5 * 1024 ** 2, heap_size_limit: 1024 * 1024 ** 2 } as ReturnType<
      typeof import('node:v8').getHeapStatistics
    >;
    // HeapMemoryUsageHealthCheck.java L83-89: String.format("heap: init: %s, used: %s, committed: %s, max.: %s", …)
    //   … heapValueText + "heap%: " + percentage + "%"   (percentage = Math.floor(…), a Double)
    expect(heapChecker(THRESHOLDS, () => heap)()).toEqual({
      status: 'GOOD',
      message: 'heap: init: 64.00 Mb, used: 512.50 Mb, committed: 64.00 Mb, max.: 1.00 Gbheap%: 50.0%',
    });
  });

  it('the notification: subject with the origin, the result as Payara writes it, a colour for the level', () => {
    const { notification, level, subject, message } = healthNotification('cluster1', 'CPUC', {
      status: 'CRITICAL',
      message: 'CPU%: 99.00, Time CPU used: 1 seconds 5 milliseconds',
    });
    expect([level, subject]).toEqual(['SEVERE', 'Health Check notification with severity level: SEVERE']);
    // HealthCheckResultEntry.java L75-80: "[status=" + status … ", message='" + message + '\'' … "']'";
    // HealthCheckResult.java L48: "Health Check Result:" + this.entries.toString()
    expect(message).toBe("CPUC:Health Check Result:[[status=CRITICAL, message='CPU%: 99.00, Time CPU used: 1 seconds 5 milliseconds'']']");
    expect(notification).toEqual({
      // Message.java L54: subject + ". (" + "host:" + … + ", server:" + … + ", domain:" + … + ",instance:" + … + ")"
      message: `Health Check notification with severity level: SEVERE. (host:${hostname()}, server:cluster1, domain:notifier,instance:cluster1)\n${message}`,
      messageFormat: 'text',
      color: 'red',
      notify: false,
    });
  });
});

describe("Payara's number, duration and size formats", () => {
  it('DecimalFormat("#.00"): HALF_EVEN on the exact binary value, no leading zero, no grouping', () => {
    const cases: [number, string][] = [
      [0, '.00'],
      [0.5, '.50'],
      [12.345, '12.35'], // 12.3450000000000006394884621840901672840118408203125
      [12.125, '12.12'], // exactly half: to the even digit
      [12.135, '12.13'], // 12.1349999999999997868371792719699442386627197265625
      [0.005, '.01'],
      [2.675, '2.67'],
      [99.999, '100.00'],
      [1234.5, '1234.50'],
      [1e21, '1000000000000000000000.00'],
    ];
    expect(cases.map(([value]) => formatTwoDecimals(value))).toEqual(cases.map(([, text]) => text));
  });

  it('TimeHelper.prettyPrintDuration: strict comparisons, plural words, trailing spaces kept', () => {
    const cases: [number, string][] = [
      [0, ''],
      [500, '500 milliseconds'],
      [1000, '1000 milliseconds'],
      [1001, '1 seconds 1 milliseconds'],
      [1234, '1 seconds 234 milliseconds'],
      [2000, '2 seconds '],
      [60_000, '60 seconds '],
      [61_500, '1 minutes 1 seconds 500 milliseconds'],
      [120_000, '2 minutes '],
      [-1, 'null'],
    ];
    expect(cases.map(([ms]) => prettyPrintDuration(ms))).toEqual(cases.map(([, text]) => text));
  });

  it('BaseHealthCheck.prettyPrintBytes: Gb, Mb, Kb by integer division, two decimals; else bytes', () => {
    expect([1023, 1024, 20_000_000, 3.52 * 1024 ** 3, -1].map(prettyPrintBytes)).toEqual([
      '1023 bytes',
      '1.00 Kb',
      '19.07 Mb',
      '3.52 Gb',
      '-1 bytes',
    ]);
  });

  it('java.util.Date.toString(): EEE MMM dd HH:mm:ss zzz yyyy in the given zone', () => {
    const moment = Date.UTC(2018, 2, 3, 9, 5, 7);
    expect(javaDateString(moment, 'UTC')).toBe('Sat Mar 03 09:05:07 UTC 2018');
    expect(javaDateString(moment, 'Europe/Berlin')).toBe('Sat Mar 03 10:05:07 CET 2018');
    expect(javaDateString(moment, 'America/New_York')).toBe('Sat Mar 03 04:05:07 EST 2018');
  });
});

describe('the spool', () => {
  let folder: string;
  beforeEach(() => {
    folder = join(mkdtempSync(join(tmpdir(), 'notifier-spool-')), 'spool');
  });
  afterEach(() => rmSync(join(folder, '..'), { recursive: true, force: true }));

  const note = (message: string): RoomNotification => ({ message, messageFormat: 'text', color: 'gray', notify: false });

  it('is first in, first out, and survives a new instance (a restart)', () => {
    const spool = new Spool(folder);
    spool.append(note('a'));
    spool.append(note('b'));
    const restarted = new Spool(folder);
    expect(restarted.size).toBe(2);
    const first = restarted.oldest()!;
    expect(first.notification.message).toBe('a');
    restarted.remove(first.sequence);
    restarted.append(note('c'));
    expect([restarted.oldest()!.notification.message, restarted.size]).toEqual(['b', 2]);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(folder)) expect(statSync(join(folder, name)).mode & 0o777).toBe(0o600);
  });

  it('drops the oldest beyond its limit and says how many', () => {
    const spool = new Spool(folder, 3);
    expect([1, 2, 3].map((index) => spool.append(note(`m${index}`)).dropped)).toEqual([0, 0, 0]);
    expect(spool.append(note('m4'))).toEqual({ dropped: 1 });
    expect(spool.size).toBe(3);
    expect(spool.oldest()!.notification.message).toBe('m2');
    expect(readdirSync(folder).filter((name) => name.endsWith('.json'))).toHaveLength(3);
  });
});
