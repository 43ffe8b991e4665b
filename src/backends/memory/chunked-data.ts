import { FsError } from '../../vfs/errors.js';
import type { Budget } from './budget.js';
import { MAX_FILE_SIZE } from './constants.js';
import type { FileData } from './file-data.js';

/**
 * Sparse file data in 64 KiB chunks keyed by index, so a write at 1 TiB allocates one chunk and
 * a random write costs one Map lookup. Within a chunk only a page-aligned window is held
 * (`base`..`base + buf.length`), grown as writes land next to it: small files and random 4 KiB
 * writes cost pages, not whole chunks. Whatever is not held is a hole and reads as zeros.
 */
export const CHUNK_SIZE = 64 * 1024;
const PAGE = 4096;

interface Chunk {
  /** Offset of `buf` within the chunk (page aligned). */
  base: number;
  buf: Buffer;
}

const roundUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;
const roundDown = (n: number): number => Math.floor(n / PAGE) * PAGE;

/** The window a chunk needs to cover [from, to) (chunk offsets), without growth slack. */
function windowFor(old: Chunk | undefined, from: number, to: number): { lo: number; hi: number } {
  if (old === undefined) return { lo: roundDown(from), hi: roundUp(to) };
  return {
    lo: Math.min(roundDown(from), old.base),
    hi: Math.max(roundUp(to), old.base + old.buf.length),
  };
}

export function createChunkedData(budget: Budget): FileData {
  const chunks = new Map<number, Chunk>();
  let size = 0;
  let allocated = 0;

  const replace = (idx: number, old: Chunk | undefined, next: Chunk | undefined): void => {
    const delta = (next?.buf.length ?? 0) - (old?.buf.length ?? 0);
    if (delta > 0) budget.chargeBytes(delta);
    else budget.releaseBytes(-delta);
    allocated += delta;
    if (next === undefined) chunks.delete(idx);
    else chunks.set(idx, next);
  };

  /** Make chunk `idx` hold [from, to) (chunk offsets), charging the budget first. */
  const ensure = (idx: number, from: number, to: number): Chunk => {
    const old = chunks.get(idx);
    if (old !== undefined && old.base <= from && old.base + old.buf.length >= to) return old;
    const { lo, hi } = windowFor(old, from, to);
    let end = hi;
    // Appends double the window (when the budget allows) so that a chunk written 4 KiB at a
    // time is copied a few times, not once per page.
    if (old !== undefined && lo === old.base) {
      const doubled = Math.min(CHUNK_SIZE, old.base + 2 * old.buf.length);
      if (doubled > end && doubled - lo - old.buf.length <= budget.freeBytes()) end = doubled;
    }
    const next = { base: lo, buf: Buffer.alloc(end - lo) };
    if (old !== undefined) old.buf.copy(next.buf, old.base - lo);
    replace(idx, old, next);
    return next;
  };

  /** Zero [from, to) (file offsets), giving whole pages at the edges of a window back. */
  const zeroRange = (from: number, to: number): void => {
    for (const [idx, chunk] of chunks) {
      const origin = idx * CHUNK_SIZE;
      const end = chunk.base + chunk.buf.length;
      const lo = Math.max(from - origin, chunk.base);
      const hi = Math.min(to - origin, end);
      if (lo >= hi) continue;
      chunk.buf.fill(0, lo - chunk.base, hi - chunk.base);
      const keepLo = lo === chunk.base ? Math.max(chunk.base, roundDown(hi)) : chunk.base;
      const keepHi = hi === end ? Math.min(end, roundUp(lo)) : end;
      if (keepLo >= keepHi) replace(idx, chunk, undefined);
      else if (keepLo !== chunk.base || keepHi !== end) {
        const buf = Buffer.from(chunk.buf.subarray(keepLo - chunk.base, keepHi - chunk.base));
        replace(idx, chunk, { base: keepLo, buf });
      }
    }
  };

  const checkEnd = (end: number): void => {
    if (end > MAX_FILE_SIZE) throw new FsError('EFBIG');
  };

  /** The largest `to` (chunk offset) chunk `idx` can reach from `from` within the budget. */
  const reach = (idx: number, from: number): number => {
    const old = chunks.get(idx);
    const { lo } = windowFor(old, from, from);
    const free = roundDown(Math.max(0, budget.freeBytes()));
    return Math.min(CHUNK_SIZE, lo + (old?.buf.length ?? 0) + free);
  };

  const writePiece = (buffer: Buffer, done: number, pos: number): number => {
    const idx = Math.floor(pos / CHUNK_SIZE);
    const within = pos - idx * CHUNK_SIZE;
    const fit = Math.min(CHUNK_SIZE - within, buffer.length - done, reach(idx, within) - within);
    if (fit <= 0) throw new FsError('ENOSPC');
    const chunk = ensure(idx, within, within + fit);
    buffer.copy(chunk.buf, within - chunk.base, done, done + fit);
    return fit;
  };

  return {
    get size() {
      return size;
    },
    get allocated() {
      return allocated;
    },
    read(buffer, offset) {
      if (offset >= size) return 0;
      const n = Math.min(buffer.length, size - offset);
      buffer.fill(0, 0, n);
      for (let done = 0; done < n;) {
        const pos = offset + done;
        const idx = Math.floor(pos / CHUNK_SIZE);
        const within = pos - idx * CHUNK_SIZE;
        const step = Math.min(CHUNK_SIZE - within, n - done);
        const chunk = chunks.get(idx);
        if (chunk !== undefined) {
          const lo = Math.max(within, chunk.base);
          const hi = Math.min(within + step, chunk.base + chunk.buf.length);
          if (lo < hi) chunk.buf.copy(buffer, done + lo - within, lo - chunk.base, hi - chunk.base);
        }
        done += step;
      }
      return n;
    },
    write(buffer, offset) {
      checkEnd(offset + buffer.length);
      let done = 0;
      while (done < buffer.length) {
        let step: number;
        try {
          step = writePiece(buffer, done, offset + done);
        } catch (err) {
          if (done > 0) break; // short write: what fitted stays, as on a full disk
          throw err;
        }
        done += step;
      }
      if (done > 0) size = Math.max(size, offset + done);
      return done;
    },
    truncate(newSize) {
      checkEnd(newSize);
      // Drop everything past the new size, preallocated space beyond EOF included, so that
      // growing the file again later shows a hole rather than old bytes.
      if (newSize < size) zeroRange(newSize, Number.POSITIVE_INFINITY);
      size = newSize;
    },
    reserve(offset, length) {
      checkEnd(offset + length);
      // Cheap rejection first: what is already held can cover at most `allocated` bytes.
      if (length - allocated > budget.freeBytes()) throw new FsError('ENOSPC');
      const end = offset + length;
      const spans: [number, number, number][] = [];
      let extra = 0;
      for (let idx = Math.floor(offset / CHUNK_SIZE); idx * CHUNK_SIZE < end; idx++) {
        const origin = idx * CHUNK_SIZE;
        const from = Math.max(0, offset - origin);
        const to = Math.min(CHUNK_SIZE, end - origin);
        const old = chunks.get(idx);
        const { lo, hi } = windowFor(old, from, to);
        extra += hi - lo - (old?.buf.length ?? 0);
        spans.push([idx, from, to]);
      }
      if (extra > budget.freeBytes()) throw new FsError('ENOSPC');
      // Only the last span can be partial, so growth slack cannot starve a later one.
      for (const [idx, from, to] of spans) ensure(idx, from, to);
    },
    punch(offset, length) {
      zeroRange(offset, offset + length);
    },
    nextData(offset) {
      let best: number | undefined;
      for (const [idx, chunk] of chunks) {
        const start = idx * CHUNK_SIZE + chunk.base;
        const end = Math.min(start + chunk.buf.length, size);
        const candidate = Math.max(start, offset);
        if (candidate < end && (best === undefined || candidate < best)) best = candidate;
      }
      return best;
    },
    nextHole(offset) {
      let pos = offset;
      for (;;) {
        const idx = Math.floor(pos / CHUNK_SIZE);
        const chunk = chunks.get(idx);
        if (chunk === undefined) break;
        const start = idx * CHUNK_SIZE + chunk.base;
        const end = start + chunk.buf.length;
        if (pos < start || pos >= end) break;
        pos = end;
      }
      return Math.min(pos, size);
    },
    free() {
      for (const [idx, chunk] of chunks) replace(idx, chunk, undefined);
      size = 0;
    },
  };
}
