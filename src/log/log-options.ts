/**
 * The log level and format a process runs with: a flag wins over the environment
 * (FS_INTERPOSER_LOG_LEVEL, FS_INTERPOSER_LOG_FORMAT), which wins over the default. A bad value is
 * a usage error naming what is accepted, never a stack trace from deep inside pino.
 */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** auto: human-readable lines on a terminal, JSON lines otherwise (a pipe, a file, a log shipper). */
export const LOG_FORMATS = ['auto', 'json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export class LogOptionError extends Error {
  readonly code = 'ELOGOPTION';
  constructor(message: string) {
    super(message);
    this.name = 'LogOptionError';
  }
}

function pick<T extends string>(
  accepted: readonly T[],
  what: string,
  value: string | undefined,
): T | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if ((accepted as readonly string[]).includes(v)) return v as T;
  throw new LogOptionError(
    `${what} ${JSON.stringify(value)} is not accepted; accepted: ${accepted.join(', ')}`,
  );
}

export function parseLogLevel(
  value: string | undefined,
  what = '--log-level',
): LogLevel | undefined {
  return pick(LOG_LEVELS, what, value);
}

export function parseLogFormat(
  value: string | undefined,
  what = '--log-format',
): LogFormat | undefined {
  return pick(LOG_FORMATS, what, value);
}

type Env = Readonly<Record<string, string | undefined>>;

export function resolveLogLevel(flag: string | undefined, env: Env): LogLevel {
  return (
    parseLogLevel(flag) ??
    parseLogLevel(env.FS_INTERPOSER_LOG_LEVEL, 'FS_INTERPOSER_LOG_LEVEL') ??
    'info'
  );
}

export function resolveLogFormat(flag: string | undefined, env: Env): LogFormat {
  return (
    parseLogFormat(flag) ??
    parseLogFormat(env.FS_INTERPOSER_LOG_FORMAT, 'FS_INTERPOSER_LOG_FORMAT') ??
    'auto'
  );
}
