// Failed system calls: their code, and what it means in plain words.

/** The code of a failed system call ('ENOENT', 'EACCES', …), or undefined for any other error. */
export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

const REASONS: Record<string, string> = {
  // Files and folders.
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent of it is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  // The network.
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed by the other side',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed for now (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network is down',
  ETIMEDOUT: 'timed out',
};

/** 'connection refused' for ECONNREFUSED and the like; undefined for a code without words here. */
export function describeErrnoCode(code: string | undefined): string | undefined {
  return code === undefined ? undefined : REASONS[code];
}

/** 'permission denied' for EACCES and the like; the error's own message for a code without words here. */
export function describeErrno(error: unknown): string {
  return describeErrnoCode(errnoCode(error)) ?? (error as Error).message;
}
