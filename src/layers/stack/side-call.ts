import { FsError } from '../../vfs/errors.js';
import type { Backend, FsOp, OpArgsMap, OpCall, OpResultMap } from '../../vfs/types.js';

/**
 * A call a layer makes on its own behalf, straight to the backend: as root (these are
 * bookkeeping reads and undo writes, not the app's requests) and never interrupted.
 */
const ROOT = Object.freeze({ pid: 0, uid: 0, gid: 0 });
const NEVER = new AbortController().signal;

export function sideCall<O extends FsOp>(
  backend: Backend,
  op: O,
  args: OpArgsMap[O],
): Promise<OpResultMap[O]> {
  const fn = backend[op] as ((c: OpCall<O>) => Promise<OpResultMap[O]>) | undefined;
  if (fn === undefined)
    return Promise.reject(new FsError('ENOSYS', `backend ${backend.name} lacks ${op}`));
  return fn.call(backend, { op, path: args.path, args, caller: ROOT, signal: NEVER });
}

/** Open `path`, run `body` with the handle, always release it. */
export async function withHandle<T>(
  backend: Backend,
  path: string,
  flags: number,
  body: (fh: number) => Promise<T>,
): Promise<T> {
  const { fh } = await sideCall(backend, 'open', { path, flags });
  try {
    return await body(fh);
  } finally {
    await sideCall(backend, 'release', { path, fh, flags });
  }
}
