import { FsError } from '../../vfs/errors.js';
import type { Handler, Req, SessionContext } from '../session/context.js';
import * as dir from './dir.js';
import * as entry from './entry.js';
import * as file from './file.js';
import * as fileOpen from './file-open.js';
import * as misc from './misc.js';
import { Opcode } from '../protocol/constants.js';

const enosys: Handler = () => Promise.reject(new FsError('ENOSYS'));
const noReply: Handler = () => Promise.resolve(-1);

/**
 * Opcode -> handler. Anything absent (BMAP, IOCTL, POLL, DAX mappings, TMPFILE, STATX, CUSE)
 * answers ENOSYS, which the kernel caches for most of them. INIT, INTERRUPT and DESTROY are
 * handled by the session itself.
 */
const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [Opcode.LOOKUP, entry.lookup],
  [Opcode.FORGET, entry.forget],
  [Opcode.BATCH_FORGET, entry.batchForget],
  [Opcode.GETATTR, entry.getattr],
  [Opcode.SETATTR, entry.setattr],
  [Opcode.READLINK, entry.readlink],
  [Opcode.SYMLINK, entry.symlink],
  [Opcode.MKNOD, entry.mknod],
  [Opcode.MKDIR, entry.mkdir],
  [Opcode.UNLINK, entry.unlink],
  [Opcode.RMDIR, entry.rmdir],
  [Opcode.RENAME, entry.rename],
  [Opcode.RENAME2, entry.rename2],
  [Opcode.LINK, entry.link],
  [Opcode.OPEN, fileOpen.open],
  [Opcode.CREATE, fileOpen.create],
  [Opcode.READ, file.read],
  [Opcode.WRITE, file.write],
  [Opcode.FLUSH, file.flush],
  [Opcode.FSYNC, file.fsync],
  [Opcode.RELEASE, fileOpen.release],
  [Opcode.FALLOCATE, file.fallocate],
  [Opcode.LSEEK, file.lseek],
  [Opcode.COPY_FILE_RANGE, file.copyFileRange],
  [Opcode.OPENDIR, dir.opendir],
  [Opcode.READDIR, dir.readdir],
  [Opcode.READDIRPLUS, dir.readdirplus],
  [Opcode.RELEASEDIR, dir.releasedir],
  [Opcode.FSYNCDIR, dir.fsyncdir],
  [Opcode.STATFS, misc.statfs],
  [Opcode.ACCESS, misc.access],
  [Opcode.SETXATTR, misc.setxattr],
  [Opcode.GETXATTR, misc.getxattr],
  [Opcode.LISTXATTR, misc.listxattr],
  [Opcode.REMOVEXATTR, misc.removexattr],
  [Opcode.GETLK, misc.getlk],
  [Opcode.SETLK, misc.setlk],
  [Opcode.SETLKW, misc.setlkw],
  [Opcode.NOTIFY_REPLY, noReply],
]);

export function dispatch(ctx: SessionContext, req: Req): Promise<number> {
  return (HANDLERS.get(req.h.opcode) ?? enosys)(ctx, req);
}

/** Requests the kernel expects no reply to. */
export function expectsNoReply(opcode: number): boolean {
  return (
    opcode === Opcode.FORGET ||
    opcode === Opcode.BATCH_FORGET ||
    opcode === Opcode.INTERRUPT ||
    opcode === Opcode.NOTIFY_REPLY
  );
}
