import { countPages, PAGE, PAGES_PER_CHUNK } from './page-bits.js';

/** One chunk's held window and its data pages, and how a window grows. */
const CHUNK_SIZE = PAGES_PER_CHUNK * PAGE;

export interface Chunk {
  /** Offset of `buf` within the chunk (page aligned). */
  base: number;
  buf: Buffer;
  /** Pages holding data (see page-bits.ts); always inside the window. */
  pages: number;
}

export const roundUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;
export const roundDown = (n: number): number => Math.floor(n / PAGE) * PAGE;

/** The window a chunk needs to cover [from, to) (chunk offsets), without growth slack. */
export function windowFor(
  old: Chunk | undefined,
  from: number,
  to: number,
): { lo: number; hi: number } {
  if (old === undefined) return { lo: roundDown(from), hi: roundUp(to) };
  return {
    lo: Math.min(roundDown(from), old.base),
    hi: Math.max(roundUp(to), old.base + old.buf.length),
  };
}

export const lengthOf = (chunk: Chunk | undefined): number => chunk?.buf.length ?? 0;
export const pageCount = (chunk: Chunk | undefined): number => countPages(chunk?.pages ?? 0);

/**
 * Where a grown window should end: appends double the window (when `free` allows) so that a
 * chunk written 4 KiB at a time is copied a few times, not once per page.
 */
export function grownEnd(old: Chunk | undefined, lo: number, hi: number, free: number): number {
  if (old === undefined || lo !== old.base) return hi;
  const doubled = Math.min(CHUNK_SIZE, old.base + 2 * old.buf.length);
  return doubled > hi && doubled - lo - old.buf.length <= free ? doubled : hi;
}
