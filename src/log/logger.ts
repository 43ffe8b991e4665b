import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where to write (default stderr, so stdout stays free for command output). */
  destination?: number;
}

/**
 * Structured JSON logs to stderr. Anything that may carry credentials is redacted wherever it
 * appears in a log record.
 */
export function createLogger(o: LoggerOptions = {}): Logger {
  return pino(
    {
      name: o.name ?? 'fs-interposer',
      level: o.level ?? process.env.FS_INTERPOSER_LOG_LEVEL ?? 'info',
      redact: {
        paths: ['*.secrets', '*.token', '*.password', 'secrets', 'token', '*.*.secrets'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: o.destination ?? 2, sync: true }),
  );
}

/** A logger that drops everything (tests, library callers that pass none). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
