import { writeSync } from 'node:fs';
import { openLogFile } from '../record/record-open.js';
import type { Logger } from 'pino';

/** One injected decision (a JSON line). `n` is the call's ordinal for (layer, kind, op, path). */
export interface Decision {
  t: number;
  layer: string;
  op: string;
  path: string;
  n: number;
  decision: string;
  value: unknown;
}

export interface DecisionLog {
  append(d: Decision): void;
  /** The entries kept in memory (the newest `maxEntries`). */
  entries(): readonly Decision[];
  readonly written: number;
  readonly dropped: number;
}

export interface DecisionLogOptions {
  /**
   * JSON-lines file, created new (0600, never through a symlink: record-open.ts); must not be on
   * the mount being served.
   */
  path?: string;
  /** Add to an existing file of ours at `path` instead of refusing it. */
  append?: boolean;
  maxBytes?: number;
  maxEntries?: number;
  logger?: Logger;
}

export const DEFAULT_DECISION_LOG_BYTES = 64 * 2 ** 20;
export const DEFAULT_DECISION_LOG_ENTRIES = 100_000;

/**
 * Bounded on both sides: the in-memory ring keeps the newest `maxEntries`, the file stops at
 * `maxBytes` with one error log line (a replay of a cut log is exact up to the cut). Appends are
 * synchronous so that a crash loses nothing already decided; the file lives outside the mount.
 */
export function createDecisionLog(options: DecisionLogOptions = {}): DecisionLog {
  const maxBytes = options.maxBytes ?? DEFAULT_DECISION_LOG_BYTES;
  const maxEntries = options.maxEntries ?? DEFAULT_DECISION_LOG_ENTRIES;
  // A circular buffer: shifting a 100k-entry array on every append would be O(n).
  const ring: Decision[] = [];
  let head = 0;
  let bytes = 0;
  let written = 0;
  let dropped = 0;
  let full = false;
  const fd =
    options.path === undefined
      ? undefined
      : openLogFile(options.path, { append: options.append === true, what: 'decision log' });
  return {
    get written() {
      return written;
    },
    get dropped() {
      return dropped;
    },
    entries: () => [...ring.slice(head), ...ring.slice(0, head)],
    append(d) {
      if (ring.length < maxEntries) ring.push(d);
      else {
        ring[head] = d;
        head = (head + 1) % maxEntries;
      }
      if (fd === undefined) return;
      const line = `${JSON.stringify(d)}\n`;
      if (full || bytes + line.length > maxBytes) {
        if (!full) {
          options.logger?.error(
            { path: options.path, maxBytes },
            'decision log limit reached; further decisions are not logged (raise decisionLog.maxBytes)',
          );
        }
        full = true;
        dropped++;
        return;
      }
      // One write per decision, at once: a crash loses nothing already decided.
      const buf = Buffer.from(line);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
      bytes += line.length;
      written++;
    },
  };
}
