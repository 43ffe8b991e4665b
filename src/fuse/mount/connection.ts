import { closeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InitOptions, NegotiatedInit } from './init.js';
import { negotiateInit } from './init.js';
import { initMaskFromEnv } from './init-mask.js';
import {
  cloneQueueFd,
  inheritedFdOf,
  mountFuse,
  mountWithFusermount,
  openDevFuse,
  unmountFuse,
} from './mount.js';

export interface ConnectionOptions {
  /**
   * Where to mount. `/dev/fd/N` instead serves a connection that a privileged parent already
   * mounted and handed over as fd N (its INIT is still ours to answer).
   */
  mountpoint: string;
  /** Shown as the source in /proc/mounts. */
  fsName: string;
  readOnly?: boolean;
  /** Default: true when mounted with mount(2), false through fusermount3. */
  allowOther?: boolean;
  /**
   * Mount through the setuid fusermount3 helper instead of mount(2). Default: when this process
   * is not root. False makes an unprivileged caller fail with NO_PRIVILEGE instead.
   */
  fusermount?: boolean;
  /**
   * What to offer the kernel in the INIT reply. Unless `maskKernelFlags` is given, the flags
   * named in FS_INTERPOSER_KERNEL_INIT_MASK are treated as absent (init-mask.ts).
   */
  init: InitOptions;
  /** Processing queues: the session fd plus `queues - 1` clones (at least 1). */
  queues: number;
}

/** A mounted FUSE connection whose INIT is answered, ready for `serve`. */
export interface Connection {
  /** The session fd first, then its clones; the caller owns them all. */
  readonly fds: number[];
  readonly init: NegotiatedInit;
  /** The absolute mount point, or `/dev/fd/N` as given for an inherited connection. */
  readonly mountpoint: string;
  /** Mounted by a parent and handed over: the parent, not we, unmounts it. */
  readonly inherited: boolean;
}

const isRoot = (): boolean => (process.getuid?.() ?? 0) === 0;

async function mountAndOpen(o: ConnectionOptions, mountpoint: string): Promise<number> {
  const common = { mountpoint, fsName: o.fsName, readOnly: o.readOnly };
  if (o.fusermount ?? !isRoot()) {
    return mountWithFusermount({ ...common, allowOther: o.allowOther ?? false });
  }
  const fd = openDevFuse();
  try {
    mountFuse({ ...common, fd, allowOther: o.allowOther ?? true });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** Close a connection's fds; one already closed is skipped. */
export function closeConnectionFds(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // already closed: nothing left to release
    }
  }
}

/**
 * Mount (or take over an inherited connection), answer the kernel's INIT and clone the
 * processing queues. INIT is read synchronously: mount(2) queues it, so the read returns at once.
 * On failure nothing is left behind: a mount we made is detached and every fd closed.
 */
export async function openConnection(o: ConnectionOptions): Promise<Connection> {
  const inheritedFd = inheritedFdOf(o.mountpoint);
  const inherited = inheritedFd !== undefined;
  const mountpoint = inherited ? o.mountpoint : resolve(o.mountpoint);
  const fds = [inheritedFd ?? (await mountAndOpen(o, mountpoint))];
  try {
    const init = negotiateInit(fds[0]!, {
      maskKernelFlags: initMaskFromEnv(process.env),
      ...o.init,
    });
    for (let i = 1; i < o.queues; i++) fds.push(cloneQueueFd(fds[0]!));
    return { fds, init, mountpoint, inherited };
  } catch (err) {
    if (!inherited) {
      unmountFuse(mountpoint, { lazy: true });
      closeConnectionFds(fds);
    }
    throw err;
  }
}
