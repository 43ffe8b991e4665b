import { lowestPage, PAGE, PAGES_PER_CHUNK, pagesFrom } from './page-bits.js';

/** SEEK_DATA and SEEK_HOLE over chunked data: only each chunk's page mask matters. */
const CHUNK_SIZE = PAGES_PER_CHUNK * PAGE;

type Chunks = ReadonlyMap<number, { readonly pages: number }>;

/** First offset >= `offset` (and < `size`) in a data page, or undefined. */
export function nextData(chunks: Chunks, size: number, offset: number): number | undefined {
  let best: number | undefined;
  // Every chunk is visited (Map order is not offset order); files rarely have many chunks
  // past the offset asked about, and SEEK_DATA is not on any hot path.
  for (const [idx, chunk] of chunks) {
    const origin = idx * CHUNK_SIZE;
    const first = Math.max(0, Math.floor((offset - origin) / PAGE));
    if (first >= PAGES_PER_CHUNK) continue;
    const pages = chunk.pages & pagesFrom(first);
    if (pages === 0) continue;
    const candidate = Math.max(origin + lowestPage(pages) * PAGE, offset);
    if (candidate < size && (best === undefined || candidate < best)) best = candidate;
  }
  return best;
}

/** First offset >= `offset` in a hole; the end of the file counts as one. */
export function nextHole(chunks: Chunks, size: number, offset: number): number {
  let pos = offset;
  for (;;) {
    const idx = Math.floor(pos / CHUNK_SIZE);
    const pages = chunks.get(idx)?.pages ?? 0;
    let page = Math.floor((pos - idx * CHUNK_SIZE) / PAGE);
    if ((pages & (1 << page)) === 0) break;
    while (page < PAGES_PER_CHUNK && (pages & (1 << page)) !== 0) page++;
    pos = idx * CHUNK_SIZE + page * PAGE;
  }
  return Math.min(pos, size);
}
