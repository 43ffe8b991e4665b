import { lowestPage, PAGE, PAGES_PER_CHUNK, pagesFrom } from './page-bits.js';

/** SEEK_DATA and SEEK_HOLE over chunked data: only each chunk's page mask matters. */
const CHUNK_SIZE = PAGES_PER_CHUNK * PAGE;

type Chunks = ReadonlyMap<number, { readonly pages: number }>;

/** The first data offset >= `offset` within chunk `idx`, if any. */
function dataIn(idx: number, pages: number, offset: number): number | undefined {
  const origin = idx * CHUNK_SIZE;
  const first = Math.max(0, Math.floor((offset - origin) / PAGE));
  if (first >= PAGES_PER_CHUNK) return undefined;
  const left = pages & pagesFrom(first);
  return left === 0 ? undefined : Math.max(origin + lowestPage(left) * PAGE, offset);
}

/** Chunks probed one by one after the offset before falling back to a scan of all of them. */
const NEAR = 64;

function nearData(chunks: Chunks, size: number, offset: number): number | undefined {
  const start = Math.floor(offset / CHUNK_SIZE);
  for (let idx = start; idx < start + NEAR && idx * CHUNK_SIZE < size; idx++) {
    const chunk = chunks.get(idx);
    const found = chunk === undefined ? undefined : dataIn(idx, chunk.pages, offset);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** First offset >= `offset` (and < `size`) in a data page, or undefined. */
export function nextData(chunks: Chunks, size: number, offset: number): number | undefined {
  // Near first: tools walking a file with SEEK_DATA/SEEK_HOLE (cp, tar) ask about offsets at
  // or just before data, so a file of many chunks is not scanned whole on every call.
  const near = nearData(chunks, size, offset);
  if (near !== undefined) return near < size ? near : undefined;
  // Far: Map order is not offset order, so visit every chunk.
  let best: number | undefined;
  for (const [idx, chunk] of chunks) {
    const candidate = dataIn(idx, chunk.pages, offset);
    if (candidate !== undefined && candidate < size && (best === undefined || candidate < best)) {
      best = candidate;
    }
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
