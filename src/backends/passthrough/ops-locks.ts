import { setTimeout as sleep } from 'node:timers/promises';
import { FsError } from '../../vfs/errors.js';
import type { OpCall } from '../../vfs/types.js';
import { flock } from '../../sys/locks.js';
import {
  F_RDLCK,
  F_UNLCK,
  F_WRLCK,
  LOCK_EX,
  LOCK_NB,
  LOCK_SH,
  LOCK_UN,
} from '../../sys/constants.js';
import type { PassthroughContext } from './context.js';

const FIRST_WAIT_MS = 1;
const MAX_WAIT_MS = 50;

/**
 * Waiting locks poll the non-blocking form with a capped back-off instead of blocking a
 * threadpool thread for an unbounded time; an interrupt (FUSE_INTERRUPT aborts the signal)
 * ends the wait with EINTR, as a signal ends fcntl(F_SETLKW).
 */
async function retryWhileBusy(
  signal: AbortSignal,
  wait: boolean,
  attempt: () => Promise<void>,
): Promise<void> {
  let delay = FIRST_WAIT_MS;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (err) {
      const busy = err instanceof FsError && (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK');
      if (!busy || !wait) throw err;
    }
    if (signal.aborted) throw new FsError('EINTR');
    await sleep(delay, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) throw new FsError('EINTR');
    delay = Math.min(delay * 2, MAX_WAIT_MS);
  }
}

const FLOCK_OPS: Readonly<Record<number, number>> = {
  [F_RDLCK]: LOCK_SH,
  [F_WRLCK]: LOCK_EX,
  [F_UNLCK]: LOCK_UN,
};

export function createLockOps(ctx: PassthroughContext) {
  const fileOf = (fh: number) => {
    const file = ctx.handles.get(fh);
    if (file === undefined) throw new FsError('EBADF', `unknown file handle ${fh}`);
    return file;
  };
  return {
    getlk: async (call: OpCall<'getlk'>) =>
      ctx.locks.getlk(fileOf(call.args.fh), call.args.owner, call.args.lock),

    setlk: async (call: OpCall<'setlk'>) => {
      const file = fileOf(call.args.fh);
      await retryWhileBusy(call.signal, call.args.wait, () =>
        ctx.locks.trySetlk(file, call.args.owner, call.args.lock),
      );
    },

    // BSD locks belong to the open file description, which is exactly one backing fd here.
    flock: async (call: OpCall<'flock'>) => {
      const file = fileOf(call.args.fh);
      const op = FLOCK_OPS[call.args.type];
      if (op === undefined) throw new FsError('EINVAL', `flock type ${call.args.type}`);
      await retryWhileBusy(call.signal, call.args.wait, () => flock(file.fd, op | LOCK_NB));
    },
  };
}
