// The health-check history store on its own: bounded by size and timeout, kept across instances (a
// restart), private, and honest about a file it cannot read.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyFile, HistoryStore, readHistory, type HistoryEntry } from '../../../src/service/history.js';

let dir: string;
let path: string;
let errors: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notifier-history-'));
  path = historyFile({ stateDir: join(dir, 'state'), configPath: join(dir, 'config.json'), target: 'server' });
  errors = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1);
const entry = (second: number, level: HistoryEntry['level'] = 'INFO'): HistoryEntry => ({
  time: T0 + second * 1000,
  level,
  subject: `Health Check notification with severity level: ${level}`,
  message: `CPUC:Health Check Result:[[status=GOOD, message='CPU%: ${second}.00, Time CPU used: '']']`,
});
const seconds = (entries: HistoryEntry[]) => entries.map((kept) => (kept.time - T0) / 1000);
const ALL = Number.MAX_SAFE_INTEGER;

describe('the history store', () => {
  it('keeps the newest within the size, in a 0600 file in a 0700 folder, for the next instance too', () => {
    const store = new HistoryStore(path, (message) => errors.push(message));
    for (const second of [1, 2, 3, 4]) store.add(entry(second), { size: 3, timeoutSeconds: undefined });
    expect(seconds(readHistory(path, { size: 3, timeoutSeconds: undefined }, ALL, T0))).toEqual([4, 3, 2]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);

    // A restarted service goes on with what is on disk; a smaller size applies at its next result.
    const restarted = new HistoryStore(path, (message) => errors.push(message));
    restarted.add(entry(5), { size: 2, timeoutSeconds: undefined });
    expect(seconds(readHistory(path, { size: 2, timeoutSeconds: undefined }, ALL, T0))).toEqual([5, 4]);
    expect(seconds(readHistory(path, { size: 2, timeoutSeconds: undefined }, 1, T0))).toEqual([5]);
    expect(errors).toEqual([]);
  });

  it('drops what is older than the timeout (whole seconds beyond it), when adding and when listing', () => {
    const store = new HistoryStore(path, (message) => errors.push(message));
    const settings = { size: 10, timeoutSeconds: 2 };
    for (const second of [0, 1, 2, 3]) store.add(entry(second), settings);
    // At second 3, the entry of second 0 is 3 s old: beyond 2. That of second 1 is exactly 2 s: kept.
    expect(seconds(JSON.parse(readFileSync(path, 'utf8')).entries)).toEqual([1, 2, 3]);
    // 3.999 s after second 1 is still 3 whole seconds.
    expect(seconds(readHistory(path, settings, ALL, T0 + 4999))).toEqual([3, 2]);
  });

  it('starts a new history from a damaged file and says so; the list command refuses to read one', () => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{"version": 1, "entries": [');
    expect(() => readHistory(path, { size: 5, timeoutSeconds: undefined }, ALL)).toThrow(
      expect.objectContaining({ name: 'ServiceError', message: `The health check history ${path} is not valid JSON` }),
    );
    new HistoryStore(path, (message) => errors.push(message)).add(entry(1), { size: 5, timeoutSeconds: undefined });
    expect(errors).toEqual([`The health check history ${path} is not valid JSON: starting a new history`]);
    expect(seconds(readHistory(path, { size: 5, timeoutSeconds: undefined }, ALL, T0))).toEqual([1]);
  });

  it('has no entries before the first result', () => {
    expect(readHistory(path, { size: 5, timeoutSeconds: undefined }, ALL)).toEqual([]);
  });
});
