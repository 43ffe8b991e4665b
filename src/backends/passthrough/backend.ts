import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { MetaIoPolicy } from '../../sys/libc.js';
import type { Backend } from '../../vfs/types.js';
import { probePosixAcl } from './acl.js';
import { createConfinement } from './confine.js';
import { DIR_CACHE_MAX } from './dir-cache.js';
import type { PassthroughContext } from './context.js';
import { fdClose } from './fd-io.js';
import { createHandleTable } from './handles.js';
import { createLockTable } from './lock-table.js';
import { createDataOps } from './ops-data.js';
import { createDirOps } from './ops-dir.js';
import { createFileOps } from './ops-file.js';
import { createLockOps } from './ops-locks.js';
import { createMetaOps } from './ops-meta.js';
import { createNamespaceOps } from './ops-namespace.js';
import { createXattrOps } from './ops-xattr.js';
import { createOwnership, readProcessUmask } from './ownership.js';

export interface PassthroughOptions {
  /** The directory to serve; every op is confined beneath it. */
  root: string;
  logger?: Logger;
  /**
   * Give new files, directories, nodes and symlinks to the calling uid/gid. Default: when the
   * server runs as root (otherwise it could not, and objects belong to the server's own uid,
   * which in the sidecar design is the app's uid).
   */
  chownNew?: boolean;
  /**
   * Give readdir entries their attributes (one lstat each, relative to the open directory), so
   * that READDIRPLUS needs no LOOKUP per entry. Default true.
   */
  readdirAttrs?: boolean;
  /** First file handle number (default random, see handles.ts). */
  firstHandle?: number;
  /**
   * Run metadata system calls inline on the serving thread instead of the threadpool: only for a
   * local filesystem (sys/fs-type.ts `metaIoFor` decides from `-o meta_io`). Default false.
   */
  inlineMeta?: boolean;
  /**
   * Keep parent directories open by path (dir-cache.ts) instead of resolving each with openat2:
   * only when nothing but this backend changes the tree (`-o exclusive`, or the sidecar's
   * exclusive cache policy). Default false.
   */
  cacheDirs?: boolean;
  /** Most directory fds kept under `cacheDirs` (default DIR_CACHE_MAX, 256). */
  dirCacheMax?: number;
}

export interface PassthroughBackend extends Backend {
  /** Number of open file and directory handles (for tests and metrics). */
  readonly openHandles: number;
  /** Directory fds held by the `cacheDirs` cache (for tests). */
  readonly cachedDirs: number;
  /**
   * The backing fd behind a handle, for an engine fast path that reads and writes without going
   * through the stack (only when no layer needs the data). The fd stays owned by the backend.
   */
  backingFd(fh: number): number | undefined;
  close(): Promise<void>;
}

/**
 * A real directory as a Backend. Synchronous setup (opening the root) at start-up; every op
 * afterwards runs on the threadpool. See docs/posix.md for what differs from the directory itself.
 */
export function createPassthroughBackend(options: PassthroughOptions): PassthroughBackend {
  const log = options.logger?.child({ component: 'passthrough' });
  const io: MetaIoPolicy = { inline: options.inlineMeta ?? false };
  const cacheDirs = options.cacheDirs === true ? (options.dirCacheMax ?? DIR_CACHE_MAX) : 0;
  const confine = createConfinement(options.root, { io, cacheDirs });
  const handles = createHandleTable(
    options.firstHandle === undefined ? {} : { firstHandle: options.firstHandle },
  );
  const ownership = createOwnership({
    chownNew: options.chownNew ?? process.getuid?.() === 0,
    processUmask: readProcessUmask(readFileSync('/proc/self/status', 'utf8')),
    io,
  });
  const locks = createLockTable({ handles, log, io });
  const readdirAttrs = options.readdirAttrs ?? true;
  const posixAcl = probePosixAcl(confine.rootFd);
  const ctx: PassthroughContext = {
    confine,
    handles,
    ownership,
    locks,
    log,
    readdirAttrs,
    posixAcl,
    io,
  };
  log?.info(
    {
      root: options.root,
      chownNew: ownership.chownNew,
      posixAcl,
      inlineMeta: io.inline,
      cacheDirs,
    },
    'passthrough backend ready',
  );
  return {
    name: 'passthrough',
    posixAcl,
    inlineMeta: io.inline,
    // statPath (ops-meta.ts) is exactly that: the readers' direct-lookup.ts makes the same calls.
    metaRootFd: confine.rootFd,
    ...createMetaOps(ctx),
    ...createNamespaceOps(ctx),
    ...createFileOps(ctx),
    ...createDirOps(ctx),
    ...createDataOps(ctx),
    ...createXattrOps(ctx),
    ...createLockOps(ctx),
    get openHandles() {
      return handles.size;
    },
    get cachedDirs() {
      return confine.cachedDirs;
    },
    backingFd: (fh) => handles.get(fh)?.fd,
    async close() {
      await locks.close();
      for (const file of [...handles.values()]) {
        await fdClose(io, file.fd).catch((err: unknown) => log?.warn({ err }, 'close failed'));
      }
      confine.close();
    },
  };
}
