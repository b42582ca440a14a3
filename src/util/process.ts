// Facts about other processes on this machine.
import { readFileSync, readlinkSync } from 'node:fs';
import { describeErrno, errnoCode } from './errno.js';

/** True unless the process with this pid (on this machine) certainly no longer exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return errnoCode(err) !== 'ESRCH';
  }
}

/** A pid that names one process, which a signal may be sent to: not 0 (the group), 1 (init) or negative (many). */
export function isSignallablePid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 1;
}

/** What tells one process apart from a later one that got the same pid (Linux's /proc). */
export interface ProcessIdentity {
  /** Field 22 of /proc/<pid>/stat: when it started, in clock ticks since boot. */
  startTime: string;
  /** The program it runs (/proc/<pid>/exe). */
  exe: string;
  /** Its arguments (/proc/<pid>/cmdline), the program's name first. */
  argv: string[];
}

export type ProcessLookup =
  | { found: ProcessIdentity }
  /** The pid names no process (or a zombie). */
  | { gone: true }
  /** It cannot be told: no /proc, or it hides the process (another user's, hidepid). */
  | { unknown: string };

/** The process's identity from /proc, or why there is none. 'self' for this process. */
export function lookUpProcess(pid: number | 'self'): ProcessLookup {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    if (pid === 'self' || !procAvailable()) return { unknown: 'there is no /proc to check it in' };
    if (!isProcessAlive(pid)) return { gone: true };
    return { unknown: `/proc does not show pid ${pid} (another user's process, or /proc mounted with hidepid)` };
  }
  // 'pid (comm) state …': comm may hold spaces and parentheses, so count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (state === 'Z' || state === 'X') return { gone: true };
  if (startTime === undefined || !/^\d+$/.test(startTime)) return { unknown: `/proc/${pid}/stat cannot be read` };
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    return { found: { startTime, exe: readlinkSync(`/proc/${pid}/exe`), argv } };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' && pid !== 'self' && !isProcessAlive(pid)) return { gone: true };
    return { unknown: `the command line of pid ${pid} cannot be read (${describeErrno(error)})` };
  }
}

function procAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}
