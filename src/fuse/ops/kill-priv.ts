/**
 * Clearing setuid/setgid on write, truncate and chown (FUSE_HANDLE_KILLPRIV_V2).
 *
 * With HANDLE_KILLPRIV_V2 agreed, the kernel stops asking GETXATTR(security.capability) before
 * every write and leaves this duty to the server: it flags a WRITE (FUSE_WRITE_KILL_SUIDGID), an
 * OPEN or CREATE with O_TRUNC (FUSE_OPEN_KILL_SUIDGID) and a size-changing SETATTR
 * (FATTR_KILL_SUIDGID) when the caller lacks CAP_FSETID, and a non-directory chown always. A
 * server running as root holds CAP_FSETID, so the backing filesystem would keep the bits on its
 * own write: the engine clears them through the stack, with the rule the VFS applies (setuid
 * always, setgid only with group execute: setgid without it marks mandatory locking, not a
 * privilege). security.capability needs nothing here: the backing filesystem removes it on any
 * write or chown, whoever the writer is.
 */
import { injectedBy } from '../../vfs/errors.js';
import type { Attr } from '../../vfs/types.js';
import { run } from '../session/context.js';
import type { Req, SessionContext } from '../session/context.js';
import { privBits } from './priv-bits.js';

export { OPEN_KILL_SUIDGID, WRITE_KILL_SUIDGID } from './priv-bits.js';

/** Clear the privilege bits of a file whose attributes are `attr`; returns the new attributes. */
export async function killPrivBits(
  ctx: SessionContext,
  req: Req,
  target: { path: string; fh?: number },
  attr: Attr,
): Promise<Attr> {
  const bits = privBits(attr.mode);
  if (bits === 0) return attr;
  const args = { ...target, mode: attr.mode & 0o7777 & ~bits };
  try {
    return await run(ctx, req, 'setattr', args);
  } catch (err) {
    // A server that may not chmod this file (not its owner, no CAP_FOWNER) has no CAP_FSETID
    // either: the backing filesystem then clears the bits itself on the server's write.
    if ((err as { code?: unknown }).code === 'EPERM' && !injectedBy(err)) return attr;
    throw err;
  }
}

/** Look the file up and clear its privilege bits (before a flagged WRITE, after an O_TRUNC open). */
export async function killPriv(
  ctx: SessionContext,
  req: Req,
  target: { path: string; fh?: number },
): Promise<void> {
  await killPrivBits(ctx, req, target, await run(ctx, req, 'getattr', target));
}
