// The pid file of a target's running notification service: it refuses a second service for the same
// target, and tells stop-notification-service which process to stop.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode } from '../util/errno.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../util/file-modes.js';
import { isProcessAlive } from '../util/process.js';
import { ServiceError } from './errors.js';

export interface RunningService {
  pid: number;
  startedAt: string;
}

function readPidFile(path: string): RunningService | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunningService>;
    return typeof data.pid === 'number' && typeof data.startedAt === 'string' ? { pid: data.pid, startedAt: data.startedAt } : undefined;
  } catch {
    return undefined;
  }
}

/** Is this pid still a notifier service, not a process that later got the same pid? (Linux can tell.) */
function stillOurs(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-notification-service');
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** The service the pid file names, if it still runs; a stale pid file is removed. */
export function runningService(path: string): RunningService | undefined {
  const service = readPidFile(path);
  if (service && stillOurs(service.pid)) return service;
  try {
    unlinkSync(path);
  } catch {
    // none, or another process removed it
  }
  return undefined;
}

/** Claims the pid file for this process; a ServiceError naming the running service when one runs. */
export function claimPidFile(path: string, target: string): void {
  makePrivateFolder(dirname(path));
  for (;;) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
      const running = runningService(path);
      if (running) throw alreadyRunning(target, running);
      continue; // the stale file is gone: claim it
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
    closeSync(fd);
    return;
  }
}

export function alreadyRunning(target: string, running: RunningService): ServiceError {
  return new ServiceError(
    `A notification service for target ${target} is already running (pid ${running.pid}, since ${running.startedAt})`,
  );
}

/** Removes the pid file if it is this process's. */
export function releasePidFile(path: string): void {
  if (readPidFile(path)?.pid !== process.pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
