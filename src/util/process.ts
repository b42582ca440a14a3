// Facts about other processes on this machine.
import { errnoCode } from './errno.js';

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
