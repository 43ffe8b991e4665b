import { closeSync, mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { findMount } from '../cli/mountinfo.js';
import type { InitOptions } from '../fuse/init.js';
import { negotiateInit } from '../fuse/init.js';
import { initMaskFromEnv } from '../fuse/init-mask.js';
import { cloneQueueFd, MountError, mountFuse, openDevFuse, unmountFuse } from '../fuse/mount.js';
import { CsiError } from './csi-error.js';
import type { Mounted, Mounter, MountSpec } from './mounter.js';

function closeQuietly(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // already closed: nothing left to release
    }
  }
}

function asCsiError(err: unknown, target: string): unknown {
  if (err instanceof MountError && (err.code === 'NO_FUSE' || err.code === 'NO_PRIVILEGE')) {
    return new CsiError('FAILED_PRECONDITION', `${target}: ${err.message}`);
  }
  return err;
}

/**
 * The real Mounter: mount(2) and FUSE_INIT through the engine (src/fuse/mount.ts, init.ts).
 * Runs as root in the driver. INIT is read synchronously: mount(2) queues it, so the read
 * returns at once.
 */
export function createFuseMounter(o: { logger: Logger }): Mounter {
  const log = o.logger.child({ component: 'fuse-mounter' });
  const isMounted = (target: string): boolean => findMount(target) !== undefined;
  return {
    mount(spec: MountSpec): Promise<Mounted> {
      mkdirSync(spec.targetPath, { recursive: true, mode: 0o750 });
      const fds: number[] = [];
      try {
        fds.push(openDevFuse());
        mountFuse({
          fd: fds[0]!,
          mountpoint: spec.targetPath,
          fsName: spec.fsName,
          readOnly: spec.readOnly,
          allowOther: true,
        });
      } catch (err) {
        closeQuietly(fds);
        return Promise.reject(asCsiError(err, spec.targetPath));
      }
      try {
        const init = negotiateInit(fds[0]!, {
          ...(spec.init as InitOptions),
          maskKernelFlags: initMaskFromEnv(process.env),
        });
        for (let i = 1; i < spec.queues; i++) fds.push(cloneQueueFd(fds[0]!));
        log.info(
          {
            target: spec.targetPath,
            queues: fds.length,
            flags: init.flags,
            maxWrite: init.maxWrite,
          },
          'mounted',
        );
        return Promise.resolve({ fds, init: { ...init } });
      } catch (err) {
        unmountFuse(spec.targetPath, { lazy: true });
        closeQuietly(fds);
        return Promise.reject(asCsiError(err, spec.targetPath));
      }
    },
    unmount(target) {
      if (!isMounted(target)) return Promise.resolve();
      try {
        unmountFuse(target);
      } catch (err) {
        // Busy (an app still holds files): detach now, the kernel frees it on the last close.
        log.warn({ target, err: (err as Error).message }, 'unmount failed; detaching lazily');
        unmountFuse(target, { lazy: true });
      }
      return Promise.resolve();
    },
    mountType: (target) => Promise.resolve(findMount(target)?.fsType),
    closeFds: closeQuietly,
  };
}
