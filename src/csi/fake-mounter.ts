import { closeSync, openSync } from 'node:fs';
import { FS_TYPE } from './constants.js';
import type { Mounted, Mounter, MountSpec } from './mounter.js';

/**
 * In-process Mounter for tests: "mounts" are entries in a map, and the fds are real (opened on
 * /dev/null) so that the handoff path is exercised with real descriptors.
 */
export interface FakeMounter extends Mounter {
  readonly mounts: ReadonlyMap<string, MountSpec>;
  readonly openFds: ReadonlySet<number>;
  readonly calls: string[];
  /** Make the next mount fail with this error. */
  failNextMount(err: Error): void;
  /** Hold mounts until `release()` (to test lock contention). */
  hold(): () => void;
  /** Something mounted at `target` that the driver did not mount (another fs type, lost state). */
  plant(target: string, fsType: string): void;
}

export function createFakeMounter(): FakeMounter {
  const mounts = new Map<string, MountSpec>();
  const types = new Map<string, string>();
  const openFds = new Set<number>();
  const calls: string[] = [];
  let failure: Error | undefined;
  let gate: Promise<void> | undefined;
  return {
    mounts,
    openFds,
    calls,
    failNextMount(err) {
      failure = err;
    },
    plant(target, fsType) {
      mounts.set(target, {
        targetPath: target,
        readOnly: false,
        fsName: 'planted',
        queues: 0,
        init: {},
      });
      types.set(target, fsType);
    },
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    async mount(spec) {
      calls.push(`mount ${spec.targetPath}`);
      if (gate !== undefined) await gate;
      if (failure !== undefined) {
        const err = failure;
        failure = undefined;
        throw err;
      }
      const fds = Array.from({ length: spec.queues }, () => openSync('/dev/null', 'r'));
      fds.forEach((fd) => openFds.add(fd));
      mounts.set(spec.targetPath, spec);
      types.set(spec.targetPath, FS_TYPE);
      const init = { major: 7, minor: 45, flags: '0x40446029', maxWrite: 1048576, ...spec.init };
      return { fds, init } satisfies Mounted;
    },
    unmount(target) {
      calls.push(`unmount ${target}`);
      mounts.delete(target);
      types.delete(target);
      return Promise.resolve();
    },
    mountType(target) {
      return Promise.resolve(types.get(target));
    },
    closeFds(fds) {
      for (const fd of fds) {
        if (openFds.delete(fd)) closeSync(fd);
      }
    },
  };
}
