// The pid file of a running notification service: it makes a start exclusive (claimed under a lock, so
// that of many simultaneous starts exactly one runs) and tells stop-notification-service which process
// to stop. A pid is trusted only once proven: it must name one process (an integer above 1), and that
// process must be the one that wrote the file: the same start time (field 22 of /proc/<pid>/stat), the
// same program and the same command line. Where that cannot be checked (no /proc), nothing is signalled.
import { unlinkSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { errnoCode } from '../util/errno.js';
import { PRIVATE_FILE_MODE } from '../util/file-modes.js';
import { withFileLock } from '../util/lock.js';
import { parsePlainJson } from '../util/plain-data.js';
import { isSignallablePid, lookUpProcess, type ProcessIdentity } from '../util/process.js';
import { readPrivateFile } from '../util/safe-fs.js';
import { asServiceError, configIdentity, pidFile, type ServiceId } from './control.js';
import { ServiceError } from './errors.js';

export interface PidRecord {
  pid: number;
  startedAt: string;
  /** The config file (its real path) and the target: the service's identity (absent in older pid files). */
  configPath?: string;
  target?: string;
  /** Undefined when there was no /proc to read it from: such a service cannot be proven later. */
  process?: ProcessIdentity;
}

export type PidFileState =
  | { state: 'none' }
  | { state: 'running'; record: PidRecord }
  /** Nothing of ours runs: the file may be replaced. */
  | { state: 'stale'; reason: string }
  /** Something runs under that pid, and whether it is the service cannot be told. */
  | { state: 'unproven'; record: PidRecord; reason: string };

function isIdentity(value: unknown): value is ProcessIdentity {
  const { startTime, exe, argv } = (value ?? {}) as Partial<Record<keyof ProcessIdentity, unknown>>;
  return (
    typeof startTime === 'string' &&
    /^\d+$/.test(startTime) &&
    typeof exe === 'string' &&
    Array.isArray(argv) &&
    argv.every((arg) => typeof arg === 'string')
  );
}

/** The record, or why the file is not one ('names pid -1, …'). */
function parseRecord(text: string): PidRecord | string {
  let data: unknown;
  try {
    data = parsePlainJson(text);
  } catch {
    return 'is not JSON';
  }
  const { pid, startedAt, configPath, target, process } = (data !== null && typeof data === 'object' ? data : {}) as Record<
    string,
    unknown
  >;
  if (pid !== undefined && !isSignallablePid(pid)) return `names pid ${JSON.stringify(pid)}, which is not a single process`;
  if (
    !isSignallablePid(pid) ||
    typeof startedAt !== 'string' ||
    (configPath !== undefined && typeof configPath !== 'string') ||
    (target !== undefined && typeof target !== 'string') ||
    (process !== undefined && !isIdentity(process))
  )
    return 'is not a notifier pid file';
  return {
    pid,
    startedAt,
    ...(configPath === undefined ? {} : { configPath, target }),
    ...(process === undefined ? {} : { process }),
  } as PidRecord;
}

function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.startTime === b.startTime && a.exe === b.exe && a.argv.length === b.argv.length && a.argv.every((arg, i) => arg === b.argv[i]);
}

/** Whether the recorded process still runs, proven from /proc. */
export function judge(record: PidRecord): PidFileState {
  const found = lookUpProcess(record.pid);
  if ('gone' in found) return { state: 'stale', reason: `pid ${record.pid} is no longer running` };
  if ('unknown' in found) return { state: 'unproven', record, reason: found.unknown };
  if (!record.process) return { state: 'unproven', record, reason: 'the pid file does not record when that process started' };
  if (!sameProcess(found.found, record.process)) return { state: 'stale', reason: `pid ${record.pid} is now another process` };
  return { state: 'running', record };
}

/** What the pid file says, proven; a ServiceError when it is a link or not a regular file. */
export function inspectPidFile(path: string): PidFileState {
  let text: string | undefined;
  try {
    text = readPrivateFile(path, 'Pid file');
  } catch (error) {
    // The service's folder itself is gone: nothing runs.
    if (errnoCode(error) === 'ENOTDIR') return { state: 'none' };
    throw asServiceError(error);
  }
  if (text === undefined) return { state: 'none' };
  const record = parseRecord(text);
  return typeof record === 'string' ? { state: 'stale', reason: `the pid file ${record}` } : judge(record);
}

function describeService(id: ServiceId): string {
  return `target ${id.target} (config ${configIdentity(id.configPath)})`;
}

export function alreadyRunning(id: ServiceId, record: PidRecord): ServiceError {
  return new ServiceError(
    `A notification service for ${describeService(id)} is already running (pid ${record.pid}, since ${record.startedAt})`,
  );
}

/** A ServiceError for a pid that may be the service but cannot be proven to be: `outcome` says what was not done. */
export function unproven(id: ServiceId, state: { record: PidRecord; reason: string }, outcome: string, fix: string): ServiceError {
  return new ServiceError(
    `Cannot tell whether pid ${state.record.pid} is the notification service for ${describeService(id)}: ${state.reason}; ${outcome}. ${fix}`,
  );
}

/**
 * Claims the pid file for this process, under the pid file's lock so that concurrent starts never both
 * win; a ServiceError when a service runs (or may run). A stale file (dead pid, another process under a
 * reused pid, a pid like -1, 0 or 1.5) is replaced.
 */
export async function claimPidFile(id: ServiceId): Promise<PidRecord> {
  const path = pidFile(id);
  const self = lookUpProcess('self');
  const record: PidRecord = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    configPath: configIdentity(id.configPath),
    target: id.target,
    ...('found' in self ? { process: self.found } : {}),
  };
  await withFileLock(path, async () => {
    const current = inspectPidFile(path);
    if (current.state === 'running') throw alreadyRunning(id, current.record);
    if (current.state === 'unproven') throw unproven(id, current, 'no second service was started', `If none runs, remove ${path}.`);
    // A rename: whatever was there (a stale file, a link) is replaced, never written through.
    writeFileAtomic(path, `${JSON.stringify(record)}\n`, { mode: PRIVATE_FILE_MODE, durable: false });
  });
  return record;
}

/** Removes the pid file if it still judges stale (under its lock: a start may be claiming it meanwhile). */
export async function removeStalePidFile(path: string): Promise<void> {
  await withFileLock(path, async () => {
    if (inspectPidFile(path).state === 'stale') unlinkSync(path);
  });
}

/** Removes the pid file if it is still this record's. */
export function releasePidFile(id: ServiceId, record: PidRecord): void {
  const path = pidFile(id);
  try {
    const current = parseRecord(readPrivateFile(path, 'Pid file') ?? '');
    if (typeof current !== 'string' && current.pid === record.pid && current.startedAt === record.startedAt) unlinkSync(path);
  } catch {
    // gone already, or replaced by something that is not ours
  }
}
