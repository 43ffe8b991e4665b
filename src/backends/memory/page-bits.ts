/**
 * Which 4 KiB pages of a 64 KiB chunk hold data, as a 16-bit mask. The chunk's buffer (its
 * window) decides the memory used; the mask decides what counts as data for st_blocks,
 * SEEK_DATA and SEEK_HOLE, so a hole punched inside a window is still a hole.
 */
export const PAGE = 4096;
export const PAGES_PER_CHUNK = 16;
export const ALL_PAGES = (1 << PAGES_PER_CHUNK) - 1;

/** Pages [a, b) as a mask. */
const range = (a: number, b: number): number => (b <= a ? 0 : ((1 << b) - 1) & ~((1 << a) - 1));

/** Pages touched by the byte range [lo, hi) of a chunk. */
export const touchedPages = (lo: number, hi: number): number =>
  range(Math.floor(lo / PAGE), Math.ceil(hi / PAGE));

/** Pages lying entirely inside [lo, hi). */
export const coveredPages = (lo: number, hi: number): number =>
  range(Math.ceil(lo / PAGE), Math.floor(hi / PAGE));

/** Pages at or after page `p`. */
export const pagesFrom = (p: number): number => ALL_PAGES & ~((1 << p) - 1);

export function countPages(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

export const lowestPage = (mask: number): number => 31 - Math.clz32(mask & -mask);
export const highestPage = (mask: number): number => 31 - Math.clz32(mask);
