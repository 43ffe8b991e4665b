import { randomInt } from 'node:crypto';

export interface OpenFile {
  readonly fd: number;
  readonly path: string;
  /** The open flags as the kernel gave them (used for lazy reopen and lock fds). */
  readonly flags: number;
  readonly kind: 'file' | 'dir';
  /** "dev:ino", filled on first use by the lock code. */
  inodeKey?: string;
}

/**
 * File handles are the backend's own opaque numbers, not fd numbers: a successor process after a
 * crash can recognise a handle it never issued and reopen the file lazily (fuse-engine findings,
 * step 6). The default base is random so two instances rarely hand out the same numbers.
 */
export interface HandleTable {
  add(file: OpenFile): number;
  /** Register a file under a number issued by a predecessor (lazy reopen). */
  adopt(fh: number, file: OpenFile): void;
  get(fh: number): OpenFile | undefined;
  take(fh: number): OpenFile | undefined;
  values(): IterableIterator<OpenFile>;
  readonly size: number;
}

export function createHandleTable(options: { firstHandle?: number } = {}): HandleTable {
  const files = new Map<number, OpenFile>();
  // A base below 2^40 keeps every handle a safe integer for more opens than a process can make.
  let next = options.firstHandle ?? randomInt(1, 2 ** 40);
  return {
    add(file) {
      const fh = next++;
      files.set(fh, file);
      return fh;
    },
    adopt(fh, file) {
      files.set(fh, file);
    },
    get: (fh) => files.get(fh),
    take(fh) {
      const file = files.get(fh);
      files.delete(fh);
      return file;
    },
    values: () => files.values(),
    get size() {
      return files.size;
    },
  };
}
