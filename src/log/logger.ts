import { isatty } from 'node:tty';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogFormat } from './log-options.js';
import { resolveLogFormat, resolveLogLevel } from './log-options.js';
import { formatText } from './text-format.js';

export type { Logger };

export interface LoggerOptions {
  /** Else FS_INTERPOSER_LOG_LEVEL, else info. */
  level?: string;
  /** Else FS_INTERPOSER_LOG_FORMAT, else auto (text on a terminal, JSON otherwise). */
  format?: string;
  name?: string;
  /** Where to write (default stderr, so stdout stays free for command output). */
  destination?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Every record passes through here: re-serialising it keeps one value per key (nested child
 * loggers that each bind `component` would otherwise repeat the key; the innermost wins), and
 * the text form reads the same record. Logs are not on a hot path (per-op records are debug).
 */
function formattingStream(
  fd: number,
  format: Exclude<LogFormat, 'auto'>,
  colour: boolean,
): DestinationStream {
  const out = pino.destination({ fd, sync: true });
  return {
    write(line: string): void {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      out.write(`${format === 'text' ? formatText(record, { colour }) : JSON.stringify(record)}\n`);
    },
  };
}

/**
 * Structured logs to stderr: JSON lines with string levels and ISO times, or human-readable lines
 * on a terminal. Anything that may carry credentials is redacted wherever it appears.
 */
export function createLogger(o: LoggerOptions = {}): Logger {
  const env = o.env ?? process.env;
  const fd = o.destination ?? 2;
  const level = resolveLogLevel(o.level, env);
  const format = resolveLogFormat(o.format, env);
  const tty = isatty(fd);
  const resolved = format === 'auto' ? (tty ? 'text' : 'json') : format;
  const colour = tty && resolved === 'text' && (env.NO_COLOR ?? '') === '';
  return pino(
    {
      name: o.name ?? 'fs-interposer',
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.secrets', '*.token', '*.password', 'secrets', 'token', '*.*.secrets'],
        censor: '[redacted]',
      },
    },
    formattingStream(fd, resolved, colour),
  );
}

/** A logger that drops everything (tests, library callers that pass none). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
