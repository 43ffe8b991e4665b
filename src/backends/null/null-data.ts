import { FsError } from '../../vfs/errors.js';
import type { FileData } from '../memory/file-data.js';
import { MAX_FILE_SIZE } from '../memory/constants.js';

/**
 * A file that keeps only its size: writes are accepted and dropped, reads return zeros. The whole
 * file is one hole (no data, no blocks), which is exactly what its reads show.
 */
export function createNullData(): FileData {
  let size = 0;
  const checkEnd = (end: number): void => {
    if (end > MAX_FILE_SIZE) throw new FsError('EFBIG');
  };
  return {
    get size() {
      return size;
    },
    allocated: 0,
    read(buffer, offset) {
      if (offset >= size) return 0;
      const n = Math.min(buffer.length, size - offset);
      buffer.fill(0, 0, n);
      return n;
    },
    write(buffer, offset) {
      checkEnd(offset + buffer.length);
      if (buffer.length > 0) size = Math.max(size, offset + buffer.length);
      return buffer.length;
    },
    truncate(newSize) {
      checkEnd(newSize);
      size = newSize;
    },
    reserve(offset, length) {
      checkEnd(offset + length);
    },
    punch() {},
    nextData: () => undefined,
    nextHole: (offset) => Math.min(offset, size),
    free() {
      size = 0;
    },
  };
}
