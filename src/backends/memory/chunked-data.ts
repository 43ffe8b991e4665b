import { FsError } from '../../vfs/errors.js';
import type { Budget } from './budget.js';
import { MAX_FILE_SIZE } from './constants.js';
import type { FileData } from './file-data.js';

/**
 * Sparse file data in 64 KiB chunks keyed by index, so a write at 1 TiB allocates one chunk and
 * a random write costs one Map lookup. A chunk's buffer grows in 4 KiB pages up to the chunk size,
 * so small files cost pages, not whole chunks; a missing chunk (or the part of a chunk past its
 * buffer) is a hole and reads as zeros.
 */
export const CHUNK_SIZE = 64 * 1024;
const PAGE = 4096;

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;
/** Growing by doubling keeps appends of small writes from copying a chunk once per page. */
const grownLength = (oldLen: number, need: number): number =>
  Math.min(CHUNK_SIZE, roundUp(Math.max(need, oldLen * 2), PAGE));

export function createChunkedData(budget: Budget): FileData {
  const chunks = new Map<number, Buffer>();
  let size = 0;
  let allocated = 0;

  /** Make chunk `idx` at least `need` bytes long, charging the budget first. */
  const ensure = (idx: number, need: number): Buffer => {
    const old = chunks.get(idx);
    const oldLen = old?.length ?? 0;
    if (old !== undefined && oldLen >= need) return old;
    let newLen = grownLength(oldLen, need);
    // Near a full budget, grow exactly as far as needed rather than fail on the doubling.
    if (newLen - oldLen > budget.freeBytes()) newLen = roundUp(need, PAGE);
    budget.chargeBytes(newLen - oldLen);
    allocated += newLen - oldLen;
    const grown = Buffer.alloc(newLen);
    old?.copy(grown);
    chunks.set(idx, grown);
    return grown;
  };

  /** How long chunk `idx` can become: to the chunk size, or as far as the budget allows. */
  const roomIn = (idx: number): number => {
    const oldLen = chunks.get(idx)?.length ?? 0;
    const free = Math.max(0, budget.freeBytes());
    return Math.min(CHUNK_SIZE, oldLen + Math.floor(free / PAGE) * PAGE);
  };

  const drop = (idx: number, buf: Buffer): void => {
    chunks.delete(idx);
    budget.releaseBytes(buf.length);
    allocated -= buf.length;
  };

  /** Zero [from, to) (absolute offsets), dropping chunks that are covered entirely. */
  const zeroRange = (from: number, to: number): void => {
    for (const [idx, buf] of chunks) {
      const start = idx * CHUNK_SIZE;
      const lo = Math.max(from, start);
      const hi = Math.min(to, start + buf.length);
      if (lo >= hi) continue;
      if (lo === start && hi === start + buf.length) drop(idx, buf);
      else buf.fill(0, lo - start, hi - start);
    }
  };

  const checkEnd = (end: number): void => {
    if (end > MAX_FILE_SIZE) throw new FsError('EFBIG');
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
      let done = 0;
      while (done < n) {
        const pos = offset + done;
        const idx = Math.floor(pos / CHUNK_SIZE);
        const within = pos - idx * CHUNK_SIZE;
        const step = Math.min(CHUNK_SIZE - within, n - done);
        const buf = chunks.get(idx);
        const have = buf === undefined ? 0 : Math.max(0, Math.min(step, buf.length - within));
        if (have > 0) buf!.copy(buffer, done, within, within + have);
        if (have < step) buffer.fill(0, done + have, done + step);
        done += step;
      }
      return n;
    },
    write(buffer, offset) {
      checkEnd(offset + buffer.length);
      let done = 0;
      while (done < buffer.length) {
        const pos = offset + done;
        const idx = Math.floor(pos / CHUNK_SIZE);
        const within = pos - idx * CHUNK_SIZE;
        const step = Math.min(CHUNK_SIZE - within, buffer.length - done);
        const fit = Math.min(step, roomIn(idx) - within);
        if (fit <= 0) {
          if (done > 0) break;
          throw new FsError('ENOSPC');
        }
        const chunk = ensure(idx, within + fit);
        buffer.copy(chunk, within, done, done + fit);
        done += fit;
        if (fit < step) break;
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
      const needs: [number, number][] = [];
      let extra = 0;
      for (let idx = Math.floor(offset / CHUNK_SIZE); idx * CHUNK_SIZE < end; idx++) {
        const need = Math.min(CHUNK_SIZE, end - idx * CHUNK_SIZE);
        const have = chunks.get(idx)?.length ?? 0;
        if (have >= need) continue;
        needs.push([idx, need]);
        extra += roundUp(need, PAGE) - have;
      }
      if (extra > budget.freeBytes()) throw new FsError('ENOSPC');
      for (const [idx, need] of needs) ensure(idx, need);
    },
    punch(offset, length) {
      zeroRange(offset, offset + length);
    },
    nextData(offset) {
      let best: number | undefined;
      for (const [idx, buf] of chunks) {
        const start = idx * CHUNK_SIZE;
        const end = Math.min(start + buf.length, size);
        const candidate = Math.max(start, offset);
        if (candidate < end && (best === undefined || candidate < best)) best = candidate;
      }
      return best;
    },
    nextHole(offset) {
      let pos = offset;
      for (;;) {
        const idx = Math.floor(pos / CHUNK_SIZE);
        const buf = chunks.get(idx);
        const end = idx * CHUNK_SIZE + (buf?.length ?? 0);
        if (buf === undefined || pos >= end) break;
        pos = end;
      }
      return Math.min(pos, size);
    },
    free() {
      for (const [idx, buf] of chunks) drop(idx, buf);
      size = 0;
    },
  };
}
