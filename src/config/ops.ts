import type { FsOp } from '../vfs/types.js';

/**
 * The op names at run time (the VFS contract only has them as a type). The `satisfies` check
 * below breaks the build when the contract gains an op this list lacks.
 */
export const FS_OPS = [
  'lookup',
  'forget',
  'getattr',
  'setattr',
  'readlink',
  'mknod',
  'mkdir',
  'unlink',
  'rmdir',
  'symlink',
  'rename',
  'link',
  'open',
  'create',
  'read',
  'write',
  'flush',
  'fsync',
  'release',
  'opendir',
  'readdir',
  'releasedir',
  'fsyncdir',
  'statfs',
  'access',
  'setxattr',
  'getxattr',
  'listxattr',
  'removexattr',
  'fallocate',
  'lseek',
  'copyFileRange',
  'getlk',
  'setlk',
  'flock',
] as const satisfies readonly FsOp[];

type Missing = Exclude<FsOp, (typeof FS_OPS)[number]>;
const complete: Missing extends never ? true : false = true;
void complete;

/**
 * Named op groups usable wherever an op list is accepted (written `@data` etc.), so that a
 * filter reads as intent rather than a list of 35 names.
 */
export const OP_GROUPS: Readonly<Record<string, readonly FsOp[]>> = {
  data: ['read', 'write'],
  sync: ['flush', 'fsync', 'fsyncdir'],
  dir: ['mkdir', 'rmdir', 'opendir', 'readdir', 'releasedir', 'fsyncdir'],
  file: [
    'open',
    'create',
    'read',
    'write',
    'flush',
    'fsync',
    'release',
    'fallocate',
    'copyFileRange',
  ],
  namespace: ['mknod', 'mkdir', 'unlink', 'rmdir', 'symlink', 'rename', 'link', 'create'],
  metadata: FS_OPS.filter((op) => !['read', 'write', 'flush', 'fsync', 'fsyncdir'].includes(op)),
};

export const OP_NAMES_AND_GROUPS: readonly string[] = [
  ...FS_OPS,
  ...Object.keys(OP_GROUPS).map((g) => `@${g}`),
];

/** Expand op names and `@group`s into a set of ops. */
export function expandOps(names: readonly string[]): Set<FsOp> {
  const out = new Set<FsOp>();
  for (const name of names) {
    const group = name.startsWith('@') ? OP_GROUPS[name.slice(1)] : undefined;
    if (group !== undefined) for (const op of group) out.add(op);
    else if ((FS_OPS as readonly string[]).includes(name)) out.add(name as FsOp);
  }
  return out;
}
