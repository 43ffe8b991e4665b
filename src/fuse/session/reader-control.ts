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
} as const;

export const CONTROL_INTS = 4;

/** Index of control int `which` in a reader's Int32Array of `slots` slots. */
export const controlAt = (slots: number, which: keyof typeof CONTROL): number =>
  slots + CONTROL[which];
