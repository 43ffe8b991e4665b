import { it } from '@jest/globals';
import { toErrnoName } from '../../src/vfs/errors.js';
import { createStack } from '../../src/vfs/stack.js';
import type { Attr, Backend, Caller, FsOp, OpArgsMap, OpResultMap } from '../../src/vfs/types.js';

/**
 * What a backend can do beyond the core namespace and data ops. A case that needs a capability
 * is skipped (visibly) on backends that do not declare it.
 */
export type Capability =
  /** The backend serves a real host directory (`hostDir`): confinement cases plant traps in it. */
  | 'hostDir'
  | 'xattr'
  | 'fallocate'
  | 'seekHole'
  | 'copyFileRange'
  | 'locks'
  /**
   * Lock owners are FUSE lock-owner IDs passed to the backend explicitly (FLUSH names the owner
   * whose locks go). In-process only: through a mount, the client's locks belong to its open files.
   */
  | 'lockOwners'
  /** New objects are owned by the calling uid/gid (root server or memory backend). */
  | 'ownership'
  /** The backend acts with full privileges (trusted.* xattrs need CAP_SYS_ADMIN). */
  | 'privileged'
  /** mknod of character and block devices (needs root on a real filesystem). */
  | 'devices'
  /** A symlink as an intermediate path component is refused with ELOOP, never followed. */
  | 'strictSymlinks'
  /** st_blocks reflects holes and allocation (sparse files use no space). */
  | 'blocks'
  /** POSIX ACLs keep their meaning: mode and access ACL in step, default ACLs inherited. */
  | 'posixAcl';

export interface ConformanceTarget {
  readonly backend: Backend;
  readonly caps: ReadonlySet<Capability>;
  /** The real directory behind the backend when it has the `hostDir` capability. */
  readonly hostDir?: string;
  cleanup(): Promise<void>;
}

export const ROOT: Caller = { pid: 4242, uid: 0, gid: 0 };
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_APPEND = 0o2000;
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;

export interface Harness {
  readonly target: ConformanceTarget;
  run<O extends FsOp>(
    op: O,
    args: OpArgsMap[O],
    opts?: { caller?: Caller; signal?: AbortSignal },
  ): Promise<OpResultMap[O]>;
  /** Create (O_EXCL) a file with `data`, release it, return its attributes after the write. */
  writeFile(path: string, data: Buffer | string, mode?: number): Promise<Attr>;
  readFile(path: string): Promise<Buffer>;
  open(path: string, flags: number): Promise<number>;
  names(path: string): Promise<string[]>;
}

const ALIASES: Readonly<Record<string, string>> = {
  EWOULDBLOCK: 'EAGAIN',
  ENOTSUP: 'EOPNOTSUPP',
  EDEADLOCK: 'EDEADLK',
};

/** The errno name a promise rejects with ('OK' if it resolves), aliases folded to one name. */
export async function errnoOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    const name = toErrnoName(err);
    return ALIASES[name] ?? name;
  }
}

export function createHarness(target: ConformanceTarget): Harness {
  const stack = createStack([], target.backend);
  const run: Harness['run'] = (op, args, opts = {}) =>
    stack.run({
      op,
      path: args.path,
      args,
      caller: opts.caller ?? ROOT,
      signal: opts.signal ?? new AbortController().signal,
    });
  const h: Harness = {
    target,
    run,
    async writeFile(path, data, mode = 0o644) {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
      const c = await run('create', { path, flags: O_RDWR | 0o200, mode, umask: 0 });
      if (buf.length > 0)
        await run('write', { path, fh: c.fh, buffer: buf, offset: 0, flags: O_RDWR });
      const attr = await run('getattr', { path, fh: c.fh });
      await run('release', { path, fh: c.fh, flags: O_RDWR });
      return attr;
    },
    async readFile(path) {
      const fh = await h.open(path, O_RDONLY);
      const size = (await run('getattr', { path, fh })).size;
      const buf = Buffer.alloc(size);
      const n =
        size === 0 ? 0 : await run('read', { path, fh, buffer: buf, offset: 0, flags: O_RDONLY });
      await run('release', { path, fh, flags: O_RDONLY });
      return buf.subarray(0, n);
    },
    async open(path, flags) {
      return (await run('open', { path, flags })).fh;
    },
    async names(path) {
      const d = await run('opendir', { path, flags: 0 });
      const entries = await run('readdir', { path, fh: d.fh });
      await run('releasedir', { path, fh: d.fh });
      return entries.map((e) => e.name).sort();
    },
  };
  return h;
}

type TestFn = (name: string, fn: () => Promise<void>) => void;

/** What every group of cases receives: the current harness and a capability-aware `it`. */
export interface SuiteContext {
  h(): Harness;
  readonly caps: ReadonlySet<Capability>;
  /** `it` when the target declares every capability listed, `it.skip` (reported) otherwise. */
  test(...needed: Capability[]): TestFn;
}

export function createSuiteContext(caps: ReadonlySet<Capability>, h: () => Harness): SuiteContext {
  return {
    h,
    caps,
    test(...needed) {
      const ok = needed.every((c) => caps.has(c));
      const suffix = needed.length > 0 ? ` [${needed.join(', ')}]` : '';
      return (name, fn) => (ok ? it : it.skip)(`${name}${suffix}`, fn);
    },
  };
}
