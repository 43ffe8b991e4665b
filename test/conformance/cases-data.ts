import { describe, expect } from '@jest/globals';
import type { Harness, SuiteContext } from './harness.js';
import { O_RDWR, errnoOf } from './harness.js';

const GiB = 1024 ** 3;
const SEEK_DATA = 3;
const SEEK_HOLE = 4;
const FALLOC_FL_KEEP_SIZE = 0x01;
const FALLOC_FL_PUNCH_HOLE = 0x02;
const FALLOC_FL_ZERO_RANGE = 0x10;

async function withFile(
  h: Harness,
  path: string,
  fn: (fh: number) => Promise<void>,
): Promise<void> {
  await h.writeFile(path, '');
  const fh = await h.open(path, O_RDWR);
  try {
    await fn(fh);
  } finally {
    await h.run('release', { path, fh, flags: O_RDWR });
  }
}

/** Large sparse files, SEEK_DATA/SEEK_HOLE, fallocate modes and copy_file_range. */
export function dataCases(s: SuiteContext): void {
  describe('data layout', () => {
    s.test()('offsets beyond 4 GiB work in a sparse file', async () => {
      const h = s.h();
      await withFile(h, '/big', async (fh) => {
        const at = 5 * GiB + 12345;
        await h.run('write', {
          path: '/big',
          fh,
          buffer: Buffer.from('far'),
          offset: at,
          flags: O_RDWR,
        });
        const attr = await h.run('getattr', { path: '/big', fh });
        expect(attr.size).toBe(at + 3);
        if (s.caps.has('blocks')) expect(attr.blocks * 512).toBeLessThan(1024 * 1024);
        const buf = Buffer.alloc(6, 0xff);
        await h.run('read', { path: '/big', fh, buffer: buf, offset: at - 3, flags: O_RDWR });
        expect(buf).toEqual(Buffer.from('\0\0\0far'));
        expect((await h.run('setattr', { path: '/big', fh, size: 4 * GiB + 1 })).size).toBe(
          4 * GiB + 1,
        );
      });
    });

    s.test('seekHole')(
      'SEEK_DATA and SEEK_HOLE find data and holes; ENXIO past the end',
      async () => {
        const h = s.h();
        await withFile(h, '/sparse', async (fh) => {
          const block = Buffer.alloc(4096, 1);
          await h.run('write', { path: '/sparse', fh, buffer: block, offset: 0, flags: O_RDWR });
          await h.run('write', {
            path: '/sparse',
            fh,
            buffer: block,
            offset: 1024 * 1024,
            flags: O_RDWR,
          });
          const seek = (offset: number, whence: number) =>
            h.run('lseek', { path: '/sparse', fh, offset, whence });
          expect(await seek(0, SEEK_DATA)).toBe(0);
          expect(await seek(0, SEEK_HOLE)).toBe(4096);
          expect(await seek(4096, SEEK_DATA)).toBe(1024 * 1024);
          expect(await seek(1024 * 1024, SEEK_HOLE)).toBe(1024 * 1024 + 4096);
          expect(await errnoOf(seek(1024 * 1024 + 4096, SEEK_DATA))).toBe('ENXIO');
          expect(await errnoOf(seek(8 * 1024 * 1024, SEEK_HOLE))).toBe('ENXIO');
        });
      },
    );

    s.test('fallocate')(
      'fallocate allocates, keeps size on request, punches and zeroes ranges',
      async () => {
        const h = s.h();
        await withFile(h, '/fa', async (fh) => {
          const fa = (offset: number, length: number, mode: number) =>
            h.run('fallocate', { path: '/fa', fh, offset, length, mode });
          await fa(0, 65536, 0);
          expect((await h.run('getattr', { path: '/fa', fh })).size).toBe(65536);
          await fa(65536, 65536, FALLOC_FL_KEEP_SIZE);
          const kept = await h.run('getattr', { path: '/fa', fh });
          expect(kept.size).toBe(65536);
          if (s.caps.has('blocks')) expect(kept.blocks * 512).toBeGreaterThanOrEqual(131072);
          await h.run('write', {
            path: '/fa',
            fh,
            buffer: Buffer.alloc(65536, 7),
            offset: 0,
            flags: O_RDWR,
          });
          await fa(4096, 8192, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
          await fa(20480, 4096, FALLOC_FL_ZERO_RANGE);
          const buf = Buffer.alloc(65536);
          await h.run('read', { path: '/fa', fh, buffer: buf, offset: 0, flags: O_RDWR });
          const zeroAt = (from: number, to: number) => buf.subarray(from, to).every((b) => b === 0);
          expect([zeroAt(0, 4096), zeroAt(4096, 12288), zeroAt(12288, 20480)]).toEqual([
            false,
            true,
            false,
          ]);
          expect([zeroAt(20480, 24576), zeroAt(24576, 65536)]).toEqual([true, false]);
          expect((await h.run('getattr', { path: '/fa', fh })).size).toBe(65536);
          expect(await errnoOf(fa(0, 4096, FALLOC_FL_PUNCH_HOLE))).toBe('EOPNOTSUPP');
        });
      },
    );

    s.test('copyFileRange')('copy_file_range copies between files at given offsets', async () => {
      const h = s.h();
      await h.writeFile('/src', '0123456789');
      await h.writeFile('/dst', 'abcdefghij');
      const src = await h.open('/src', 0);
      const dst = await h.open('/dst', O_RDWR);
      const n = await h.run('copyFileRange', {
        path: '/src',
        fh: src,
        offset: 2,
        newPath: '/dst',
        fhOut: dst,
        offsetOut: 5,
        length: 4,
        flags: 0,
      });
      expect(n).toBe(4);
      await h.run('release', { path: '/src', fh: src, flags: 0 });
      await h.run('release', { path: '/dst', fh: dst, flags: O_RDWR });
      expect((await h.readFile('/dst')).toString()).toBe('abcde2345j');
    });
  });
}
