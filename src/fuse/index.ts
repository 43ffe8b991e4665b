/**
 * The FUSE engine's one public face. Everything outside src/fuse imports from here only
 * (test/unit/fuse/public-face.test.ts holds it to that):
 * - `openConnection`: mount (or take over an inherited `/dev/fd/N`), answer INIT, clone the queues;
 * - `serve`: serve a connection through the layer stack's seam (`StackPort`, ADR 0076);
 * - `requestResend`: after a crash, have the kernel re-queue what the predecessor left unanswered;
 * - the mount table and the mount/unmount helpers the CLI and the CSI driver need.
 */
export { closeConnectionFds, openConnection } from './mount/connection.js';
export type { Connection, ConnectionOptions } from './mount/connection.js';
export { createSession as serve } from './session/session.js';
export type { FuseSession, SessionOptions as ServeOptions } from './session/session.js';
export type { SessionStats } from './session/session-stats.js';
export { kernelResends, requestResend } from './custody/request-resend.js';
export type { InitOptions, NegotiatedInit } from './mount/init.js';
export { negotiatedInitFrom } from './mount/init-record.js';
export {
  canOpenDevFuse,
  findFusermount,
  FUSE_DEVICE,
  fuseFdProblem,
  inheritedFdOf,
  MountError,
  unmountFuse,
} from './mount/mount.js';
export { canonicalMountpoint, findMount, listMounts } from './mount/mount-table.js';
export type { MountInfo } from './mount/mount-table.js';
