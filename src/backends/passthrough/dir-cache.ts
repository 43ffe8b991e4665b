/**
 * Directory O_PATH fds kept open by volume path, so that a namespace op below a subdirectory
 * skips the openat2 of its parent (and its close). Only exact while nothing but this backend
 * changes which directory sits at a path: the `-o exclusive` contract (docs/fuse-engine.md,
 * "Caching and coherence"; ADR 0010, amendment). The backend brackets every op that can move or
 * remove a directory (rename, rmdir) with `changing`, which drops each cached path equal to or
 * below the paths it names, before and after the call.
 *
 * Keys are volume paths without the leading `/` ("a/b"), as the confinement splits them: names
 * are surrogate-escaped byte strings (ADR 0075) in which `/` only ever separates components, so a
 * string prefix ending in `/` is exactly a subtree.
 */

/** A reference to a cached (or about to be closed) directory fd; release exactly once. */
export interface HeldDir {
  readonly fd: number;
  release(): void;
}

export interface DirCache {
  /** The held fd for `key` (most recently used from now on), or undefined on a miss. */
  acquire(key: string): HeldDir | undefined;
  /** The current generation, to be read before resolving a path that will be `insert`ed. */
  generation(): number;
  /**
   * Hand a freshly resolved fd to the cache. It is kept only when no change began or ended since
   * `generation` was read (else the resolution may have raced a rename) and no other resolution
   * of the same key won; otherwise it is closed when the reference is released.
   */
  insert(key: string, fd: number, generation: number): HeldDir;
  /**
   * A rename or rmdir of `paths` begins: their subtrees are dropped now and again at `end()`,
   * and nothing resolved meanwhile is cached.
   */
  changing(paths: readonly string[]): { end(): void };
  /** Cached entries (in use or not). */
  readonly size: number;
  /**
   * Drop every entry and keep none from now on (the backend is closing; a resolution still in
   * flight is closed at its release); fds in use are closed at their release.
   */
  clear(): void;
}

interface Entry {
  readonly key: string;
  readonly fd: number;
  refs: number;
  cached: boolean;
  /** When it was resolved (the clock's ms): older than maxAgeMs, it is resolved again. */
  readonly born: number;
}

export interface DirCacheOptions {
  /** Most entries kept; the least recently used unused ones beyond it are closed. */
  max: number;
  /** Close an fd (O_PATH: no I/O). */
  close(fd: number): void;
  /**
   * How long an entry is used before its path is resolved again, ms (default DIR_CACHE_AGE_MS).
   * The contract of `-o exclusive` says nobody else moves a directory; if somebody does anyway
   * (a host process, another client of a network volume), ops below its old path act in the
   * moved directory for at most this long, also when it was moved out of the root.
   */
  maxAgeMs?: number;
  /** The clock, ms (performance.now). */
  now?: () => number;
}

/** Default bound: 256 O_PATH fds per volume (plus one per request in flight). */
export const DIR_CACHE_MAX = 256;
/** Default entry lifetime: a burst of ops in one directory resolves it once. */
export const DIR_CACHE_AGE_MS = 1000;

export function createDirCache(o: DirCacheOptions): DirCache {
  const entries = new Map<string, Entry>();
  let gen = 0;
  let pending = 0;
  /** clear() ran (the backend is closing): nothing resolved from now on is kept. */
  let closed = false;
  const maxAge = o.maxAgeMs ?? DIR_CACHE_AGE_MS;
  const now = o.now ?? (() => performance.now());

  const drop = (e: Entry): void => {
    entries.delete(e.key);
    e.cached = false;
    if (e.refs === 0) o.close(e.fd);
  };
  const hold = (e: Entry): HeldDir => {
    e.refs++;
    let released = false;
    return {
      fd: e.fd,
      release() {
        if (released) return;
        released = true;
        e.refs--;
        if (e.refs === 0 && !e.cached) o.close(e.fd);
      },
    };
  };
  const evict = (): void => {
    // Map order is insertion order and a hit re-inserts: the first entries are the least recent.
    for (const e of entries.values()) {
      if (entries.size <= o.max) return;
      drop(e);
    }
  };
  const invalidate = (path: string): void => {
    const below = `${path}/`;
    for (const e of [...entries.values()]) {
      if (e.key === path || e.key.startsWith(below)) drop(e);
    }
  };

  return {
    acquire(key) {
      const e = entries.get(key);
      if (e === undefined) return undefined;
      if (now() - e.born > maxAge) {
        drop(e);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, e);
      return hold(e);
    },
    generation: () => gen,
    insert(key, fd, generation) {
      const e: Entry = { key, fd, refs: 0, cached: false, born: now() };
      if (!closed && generation === gen && pending === 0 && !entries.has(key)) {
        e.cached = true;
        entries.set(key, e);
      }
      const held = hold(e);
      evict();
      return held;
    },
    changing(paths) {
      pending++;
      gen++;
      for (const p of paths) invalidate(p);
      let ended = false;
      return {
        end() {
          if (ended) return;
          ended = true;
          for (const p of paths) invalidate(p);
          gen++;
          pending--;
        },
      };
    },
    get size() {
      return entries.size;
    },
    clear() {
      closed = true;
      for (const e of [...entries.values()]) drop(e);
    },
  };
}
