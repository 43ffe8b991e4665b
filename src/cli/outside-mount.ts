import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { ConfigError, StackConfig } from '../config/index.js';
import { findMount, listMounts } from '../fuse/index.js';
import type { MountInfo } from '../fuse/index.js';

/**
 * Files the server itself opens (record, decision log, replay) must be outside the mount it
 * serves: a synchronous write into its own mount waits on the main thread that is doing the
 * write, and the process hangs in D state for good.
 *
 * Deciding that must not touch the mount either (a stat inside it is the same deadlock). The
 * path is resolved component by component the way the kernel would, following symlinks with
 * readlink (which names a target without visiting it), and every prefix is compared, before it
 * is ever stat'ed, with the mount point string and with every mountinfo entry of the same
 * connection (bind mounts of it). A path can only enter the mount through one of those.
 */
export function resolvesIntoMount(
  path: string,
  mountpoint: string,
  o: { followLast?: boolean; mounts?: () => MountInfo[]; cwd?: string } = {},
): boolean {
  const ours = sameConnection(mountpoint, (o.mounts ?? listMounts)());
  const abs = isAbsolute(path) ? path : `${o.cwd ?? process.cwd()}/${path}`;
  const w: Walk = { cur: '/', todo: abs.split('/'), hops: 0 };
  while (w.todo.length > 0) {
    const verdict = step(w, w.todo.shift()!, ours, o.followLast === true);
    if (verdict !== undefined) return verdict;
  }
  return ours(w.cur);
}

interface Walk {
  /** Resolved so far: no symlink, `.` or `..` left in it. */
  cur: string;
  todo: string[];
  hops: number;
}

/** Resolve one component: true (inside), false (the open cannot get there), or go on. */
function step(
  w: Walk,
  name: string,
  ours: (p: string) => boolean,
  followLast: boolean,
): boolean | undefined {
  if (isEmpty(name)) return undefined;
  if (name === '..') {
    w.cur = dirname(w.cur);
    return undefined;
  }
  const next = join(w.cur, name);
  if (ours(next)) return true;
  // The file itself is opened with O_NOFOLLOW (a symlink there fails the open).
  const target = !followLast && w.todo.every(isEmpty) ? END : linkTarget(next);
  if (target === NOT_A_LINK) {
    w.cur = next;
    return undefined;
  }
  if (target === END || ++w.hops > 40) return false; // past 40 links the open fails (ELOOP)
  w.todo.unshift(...target.split('/'));
  if (isAbsolute(target)) w.cur = '/';
  return undefined;
}

/** A component that names the directory it is in. */
const isEmpty = (name: string): boolean => name === '' || name === '.';

const NOT_A_LINK = Symbol('not a link');
/** Missing or unreadable: nothing below it is reachable, and the open fails by itself. */
const END = Symbol('end');

function linkTarget(path: string): string | typeof NOT_A_LINK | typeof END {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : NOT_A_LINK;
  } catch {
    return END;
  }
}

/** The mount point, or a mount point of the same connection (a bind mount of it). */
function sameConnection(mountpoint: string, table: MountInfo[]): (p: string) => boolean {
  const device = findMount(mountpoint, table)?.device;
  return (p) =>
    p === mountpoint ||
    (device !== undefined && table.some((m) => m.mountpoint === p && m.device === device));
}

interface ServerFile {
  path: string;
  position: string;
  followLast: boolean;
}

function serverFiles(config: StackConfig): ServerFile[] {
  const files: ServerFile[] = config.layers.flatMap((l, i) =>
    l.type === 'record' && typeof l.path === 'string'
      ? [{ path: l.path, position: `/layers/${i}/path`, followLast: false }]
      : [],
  );
  if (config.decisionLog?.path !== undefined)
    files.push({ path: config.decisionLog.path, position: '/decisionLog/path', followLast: false });
  if (config.replay !== undefined)
    files.push({ path: config.replay.path, position: '/replay/path', followLast: true });
  return files;
}

/** Every file of `config` that the server would open inside its own mount, as config errors. */
export function filesInsideMount(
  config: StackConfig,
  mountpoint: string,
  mounts?: () => MountInfo[],
): ConfigError[] {
  return serverFiles(config)
    .filter((f) =>
      resolvesIntoMount(f.path, mountpoint, {
        followLast: f.followLast,
        ...(mounts && { mounts }),
      }),
    )
    .map((f) => ({
      message: `${f.path} is inside the mount being served (${mountpoint}); the server cannot write its own mount: choose a path outside it`,
      position: f.position,
    }));
}
