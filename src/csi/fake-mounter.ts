import { closeSync, openSync } from 'node:fs';
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
}

export function createFakeMounter(): FakeMounter {
  const mounts = new Map<string, MountSpec>();
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
      const init = { major: 7, minor: 45, flags: '0x40446029', maxWrite: 1048576, ...spec.init };
      return { fds, init } satisfies Mounted;
    },
    unmount(target) {
      calls.push(`unmount ${target}`);
      mounts.delete(target);
      return Promise.resolve();
    },
    isMounted(target) {
      return Promise.resolve(mounts.has(target));
    },
    closeFds(fds) {
      for (const fd of fds) {
        if (openFds.delete(fd)) closeSync(fd);
      }
    },
  };
}
