// Failed system calls: their code, and what it means in plain words.

/** The code of a failed system call ('ENOENT', 'EACCES', …), or undefined for any other error. */
export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent of it is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many symbolic links',
};

/** 'permission denied' for EACCES and the like; the error's own message for a code without words here. */
export function describeErrno(error: unknown): string {
  return REASONS[errnoCode(error) ?? ''] ?? (error as Error).message;
}
