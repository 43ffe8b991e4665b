import { errnoName as nameOf } from '../sys/errno.js';

/** Stable codes for everything that can go wrong in a handoff; callers branch on `code`. */
export type HandoffErrorCode =
  | 'SYSCALL'
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'TRUNCATED'
  | 'FD_COUNT_MISMATCH'
  | 'BAD_PAYLOAD'
  | 'TIMEOUT'
  | 'NOT_A_SOCKET'
  | 'ADDRESS_IN_USE'
  | 'PATH_ESCAPE';

export class HandoffError extends Error {
  readonly code: HandoffErrorCode;
  /** errno name for SYSCALL errors (ENOENT, ECONNREFUSED...). */
  readonly errno?: string;

  constructor(code: HandoffErrorCode, message: string, errno?: string) {
    super(message);
    this.name = 'HandoffError';
    this.code = code;
    if (errno !== undefined) this.errno = errno;
  }
}

export function errnoName(errno: number): string {
  return nameOf(errno) ?? `errno ${errno}`;
}

export function syscallError(call: string, errno: number): HandoffError {
  const name = errnoName(errno);
  return new HandoffError('SYSCALL', `${call}: ${name}`, name);
}
