import { closeSync } from 'node:fs';
import { markParkedThreads } from './exit.js';
import type { Logger } from '../log/logger.js';
import { findMount, openConnection, serve, unmountFuse } from '../fuse/index.js';
import type { FuseSession, NegotiatedInit } from '../fuse/index.js';
import type { StackPort } from '../vfs/stack.js';
import type { Backend } from '../vfs/types.js';
import type { MountArgs } from './mount-args.js';

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

/**
 * Mount, negotiate, start the reader threads. The caller owns the returned mount. With a
 * `/dev/fd/N` mount point the connection was mounted by a privileged parent: it is served as
 * it is, and stopping closes it (the parent unmounts).
 */
export async function startMount(a: MountArgs, deps: MountDeps): Promise<RunningMount> {
  const { fds, init, mountpoint, inherited } = await openConnection({
    mountpoint: a.mountpoint,
    fsName: a.source,
    readOnly: a.readOnly,
    ...(a.allowOther !== undefined && { allowOther: a.allowOther }),
    init: {
      writebackCache: a.writebackCache,
      passthrough: a.passthrough,
      posixLocks: deps.backend.setlk !== undefined && deps.backend.getlk !== undefined,
      flockLocks: deps.backend.flock !== undefined,
      posixAcl: deps.backend.posixAcl === true,
    },
    queues: a.readers,
  });
  const log = deps.logger.child({ component: 'mount', mountpoint });
  log.info({ init, readers: fds.length }, 'mounted');
  if (a.passthrough && !init.passthrough)
    log.warn(
      'the kernel offers no FUSE passthrough (before 6.9): files are read and written through this server',
    );
  const session = serveOrUnmount({ fds, mountpoint, inherited }, () =>
    serve({
      fds,
      init,
      stack: deps.stack,
      logger: deps.logger,
      times: { entryTimeout: a.entryTimeout, attrTimeout: a.attrTimeout },
      exclusive: a.exclusive,
      directIo: a.readerIo,
    }),
  );
  let stopping: Promise<void> | undefined;
  let closed = (): void => {};
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, inherited ? 'closing the inherited connection' : 'unmounting');
      if (inherited) {
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
  const done = inherited
    ? Promise.race([session.done, new Promise<void>((r) => (closed = r))])
    : session.done;
  return { session, init, mountpoint, done, stop };
}

/** Start serving; a session that cannot start leaves no dead mount behind (it was mounted). */
function serveOrUnmount(
  c: { fds: number[]; mountpoint: string; inherited: boolean },
  start: () => FuseSession,
): FuseSession {
  try {
    return start();
  } catch (err) {
    for (const fd of c.fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    if (!c.inherited && findMount(c.mountpoint)) unmountFuse(c.mountpoint, { lazy: true });
    throw err;
  }
}
