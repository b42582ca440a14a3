import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpuChecker, heapChecker, LEVEL_OF_STATUS, machineMemoryChecker, statusOf } from '../../../src/healthcheck/checkers.js';
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
  it("CPU: the machine's use over the interval since the last run", () => {
    const samples = [
      { busy: 0, total: 3000 },
      { busy: 1000, total: 7000 },
      { busy: 1900, total: 8000 },
      { busy: 1900, total: 9000 },
    ];
    const check = cpuChecker(THRESHOLDS, () => samples.shift()!);
    expect(check()).toEqual({ status: 'GOOD', message: 'CPU%: 25.00, Time CPU used: 1 seconds 0 milliseconds' });
    expect(check()).toEqual({ status: 'CRITICAL', message: 'CPU%: 90.00, Time CPU used: 0 seconds 900 milliseconds' });
    expect(check()).toEqual({ status: 'GOOD', message: 'CPU%: 0.00, Time CPU used: 0 seconds 0 milliseconds' });
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
    expect(check()).toEqual({ status: 'GOOD', message: 'CPU%: 30.00, Time CPU used: 0 seconds 600 milliseconds' });
  });

  it('machine memory: used = total - available', () => {
    const check = machineMemoryChecker(THRESHOLDS, () => ({ total: 16 * GIB, available: 4 * GIB }));
    expect(check()).toEqual({
      status: 'WARNING',
      message: 'Physical Memory Used: 12.00 Gb - Total Physical Memory: 16.00 Gb - Memory Used%: 75.00%',
    });
  });

  it('machine memory reads the real machine', () => {
    expect(machineMemoryChecker(THRESHOLDS)().message).toMatch(
      /^Physical Memory Used: \d+\.\d\d Gb - Total Physical Memory: \d+\.\d\d Gb - Memory Used%: \d+\.\d\d%$/,
    );
  });

  it('heap: used of the limit', () => {
    const heap = { total_heap_size: 64 * 1024 ** 2, used_heap_size: 512 * 1024 ** 2, heap_size_limit: 1024 * 1024 ** 2 } as ReturnType<
      typeof import('node:v8').getHeapStatistics
    >;
    expect(heapChecker(THRESHOLDS, () => heap)()).toEqual({
      status: 'GOOD',
      message: 'heap: init: 64 Mb, used: 512 Mb, committed: 64 Mb, max.: 1024 Mb, heap%: 50%',
    });
  });

  it('the notification: subject with origin, the result, a colour for the level', () => {
    const { notification, level } = healthNotification('cluster1', 'CPUC', {
      status: 'CRITICAL',
      message: 'CPU%: 99.00, Time CPU used: 1 seconds 0 milliseconds',
    });
    expect(level).toBe('SEVERE');
    expect(notification).toEqual({
      message: expect.stringMatching(
        /^Health Check notification with severity level: SEVERE\. \(host:.+, server:cluster1\)\nCPUC:Health Check Result:\[\[status=CRITICAL, message='CPU%: 99\.00, Time CPU used: 1 seconds 0 milliseconds'\]\]$/,
      ),
      messageFormat: 'text',
      color: 'red',
      notify: false,
    });
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
