import { injectedBy, toErrnoName } from '../../vfs/errors.js';
import type { Attr } from '../../vfs/types.js';
import { childPath, run } from '../session/context.js';
import type { Req, SessionContext } from '../session/context.js';
import { encodeMissOut, encodeOutHeader } from '../protocol/encode.js';
import { OUT_HEADER_SIZE as O } from '../protocol/layout.js';

/**
 * Negative entries (what libfuse's passthrough_hp does): under `-o exclusive` a LOOKUP of a
 * missing name is answered with node ID 0 and the entry timeout, so the kernel keeps a negative
 * dentry and the next stat or open of that name never reaches the server. Names the kernel
 * creates through the mount (create, mknod, mkdir, symlink, link, rename onto it) replace that
 * dentry in the kernel itself.
 *
 * Only when the miss is the backend's answer for the path as it is (no rename or rmdir through
 * the mount ran beside the LOOKUP: name-changes.ts) and stays true until a change through the
 * mount: the stack's plan says no layer can make up an ENOENT for a LOOKUP or change a name
 * (`cacheMisses`), and this server never answers a request it did not serve (`answerOrphan`:
 * on a kernel without FUSE_NOTIFY_RESEND a successor answers EINTR to a create its dead
 * predecessor may have carried out, and the kernel would then keep hiding the created name).
 */
export function kernelMayKeepMisses(ctx: SessionContext): boolean {
  return (
    ctx.exclusive === true &&
    ctx.times.entryTimeout > 0 &&
    ctx.answerOrphan === undefined &&
    ctx.stack.plan().cacheMisses
  );
}

/** The backend's own ENOENT: never one a layer says it injected. */
function isBackendMiss(err: unknown): boolean {
  return toErrnoName(err) === 'ENOENT' && injectedBy(err) === undefined;
}

/**
 * The attributes of the child `name` of `parent`, or undefined for a miss the kernel may keep
 * (reply with `replyMiss`; the session lists it); any other failure is thrown as it came.
 */
export async function lookupOrMiss(
  ctx: SessionContext,
  req: Req,
  at: { parent: number; name: string },
): Promise<Attr | undefined> {
  const path = childPath(ctx, at.parent, at.name);
  // Read before the call goes on (the plan of the stack that answers it) and again after it
  // (a swap while it ran may have put in a stack that forbids keeping misses).
  const keep = kernelMayKeepMisses(ctx);
  // The path comes from the node table as it is now: a rename or rmdir served while the call
  // runs may take its parent away (name-changes.ts), and the miss then says nothing.
  const mark = ctx.nameChanges?.mark();
  try {
    return await run(ctx, req, 'lookup', { path });
  } catch (err) {
    const settled = ctx.nameChanges?.unchangedSince(mark) ?? true;
    if (!keep || !settled || !isBackendMiss(err) || !kernelMayKeepMisses(ctx)) throw err;
    ctx.misses?.kept(at.parent, at.name);
    return undefined;
  }
}

export function replyMiss(ctx: SessionContext, req: Req): number {
  const len = O + encodeMissOut(req.buf, O, ctx.times.entryTimeout);
  encodeOutHeader(req.buf, len, 0);
  return len;
}
