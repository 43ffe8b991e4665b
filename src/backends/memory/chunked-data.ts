import { FsError } from '../../vfs/errors.js';
import type { Budget } from './budget.js';
import { MAX_FILE_SIZE } from './constants.js';
import type { FileData } from './file-data.js';
import { nextData, nextHole } from './chunk-seek.js';
import type { Chunk } from './chunk-window.js';
import { grownEnd, lengthOf, pageCount, roundDown, windowFor } from './chunk-window.js';
import {
  coveredPages,
  countPages,
  highestPage,
  lowestPage,
  PAGE,
  PAGES_PER_CHUNK,
  touchedPages,
} from './page-bits.js';

/**
 * Sparse file data in 64 KiB chunks keyed by index, so a write at 1 TiB allocates one chunk and
 * a random write costs one Map lookup. Within a chunk only a page-aligned window is held
 * (`base`..`base + buf.length`), grown as writes land next to it: small files and random 4 KiB
 * writes cost pages, not whole chunks. Whatever is not held is a hole and reads as zeros; a page
 * mask tells which pages of the window hold data (the rest of the window is zeros).
 */
export const CHUNK_SIZE = PAGES_PER_CHUNK * PAGE;

export function createChunkedData(budget: Budget): FileData {
  const chunks = new Map<number, Chunk>();
  let size = 0;
  /** Pages holding data, times PAGE: what st_blocks shows. */
  let allocated = 0;

  const replace = (idx: number, old: Chunk | undefined, next: Chunk | undefined): void => {
    const delta = lengthOf(next) - lengthOf(old);
    if (delta > 0) budget.chargeBytes(delta);
    else budget.releaseBytes(-delta);
    allocated += (pageCount(next) - pageCount(old)) * PAGE;
    if (next === undefined) chunks.delete(idx);
    else chunks.set(idx, next);
  };

  const setPages = (chunk: Chunk, pages: number): void => {
    allocated += (countPages(pages) - countPages(chunk.pages)) * PAGE;
    chunk.pages = pages;
  };

  /** Make chunk `idx` hold [from, to) (chunk offsets), charging the budget first. */
  const ensure = (idx: number, from: number, to: number): Chunk => {
    const old = chunks.get(idx);
    if (old !== undefined && old.base <= from && old.base + old.buf.length >= to) {
      setPages(old, old.pages | touchedPages(from, to));
      return old;
    }
    const { lo, hi } = windowFor(old, from, to);
    const end = grownEnd(old, lo, hi, budget.freeBytes());
    const pages = (old?.pages ?? 0) | touchedPages(from, to);
    const next = { base: lo, buf: Buffer.alloc(end - lo), pages };
    if (old !== undefined) old.buf.copy(next.buf, old.base - lo);
    replace(idx, old, next);
    return next;
  };

  /** Zero [from, to) (file offsets): pages inside it stop holding data, and memory outside
   * the remaining data pages goes back to the budget. */
  const zeroRange = (from: number, to: number): void => {
    for (const [idx, chunk] of chunks) {
      const origin = idx * CHUNK_SIZE;
      const lo = Math.max(from - origin, chunk.base);
      const hi = Math.min(to - origin, chunk.base + chunk.buf.length);
      if (lo >= hi) continue;
      chunk.buf.fill(0, lo - chunk.base, hi - chunk.base);
      const pages = chunk.pages & ~coveredPages(lo, hi);
      if (pages === 0) {
        replace(idx, chunk, undefined);
        continue;
      }
      setPages(chunk, pages);
      const keepLo = lowestPage(pages) * PAGE;
      const keepHi = (highestPage(pages) + 1) * PAGE;
      if (keepLo === chunk.base && keepHi === chunk.base + chunk.buf.length) continue;
      const buf = Buffer.from(chunk.buf.subarray(keepLo - chunk.base, keepHi - chunk.base));
      replace(idx, chunk, { base: keepLo, buf, pages });
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
    nextData: (offset) => nextData(chunks, size, offset),
    nextHole: (offset) => nextHole(chunks, size, offset),
    free() {
      for (const [idx, chunk] of chunks) replace(idx, chunk, undefined);
      size = 0;
    },
  };
}
