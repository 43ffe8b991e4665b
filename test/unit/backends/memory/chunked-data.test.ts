import { describe, expect, it } from '@jest/globals';
import { createBudget } from '../../../../src/backends/memory/budget.js';
import { CHUNK_SIZE, createChunkedData } from '../../../../src/backends/memory/chunked-data.js';

const GiB = 1024 ** 3;
const make = (maxBytes = 16 * 1024 * 1024) => {
  const budget = createBudget({ maxBytes, maxInodes: 10 });
  return { budget, data: createChunkedData(budget) };
};
const readAt = (data: ReturnType<typeof make>['data'], offset: number, size: number) => {
  const buf = Buffer.alloc(size, 0xee);
  return buf.subarray(0, data.read(buf, offset));
};

describe('chunked file data', () => {
  it.each([
    ['inside one chunk', 10, 100],
    ['across a chunk boundary', CHUNK_SIZE - 7, 20],
    ['spanning several chunks', CHUNK_SIZE - 1, 3 * CHUNK_SIZE + 2],
    ['beyond 4 GiB', 5 * GiB + 3, 4096],
  ])('writes and reads back %s', (_name, offset, length) => {
    const { data } = make();
    const payload = Buffer.alloc(length);
    for (let i = 0; i < length; i++) payload[i] = (i * 7 + 1) & 0xff;
    expect(data.write(payload, offset)).toBe(length);
    expect(data.size).toBe(offset + length);
    expect(readAt(data, offset, length).equals(payload)).toBe(true);
    // The bytes before the write are a hole and read as zeros.
    const before = Math.max(0, offset - 50);
    expect(readAt(data, before, offset - before).every((b) => b === 0)).toBe(true);
  });

  it('allocates only the chunks written, even at 100 GiB', () => {
    const { data, budget } = make();
    data.write(Buffer.from('x'), 100 * GiB);
    expect(data.size).toBe(100 * GiB + 1);
    expect(data.allocated).toBe(4096);
    expect(budget.usedBytes).toBe(4096);
    expect(readAt(data, 100 * GiB - 2, 3)).toEqual(Buffer.from([0, 0, 0x78]));
  });

  it('grows a chunk by pages, not by whole chunks', () => {
    const { data, budget } = make();
    data.write(Buffer.alloc(10, 1), 0);
    expect([data.allocated, budget.usedBytes]).toEqual([4096, 4096]);
    data.write(Buffer.alloc(10, 1), 5000);
    expect([data.allocated, budget.usedBytes]).toEqual([8192, 8192]);
    // Crossing into the next chunk: the window of chunk 0 spans it all, but only three pages
    // hold data; chunk 1 holds one page.
    data.write(Buffer.alloc(10, 1), CHUNK_SIZE - 1);
    expect([data.allocated, budget.usedBytes]).toEqual([4 * 4096, CHUNK_SIZE + 4096]);
  });

  it.each([
    ['in the middle of a chunk', [5 * 4096], 4096],
    ['below an existing window (grows down)', [9 * 4096, 2 * 4096], 8 * 4096],
    ['at both ends of a chunk', [0, CHUNK_SIZE - 4096], CHUNK_SIZE],
  ])('a random 4 KiB write %s holds only the pages between', (_name, offsets, memory) => {
    const { data, budget } = make();
    const page = Buffer.alloc(4096, 0x5a);
    for (const off of offsets) data.write(page, off);
    expect(budget.usedBytes).toBe(memory);
    expect(data.allocated).toBe(offsets.length * 4096);
    for (const off of offsets) expect(readAt(data, off, 4096).equals(page)).toBe(true);
    const max = Math.max(...offsets);
    expect(readAt(data, 0, max).filter((b) => b !== 0).length).toBe((offsets.length - 1) * 4096);
  });

  it('a hole punched inside a window is a hole for st_blocks and SEEK_HOLE', () => {
    const { data, budget } = make();
    data.write(Buffer.alloc(CHUNK_SIZE, 1), 0);
    data.punch(4096, 8192);
    expect(data.allocated).toBe(CHUNK_SIZE - 8192);
    expect(budget.usedBytes).toBe(CHUNK_SIZE); // memory comes back only at the window's edges
    expect(data.nextHole(0)).toBe(4096);
    expect(data.nextData(4096)).toBe(12288);
    expect(readAt(data, 4095, 8194).filter((b) => b !== 0).length).toBe(2);
    // Writing into the hole makes it data again.
    data.write(Buffer.from('x'), 5000);
    expect(data.allocated).toBe(CHUNK_SIZE - 4096);
    expect(data.nextHole(0)).toBe(8192);
  });

  it('finds data and holes around a window that starts inside a chunk', () => {
    const { data } = make();
    data.write(Buffer.alloc(4096, 1), CHUNK_SIZE + 8192);
    expect(data.nextData(0)).toBe(CHUNK_SIZE + 8192);
    expect(data.nextHole(CHUNK_SIZE)).toBe(CHUNK_SIZE);
    expect(data.nextHole(CHUNK_SIZE + 8192)).toBe(CHUNK_SIZE + 12288);
  });

  it('reads are clipped at the end of the file and return 0 past it', () => {
    const { data } = make();
    data.write(Buffer.from('hello'), 0);
    expect(readAt(data, 3, 100).toString()).toBe('lo');
    expect(readAt(data, 5, 10).length).toBe(0);
    expect(readAt(data, 1000, 10).length).toBe(0);
  });

  it('truncating down drops the tail so growing again shows zeros', () => {
    const { data, budget } = make();
    data.write(Buffer.alloc(3 * CHUNK_SIZE, 0xaa), 0);
    data.truncate(CHUNK_SIZE + 10);
    // The second chunk keeps only the page holding the 10 remaining bytes.
    expect(data.allocated).toBe(CHUNK_SIZE + 4096);
    data.truncate(3 * CHUNK_SIZE);
    expect(data.size).toBe(3 * CHUNK_SIZE);
    const tail = readAt(data, CHUNK_SIZE + 8, 4);
    expect([...tail]).toEqual([0xaa, 0xaa, 0, 0]);
    expect(budget.usedBytes).toBe(data.allocated);
  });

  it('punches holes: whole pages are released, partial ones zeroed', () => {
    const { data } = make();
    data.write(Buffer.alloc(3 * CHUNK_SIZE, 0xbb), 0);
    data.punch(100, 2 * CHUNK_SIZE);
    expect(data.size).toBe(3 * CHUNK_SIZE);
    // Left: the page holding bytes 0..99; right: the whole third chunk (its first page is partial).
    expect(data.allocated).toBe(4096 + CHUNK_SIZE);
    expect([...readAt(data, 98, 4)]).toEqual([0xbb, 0xbb, 0, 0]);
    expect([...readAt(data, 2 * CHUNK_SIZE + 98, 4)]).toEqual([0, 0, 0xbb, 0xbb]);
  });

  it.each([
    ['start of data', 0, 0, CHUNK_SIZE],
    ['inside first data', 10, 10, CHUNK_SIZE],
    ['in the hole', CHUNK_SIZE + 5, 3 * CHUNK_SIZE, CHUNK_SIZE + 5],
    ['in the last data', 3 * CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 100],
  ])('finds data and holes from the %s', (_name, from, data0, hole) => {
    const { data } = make();
    data.write(Buffer.alloc(CHUNK_SIZE, 1), 0);
    data.write(Buffer.alloc(100, 1), 3 * CHUNK_SIZE);
    expect(data.nextData(from)).toBe(data0);
    expect(data.nextHole(from)).toBe(hole);
  });

  it('walks data regions near and far apart with SEEK_DATA/SEEK_HOLE', () => {
    const { data } = make();
    const regions = [0, 10 * CHUNK_SIZE + 4096, 1000 * CHUNK_SIZE, 1000 * CHUNK_SIZE + 3 * 4096];
    for (const off of regions) data.write(Buffer.alloc(4096, 1), off);
    data.truncate(2000 * CHUNK_SIZE);
    const found: [number, number][] = [];
    for (let pos = data.nextData(0); pos !== undefined; pos = data.nextData(data.nextHole(pos))) {
      found.push([pos, data.nextHole(pos)]);
    }
    expect(found).toEqual(regions.map((off) => [off, off + 4096]));
  });

  it('reports no data after the last data region', () => {
    const { data } = make();
    data.write(Buffer.alloc(10, 1), 0);
    data.truncate(10 * CHUNK_SIZE);
    expect(data.nextData(CHUNK_SIZE)).toBeUndefined();
  });

  it('writes short when space runs out part way, and ENOSPC when nothing fits', () => {
    const { data, budget } = make(2 * CHUNK_SIZE);
    expect(data.write(Buffer.alloc(3 * CHUNK_SIZE, 1), 0)).toBe(2 * CHUNK_SIZE);
    expect(data.size).toBe(2 * CHUNK_SIZE);
    expect(() => data.write(Buffer.alloc(10), 5 * CHUNK_SIZE)).toThrow(
      expect.objectContaining({ code: 'ENOSPC' }),
    );
    expect(budget.usedBytes).toBe(2 * CHUNK_SIZE);
  });

  it('reserves all or nothing', () => {
    const { data, budget } = make(2 * CHUNK_SIZE);
    expect(() => data.reserve(0, 3 * CHUNK_SIZE)).toThrow(
      expect.objectContaining({ code: 'ENOSPC' }),
    );
    expect(budget.usedBytes).toBe(0);
    data.reserve(0, 2 * CHUNK_SIZE);
    expect(data.allocated).toBe(2 * CHUNK_SIZE);
    expect(data.size).toBe(0);
    // A terabyte reservation is refused without walking its chunks.
    expect(() => data.reserve(0, 1024 * GiB)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
  });

  it('refuses sizes past 2^53 with EFBIG', () => {
    const { data } = make();
    expect(() => data.write(Buffer.alloc(2), Number.MAX_SAFE_INTEGER - 1)).toThrow(
      expect.objectContaining({ code: 'EFBIG' }),
    );
    expect(() => data.truncate(Number.MAX_SAFE_INTEGER + 2)).toThrow(
      expect.objectContaining({ code: 'EFBIG' }),
    );
  });

  it('frees everything back to the budget', () => {
    const { data, budget } = make();
    data.write(Buffer.alloc(200_000, 1), 12345);
    data.free();
    expect(budget.usedBytes).toBe(0);
    expect(data.size).toBe(0);
  });
});
