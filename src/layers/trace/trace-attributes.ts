import type { Attributes } from '@opentelemetry/api';
import { displayName } from '../../vfs/names.js';
import type { Attr, FsOp, OpCall } from '../../vfs/types.js';

/** Attribute keys: `fs.*` for the filesystem, OpenTelemetry's `process.*` for the caller. */
export const ATTR = Object.freeze({
  op: 'fs.op',
  path: 'fs.path',
  newPath: 'fs.new_path',
  inode: 'fs.inode',
  flags: 'fs.flags',
  offset: 'fs.offset',
  size: 'fs.size',
  bytes: 'fs.bytes',
  errno: 'fs.errno',
  /** Instance name of the layer that injected the error on purpose (`fault`, `fault.2`). */
  injectedBy: 'fs.injected_by',
  volume: 'fs.volume',
  pid: 'process.pid',
  uid: 'process.real_user.id',
});

/** Inodes are 64-bit; OTLP ints are too, but JS numbers lose precision above 2^53. */
export function inodeValue(ino: bigint): number | string {
  return ino <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ino) : ino.toString();
}

/**
 * What is known about an op before it runs. OTLP strings are UTF-8: a path that is not shows
 * each invalid byte as `\xNN` (docs/adr/0075), never U+FFFD.
 */
export function startAttributes(call: OpCall): Attributes {
  const a: Attributes = {
    [ATTR.op]: call.op,
    [ATTR.path]: displayName(call.path),
    [ATTR.pid]: call.caller.pid,
    [ATTR.uid]: call.caller.uid,
  };
  const args = call.args as Partial<{
    offset: number;
    buffer: Buffer;
    length: number;
    flags: number;
    newPath: string;
  }>;
  if (typeof args.offset === 'number') a[ATTR.offset] = args.offset;
  if (args.buffer !== undefined) a[ATTR.size] = args.buffer.length;
  else if (typeof args.length === 'number') a[ATTR.size] = args.length;
  if (typeof args.newPath === 'string') a[ATTR.newPath] = displayName(args.newPath);
  if ((call.op === 'open' || call.op === 'create') && typeof args.flags === 'number') {
    a[ATTR.flags] = args.flags;
  }
  return a;
}

const BYTE_OPS: ReadonlySet<string> = new Set(['read', 'write', 'copyFileRange']);
const ATTR_OPS: ReadonlySet<string> = new Set([
  'lookup',
  'getattr',
  'mkdir',
  'mknod',
  'symlink',
  'link',
]);

/** What the result adds: bytes moved, or the inode an op resolved. */
export function resultAttributes(call: OpCall, result: unknown): Attributes {
  if (BYTE_OPS.has(call.op)) return { [ATTR.bytes]: result as number };
  if (ATTR_OPS.has(call.op)) return { [ATTR.inode]: inodeValue((result as Attr).ino) };
  if (call.op === 'create') {
    return { [ATTR.inode]: inodeValue((result as { attr: Attr }).attr.ino) };
  }
  return {};
}

/** Ops whose `fh` is a file handle from open/create (directory handles live in another space). */
export const FILE_HANDLE_OPS: ReadonlySet<FsOp> = new Set<FsOp>([
  'read',
  'write',
  'flush',
  'fsync',
  'release',
  'fallocate',
  'lseek',
  'copyFileRange',
  'getlk',
  'setlk',
  'flock',
  'getattr',
  'setattr',
]);

/** The handle of an open/create answer, if it has the expected shape. */
export const handleOf = (result: unknown): number | undefined => {
  const fh = (result as { fh?: unknown } | undefined)?.fh;
  return typeof fh === 'number' ? fh : undefined;
};
