import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  closeConnectionFds,
  findMount,
  MountError,
  openConnection,
  unmountFuse,
} from '../fuse/index.js';
import type { InitOptions } from '../fuse/index.js';
import { CsiError } from './csi-error.js';
import type { Mounted, Mounter, MountSpec } from './mounter.js';

function asCsiError(err: unknown, target: string): unknown {
  if (err instanceof MountError && (err.code === 'NO_FUSE' || err.code === 'NO_PRIVILEGE')) {
    return new CsiError('FAILED_PRECONDITION', `${target}: ${err.message}`);
  }
  return err;
}

/**
 * The real Mounter: mount(2), FUSE_INIT and the queue clones through the engine's
 * `openConnection`. Runs as root in the driver: never through fusermount3.
 */
export function createFuseMounter(o: { logger: Logger }): Mounter {
  const log = o.logger.child({ component: 'fuse-mounter' });
  const isMounted = (target: string): boolean => findMount(target) !== undefined;
  return {
    async mount(spec: MountSpec): Promise<Mounted> {
      mkdirSync(spec.targetPath, { recursive: true, mode: 0o750 });
      const { fds, init } = await openConnection({
        mountpoint: spec.targetPath,
        fsName: spec.fsName,
        readOnly: spec.readOnly,
        allowOther: true,
        fusermount: false,
        init: spec.init as InitOptions,
        queues: spec.queues,
      }).catch((err: unknown) => Promise.reject(asCsiError(err, spec.targetPath)));
      log.info(
        { target: spec.targetPath, queues: fds.length, flags: init.flags, maxWrite: init.maxWrite },
        'mounted',
      );
      return { fds, init: { ...init } };
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
    closeFds: closeConnectionFds,
  };
}
