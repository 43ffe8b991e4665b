import type { Attr } from '../../vfs/types.js';
import { run } from '../session/context.js';
import type { Req, SessionContext } from '../session/context.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** Two answers about one inode, taken at about the same time. */
function sameObject(a: Attr, b: Attr): boolean {
  return (
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.mode === b.mode &&
    a.nlink === b.nlink &&
    a.ctimeNs === b.ctimeNs
  );
}

/**
 * The node that (parent, name) must join because it is another name of an inode the kernel
 * already has a node ID for, or undefined for a node of its own.
 *
 * The kernel keeps attributes, page cache and locks per node ID: two IDs for one inode are two
 * inodes to it, and a chmod through one name leaves the other name's cached attributes stale.
 * An inode number alone does not prove identity (filesystems mounted inside the source, an
 * overlayfs copy-up that splits a hard link, a number reused after a deletion behind our back),
 * so a candidate is asked for its attributes now and must match in inode, device, mode, link
 * count and ctime. Only non-directories with more than one link can have another name. A
 * candidate registered while this one was being checked is checked too, so two concurrent
 * lookups of two names cannot both make a node of their own.
 */
export async function sameInodeNode(
  ctx: SessionContext,
  req: Req,
  at: { parent: number; name: string },
  attr: Attr,
): Promise<number | undefined> {
  if (attr.nlink < 2 || (attr.mode & S_IFMT) === S_IFDIR) return undefined;
  // Nodes the readers made while this request waited (removals.ts): candidates too.
  ctx.absorb?.();
  const current = ctx.nodes.lookupEdge(at.parent, at.name);
  // A name the kernel already has for this inode: the lookup only counts.
  if (current !== undefined && ctx.nodes.get(current)?.ino === attr.ino) return undefined;
  const checked = new Set<number>();
  for (;;) {
    const fresh = ctx.nodes.sameInode(attr.ino).filter((id) => id !== current && !checked.has(id));
    if (fresh.length === 0) return undefined;
    for (const id of fresh) {
      checked.add(id);
      if (await stillMatches(ctx, req, id, attr)) return id;
    }
  }
}

/** Whether node `id`, asked through its own name now, is the object `attr` describes. */
async function stillMatches(
  ctx: SessionContext,
  req: Req,
  id: number,
  attr: Attr,
): Promise<boolean> {
  const path = ctx.nodes.path(id);
  if (path === undefined) return false;
  const now = await run(ctx, req, 'getattr', { path }).catch(() => undefined);
  return now !== undefined && sameObject(now, attr);
}

/**
 * Tell the kernel that other node IDs with this inode number (names that could not be proven to
 * be one inode, or nodes a predecessor made before names shared IDs) may have changed.
 * Asynchronous, never waits for the kernel.
 */
export function otherNodesChanged(
  ctx: Pick<SessionContext, 'nodes' | 'invalidateAttrs'>,
  ino: bigint | undefined,
  except: number,
): void {
  if (ino === undefined || ctx.invalidateAttrs === undefined) return;
  const others = ctx.nodes.sameInode(ino).filter((id) => id !== except);
  if (others.length > 0) ctx.invalidateAttrs(others);
}
