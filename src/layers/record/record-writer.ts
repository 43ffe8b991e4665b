import { closeSync, existsSync, fstatSync, renameSync, rmSync, writeSync } from 'node:fs';
import { openLogFile } from './record-open.js';

export interface RotatingWriterOptions {
  /** The live file; rotated files are PATH.1, PATH.2, ... (PATH.1 the newest). */
  path: string;
  /** Rotate once the live file reaches this size (default 64 MiB). */
  maxBytes?: number;
  /** Rotated files kept besides the live one (default 4); older ones are deleted. */
  maxFiles?: number;
  /** Buffered bytes that trigger a write (default 64 KiB). */
  bufferBytes?: number;
  /** Written at the top of every file, given the part number. */
  header?: (part: number) => string;
  /** Append to an existing file at `path` (else it is refused: see record-open.ts). */
  append?: boolean;
}

export interface RotatingWriter {
  write(line: string): void;
  flush(): void;
  close(): void;
  readonly rotations: number;
}

/**
 * Size-rotated append-only text file. Lines are buffered and written synchronously in chunks:
 * one write per 64 KiB instead of one per op, and no promise queue to drain at shutdown. The
 * file must live outside the served mount (a write here must never re-enter the server).
 */
export function createRotatingWriter(options: RotatingWriterOptions): RotatingWriter {
  const maxBytes = options.maxBytes ?? 64 * 2 ** 20;
  const maxFiles = options.maxFiles ?? 4;
  const bufferBytes = options.bufferBytes ?? 64 * 2 ** 10;
  let part = 0;
  let rotations = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  let fd = openLogFile(options.path, { append: options.append === true, what: 'record file' });
  let size = fstatSync(fd).size;

  const put = (text: string): void => {
    if (fd < 0) throw new Error(`record file ${options.path} is not open: a rotation failed`);
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    size += buf.length;
  };
  // The header of the first file waits in the buffer like any line, so that opening the layer
  // does no write that could fail; after a rotation it is written at once.
  const header = (): string =>
    options.header !== undefined && size === 0 ? options.header(part) : '';
  const rotate = (): void => {
    // Forget the number before closing it: after a failed rotation a later close must not hit
    // whatever file has reused that number since.
    const old = fd;
    fd = -1;
    if (old >= 0) closeSync(old);
    const name = (i: number): string => `${options.path}.${i}`;
    if (maxFiles === 0) rmSync(options.path, { force: true });
    else {
      rmSync(name(maxFiles), { force: true });
      for (let i = maxFiles - 1; i >= 1; i--)
        if (existsSync(name(i))) renameSync(name(i), name(i + 1));
      renameSync(options.path, name(1));
    }
    // The live file was just renamed away: whatever is at the path now is not ours to append to.
    fd = openLogFile(options.path, { what: 'record file' });
    size = 0;
    part += 1;
    rotations += 1;
    put(header());
  };
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    // Rotate on line boundaries only: every file stays valid JSON lines on its own.
    if (size > 0 && size + Buffer.byteLength(text) > maxBytes) rotate();
    put(text);
  };
  const first = header();
  if (first !== '') {
    pending.push(first);
    pendingBytes += first.length;
  }

  return {
    get rotations() {
      return rotations;
    },
    write(line) {
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= bufferBytes) flush();
    },
    flush,
    close() {
      try {
        flush();
      } finally {
        const old = fd;
        fd = -1;
        if (old >= 0) closeSync(old);
      }
    },
  };
}
