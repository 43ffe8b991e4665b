import type { Budget } from './budget.js';

/**
 * The contents of one regular file. The metadata code (tree, ops) is the same for the memory and
 * the null backend; only this store differs: the memory backend keeps bytes in sparse chunks, the
 * null backend keeps only the size.
 */
export interface FileData {
  readonly size: number;
  /** Bytes held for this file (st_blocks is derived from it). */
  readonly allocated: number;
  /** Copy bytes at `offset` into `buffer` (holes read as zeros); returns the count, 0 at EOF. */
  read(buffer: Buffer, offset: number): number;
  /**
   * Store `buffer` at `offset`, extending the size. Short (but > 0) when space runs out part
   * way, as on a full disk; throws ENOSPC when nothing could be stored, EFBIG past the limit.
   */
  write(buffer: Buffer, offset: number): number;
  /** Set the size; shrinking drops the data past it, growing adds a hole. */
  truncate(size: number): void;
  /** Reserve storage for a range without changing the size or the bytes (all or nothing). */
  reserve(offset: number, length: number): void;
  /** Turn a range into a hole (reads as zeros, storage released where whole chunks go). */
  punch(offset: number, length: number): void;
  /** First offset >= `offset` that holds data, or undefined when only holes follow. */
  nextData(offset: number): number | undefined;
  /** First offset >= `offset` in a hole; the end of the file counts as one. */
  nextHole(offset: number): number;
  /** Release all storage (the inode is gone). */
  free(): void;
}

export type FileDataFactory = (budget: Budget) => FileData;
