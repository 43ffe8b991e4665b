/**
 * The control ints at the start of a reader's SharedArrayBuffer, after one state per slot (0
 * free, 1 taken by the main thread). Shared by the reader thread and the main thread.
 */
export const CONTROL = {
  /** Bumped by the main thread when it frees a slot (the reader waits on it when all are taken). */
  wake: 0,
  /** Requests this reader has read so far (wraps): the main thread's measure of its load. */
  requests: 1,
  /** 1 while the reader serves a request itself (direct-io.ts): a slow backing call shows. */
  inDirect: 2,
  /**
   * Microseconds this reader has spent serving requests itself so far (wraps): a reader busy
   * most of the time leaves requests queued that a second reader would serve (a slow store).
   */
  busyUs: 3,
  /**
   * The unique ID (low and high 32 bits) of the request this reader has read and not yet
   * answered or handed over, 0 0 when none: if the thread dies, the main thread answers it
   * (a request nobody answers leaves its caller blocked until the connection is aborted).
   */
  unique0: 4,
  unique1: 5,
} as const;

export const CONTROL_INTS = 6;

/** Index of control int `which` in a reader's Int32Array of `slots` slots. */
export const controlAt = (slots: number, which: keyof typeof CONTROL): number =>
  slots + CONTROL[which];

/** An error reply (out header only) for the request whose unique ID is `lo`, `hi`: 16 bytes. */
export function encodeErrorReply(buf: Buffer, lo: number, hi: number, errno: number): number {
  buf.writeUInt32LE(16, 0);
  buf.writeInt32LE(-errno, 4);
  buf.writeUInt32LE(lo >>> 0, 8);
  buf.writeUInt32LE(hi >>> 0, 12);
  return 16;
}
