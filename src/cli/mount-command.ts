import { markParkedThreads } from './exit.js';
import { closeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '../log/logger.js';
import { negotiateInit } from '../fuse/init.js';
import { initMaskFromEnv } from '../fuse/init-mask.js';
import type { NegotiatedInit } from '../fuse/init.js';
import {
  cloneQueueFd,
  inheritedFdOf,
  mountFuse,
  mountWithFusermount,
  openDevFuse,
  unmountFuse,
} from '../fuse/mount.js';
import { createSession } from '../fuse/session.js';
import type { FuseSession } from '../fuse/session.js';
import type { StackPort } from '../vfs/stack.js';
import type { Backend } from '../vfs/types.js';
import type { MountArgs } from './mount-args.js';
import { findMount } from './mountinfo.js';

export interface MountDeps {
  logger: Logger;
  backend: Backend;
  /** The live layer stack (ADR 0076). */
  stack: StackPort;
}

export interface RunningMount {
  readonly session: FuseSession;
  readonly init: NegotiatedInit;
  readonly mountpoint: string;
  /**
   * Resolves when the mount has ended: unmounted (by us or from outside), or, for an inherited
   * `/dev/fd/N` connection, closed by `stop` (readers blocked in read(2) stay parked until the
   * process exits and the kernel drops the connection; the parent unmounts).
   */
  readonly done: Promise<void>;
  /** Unmount (lazily if busy) and wait for the session to end. */
  stop(reason: string): Promise<void>;
}

const isRoot = (): boolean => (process.getuid?.() ?? 0) === 0;

async function mountAndOpen(a: MountArgs, mountpoint: string, fsName: string): Promise<number> {
  const common = { mountpoint, fsName, readOnly: a.readOnly };
  if (isRoot()) {
    const fd = openDevFuse();
    try {
      mountFuse({ ...common, fd, allowOther: a.allowOther ?? true });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return fd;
  }
  return mountWithFusermount({ ...common, allowOther: a.allowOther ?? false });
}

/**
 * Mount, negotiate, start the reader threads. The caller owns the returned mount. With a
 * `/dev/fd/N` mount point the connection was mounted by a privileged parent: it is served as
 * it is, and stopping closes it (the parent unmounts).
 */
export async function startMount(a: MountArgs, deps: MountDeps): Promise<RunningMount> {
  const inherited = inheritedFdOf(a.mountpoint);
  const mountpoint = inherited === undefined ? resolve(a.mountpoint) : a.mountpoint;
  const log = deps.logger.child({ component: 'mount', mountpoint });
  const fd = inherited ?? (await mountAndOpen(a, mountpoint, a.source));
  let init: NegotiatedInit;
  const fds = [fd];
  try {
    init = negotiateInit(fd, {
      writebackCache: a.writebackCache,
      passthrough: a.passthrough,
      posixLocks: deps.backend.setlk !== undefined && deps.backend.getlk !== undefined,
      flockLocks: deps.backend.flock !== undefined,
      posixAcl: deps.backend.posixAcl === true,
      maskKernelFlags: initMaskFromEnv(process.env),
    });
    for (let i = 1; i < a.readers; i++) fds.push(cloneQueueFd(fd));
  } catch (err) {
    if (inherited === undefined) unmountFuse(mountpoint, { lazy: true });
    throw err;
  }
  log.info({ init, readers: fds.length }, 'mounted');
  if (a.passthrough && !init.passthrough)
    log.warn(
      'the kernel offers no FUSE passthrough (before 6.9): files are read and written through this server',
    );
  const session = createSession({
    fds,
    init,
    stack: deps.stack,
    logger: deps.logger,
    times: { entryTimeout: a.entryTimeout, attrTimeout: a.attrTimeout },
    exclusive: a.exclusive,
    directIo: a.readerIo,
  });
  let stopping: Promise<void> | undefined;
  let closed = (): void => {};
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info(
        { reason },
        inherited === undefined ? 'unmounting' : 'closing the inherited connection',
      );
      if (inherited !== undefined) {
        // Closing aborts what is in flight; a reader parked in read(2) cannot be woken without
        // an unmount, so do not wait for it: the process exit drops the connection.
        markParkedThreads();
        await Promise.race([session.close(), new Promise((r) => setTimeout(r, 1000).unref())]);
        closed();
        return;
      }
      if (findMount(mountpoint)) {
        try {
          unmountFuse(mountpoint);
        } catch (err) {
          // Busy: detach now; open files keep being served until they are closed.
          log.warn({ err: (err as Error).message }, 'mount busy: detaching lazily');
          unmountFuse(mountpoint, { lazy: true });
        }
      }
      await session.done;
    })();
    return stopping;
  };
  const done =
    inherited === undefined
      ? session.done
      : Promise.race([session.done, new Promise<void>((r) => (closed = r))]);
  return { session, init, mountpoint, done, stop };
}
