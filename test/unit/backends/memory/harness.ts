import { createStack } from '../../../../src/vfs/stack.js';
import type { Backend, Caller, FsOp, OpArgsMap, OpResultMap } from '../../../../src/vfs/types.js';

export const ROOT: Caller = { pid: 100, uid: 0, gid: 0 };
export const ALICE: Caller = { pid: 200, uid: 1000, gid: 1000 };
export const BOB: Caller = { pid: 300, uid: 2000, gid: 2000 };

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;

/**
 * Drives a backend the way the FUSE engine does: through a stack (so a missing op is ENOSYS),
 * one OpCall per op, with a caller and an abort signal.
 */
export function harness(backend: Backend) {
  const stack = createStack([], backend);
  const call = <O extends FsOp>(
    op: O,
    args: OpArgsMap[O],
    caller: Caller = ROOT,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<OpResultMap[O]> => stack.run({ op, path: args.path, args, caller, signal });

  const mkdir = (path: string, mode = 0o755, caller = ROOT) =>
    call('mkdir', { path, mode, umask: 0 }, caller);
  const create = async (path: string, flags = O_RDWR, mode = 0o644, caller = ROOT) =>
    (await call('create', { path, flags, mode, umask: 0 }, caller)).fh;
  const open = async (path: string, flags = O_RDWR, caller = ROOT) =>
    (await call('open', { path, flags }, caller)).fh;
  /** Write `data` at `at` (an offset, or an offset and a caller). */
  const write = (
    path: string,
    fh: number,
    data: Buffer | string,
    at: number | { offset: number; caller: Caller } = 0,
  ) => {
    const { offset, caller } = typeof at === 'number' ? { offset: at, caller: ROOT } : at;
    return call('write', { path, fh, buffer: Buffer.from(data), offset, flags: 0 }, caller);
  };
  const read = async (path: string, fh: number, size: number, offset = 0) => {
    const buffer = Buffer.alloc(size, 0xee);
    const n = await call('read', { path, fh, buffer, offset, flags: 0 });
    return buffer.subarray(0, n);
  };
  const release = (path: string, fh: number) => call('release', { path, fh, flags: 0 });
  const stat = (path: string) => call('getattr', { path });
  /** Create a file holding `data` and close it. */
  const writeFile = async (path: string, data: Buffer | string, caller = ROOT) => {
    const fh = await create(path, O_RDWR, 0o644, caller);
    await write(path, fh, data, { offset: 0, caller });
    await release(path, fh);
  };
  const readFile = async (path: string) => {
    const fh = await open(path, O_RDONLY);
    const { size } = await stat(path);
    const data = await read(path, fh, size);
    await release(path, fh);
    return data;
  };
  const names = async (path: string) => {
    const fh = (await call('opendir', { path, flags: 0 })).fh;
    const entries = await call('readdir', { path, fh });
    await call('releasedir', { path, fh });
    return entries.map((e) => e.name).sort();
  };
  return { call, mkdir, create, open, write, read, release, stat, writeFile, readFile, names };
}

export type Harness = ReturnType<typeof harness>;
