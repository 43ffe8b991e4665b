import { createMemoryBackend } from '../../../src/backends/memory/memory-backend.js';
import type { Stack } from '../../../src/vfs/stack.js';
import type { Caller, FsOp, OpArgsMap, OpCall, OpResultMap } from '../../../src/vfs/types.js';

/** Helpers that drive a Stack the way the FUSE engine would, on the real memory backend. */
export const me: Caller = { pid: 4242, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;

export const newBackend = () => createMemoryBackend();

export function mkCall<O extends FsOp>(
  op: O,
  args: OpArgsMap[O],
  opts: { caller?: Caller; signal?: AbortSignal } = {},
): OpCall<O> {
  return {
    op,
    path: args.path,
    args,
    caller: opts.caller ?? me,
    signal: opts.signal ?? new AbortController().signal,
  };
}

export const run = <O extends FsOp>(
  stack: Stack,
  op: O,
  args: OpArgsMap[O],
  opts?: { caller?: Caller; signal?: AbortSignal },
): Promise<OpResultMap[O]> => stack.run(mkCall(op, args, opts));

export async function createFile(stack: Stack, path: string): Promise<number> {
  const r = await run(stack, 'create', { path, flags: O_RDWR, mode: 0o644, umask: 0o022 });
  return r.fh;
}

export async function writeAt(
  stack: Stack,
  path: string,
  fh: number,
  data: Buffer | string,
  offset = 0,
): Promise<number> {
  const buffer = typeof data === 'string' ? Buffer.from(data) : data;
  return run(stack, 'write', { path, fh, buffer, offset, flags: O_RDWR });
}

export async function readAt(
  stack: Stack,
  path: string,
  fh: number,
  size: number,
  offset = 0,
): Promise<Buffer> {
  const buffer = Buffer.alloc(size);
  const n = await run(stack, 'read', { path, fh, buffer, offset, flags: O_RDWR });
  return buffer.subarray(0, n);
}

/** Whole-file content through a fresh handle (close included). */
export async function readFile(stack: Stack, path: string): Promise<string> {
  const { fh } = await run(stack, 'open', { path, flags: O_RDONLY });
  const size = (await run(stack, 'getattr', { path })).size;
  const data = await readAt(stack, path, fh, size + 1);
  await run(stack, 'release', { path, fh, flags: O_RDONLY });
  return data.toString();
}

export async function writeFile(stack: Stack, path: string, data: string): Promise<void> {
  const fh = await createFile(stack, path);
  await writeAt(stack, path, fh, data);
  await run(stack, 'release', { path, fh, flags: O_RDWR });
}

/** Settle a promise without letting a rejection go unhandled; inspect it later. */
export function settle<T>(p: Promise<T>): {
  done: () => boolean;
  result: () => PromiseSettledResult<T> | undefined;
} {
  let r: PromiseSettledResult<T> | undefined;
  p.then(
    (value) => (r = { status: 'fulfilled', value }),
    (reason: unknown) => (r = { status: 'rejected', reason }),
  );
  return { done: () => r !== undefined, result: () => r };
}
