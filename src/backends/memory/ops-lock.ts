import type { BackendOps, FsState } from './state.js';

type LockOps = 'getlk' | 'setlk' | 'flock';

export function createLockOps(state: FsState): BackendOps<LockOps> {
  const { handles, locks } = state;
  return {
    async getlk({ args }) {
      return locks.getlk(handles.get(args.fh).node.ino, args.owner, args.lock);
    },
    async setlk({ args, signal }) {
      const { node } = handles.get(args.fh);
      await locks.setlk(node.ino, args, signal);
    },
    async flock({ args, signal }) {
      const { node } = handles.get(args.fh);
      await locks.flock(node.ino, args, signal);
    },
  };
}
