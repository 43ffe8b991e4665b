import { FsError } from '../../vfs/errors.js';
import type { SessionContext } from '../session/context.js';

export const ROOT_NODE = 1;

/**
 * The root's ACLs, kept for the attribute timeout. The kernel creates the root inode while
 * mounting, before FUSE_INIT says the server keeps ACLs, so it marks that one inode
 * ACL_DONT_CACHE for good: every path walk through the mount root by anyone but the root's owner
 * would ask for its access ACL again (a round trip per open or stat, measured at 100-500 us
 * where a cached stat takes 2 us). Every other inode's ACL the kernel keeps until its attributes
 * expire; the engine does the same for the root, and forgets at once when the root's ACL or mode
 * changes through the mount.
 */
export interface RootAclCache {
  get(name: string, fetch: () => Promise<Buffer>): Promise<Buffer>;
  forget(): void;
}

interface Entry {
  readonly at: number;
  /** undefined: the root has no such ACL (ENODATA). */
  readonly value: Buffer | undefined;
}

export function createRootAclCache(o: { ttlMs: number; now: () => number }): RootAclCache {
  const entries = new Map<string, Entry>();
  let generation = 0;
  const keep = (name: string, at: number, since: number, value: Buffer | undefined): void => {
    // A change through the mount while the answer was on its way makes that answer stale.
    if (o.ttlMs > 0 && since === generation) entries.set(name, { at, value });
  };
  return {
    async get(name, fetch) {
      const hit = entries.get(name);
      if (hit !== undefined && o.now() - hit.at < o.ttlMs) {
        if (hit.value === undefined) throw new FsError('ENODATA');
        return Buffer.from(hit.value);
      }
      const [at, since] = [o.now(), generation];
      try {
        const value = await fetch();
        keep(name, at, since, Buffer.from(value));
        return value;
      } catch (err) {
        if (err instanceof FsError && err.code === 'ENODATA') keep(name, at, since, undefined);
        throw err;
      }
    },
    forget() {
      generation++;
      entries.clear();
    },
  };
}

const bySession = new WeakMap<SessionContext, RootAclCache>();

/** The session's cache; its clock is the monotonic one (a TTL, never a date). */
export function rootAclCache(ctx: SessionContext): RootAclCache {
  let cache = bySession.get(ctx);
  if (cache === undefined) {
    cache = createRootAclCache({
      ttlMs: ctx.times.attrTimeout * 1000,
      now: () => performance.now(),
    });
    bySession.set(ctx, cache);
  }
  return cache;
}
