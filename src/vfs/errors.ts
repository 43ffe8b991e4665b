import { constants as osConstants } from 'node:os';

/**
 * errno is the only error currency between the FUSE engine, the layers and the backends.
 * Layers and backends throw `FsError('ENOENT')`; Node errors with a `code` map to the same name;
 * anything else becomes EIO. The engine turns the name into `-errno` in exactly one place.
 */
export type ErrnoName = keyof typeof osConstants.errno;

const ERRNO: Readonly<Record<string, number>> = osConstants.errno;

export interface FsErrorOptions {
  /**
   * Instance name of the layer that made this error up on purpose (`fault`, `fault.2`): the
   * observers above it (metrics, trace, record) count and label it by this field, never by its
   * message. Absent on every real error.
   */
  injectedBy?: string;
}

export class FsError extends Error {
  readonly code: ErrnoName;
  readonly errno: number;
  readonly injectedBy: string | undefined;

  constructor(code: ErrnoName, message?: string, options: FsErrorOptions = {}) {
    super(message ?? code);
    this.name = 'FsError';
    this.code = code;
    this.errno = ERRNO[code] ?? ERRNO.EIO!;
    this.injectedBy = options.injectedBy;
  }
}

/**
 * An FsError without a captured JavaScript stack: for a failed system call, whose message names
 * the call, a stack says nothing, and capturing one costs ~3 µs (0.5 µs without), on every
 * failing call: ENOENT is the answer of most lookups a create or a build makes.
 */
export function syscallError(code: ErrnoName, message?: string): FsError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new FsError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The injecting layer's instance name when `err` was injected on purpose, else undefined. */
export function injectedBy(err: unknown): string | undefined {
  return err instanceof FsError ? err.injectedBy : undefined;
}

export function isErrnoName(name: string): name is ErrnoName {
  return Object.hasOwn(ERRNO, name);
}

/** Positive errno for any thrown value: FsError, a Node system error, or EIO for the rest. */
export function toErrno(err: unknown): number {
  if (err instanceof FsError) return err.errno;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && isErrnoName(code)) return ERRNO[code]!;
  return ERRNO.EIO!;
}

/** The errno name for any thrown value (for logs, metrics labels and spans). */
export function toErrnoName(err: unknown): ErrnoName {
  if (err instanceof FsError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && isErrnoName(code)) return code;
  return 'EIO';
}

/** The errno name of a positive errno number (the first of its names, e.g. EAGAIN); EIO if none. */
export function errnoNameOf(errno: number): ErrnoName {
  for (const [name, no] of Object.entries(ERRNO)) if (no === errno && isErrnoName(name)) return name;
  return 'EIO';
}
