import { existsSync, writeFileSync } from 'node:fs';
import { findMount, unmountFuse } from '../fuse/index.js';

const FUSECTL = '/sys/fs/fuse/connections';

/**
 * Abort a FUSE connection through fusectl: every request in flight and every later one fails
 * with ENOTCONN at once. Needs fusectl mounted (the mount's owner may write `abort`); without
 * it, the connection ends when the serving process closes its last /dev/fuse descriptor.
 * Reads mountinfo only: never touches the mount itself.
 */
export function abortConnection(mountpoint: string): boolean {
  const m = findMount(mountpoint);
  if (m === undefined || !m.fsType.startsWith('fuse')) return false;
  const abort = `${FUSECTL}/${m.device.split(':')[1] ?? ''}/abort`;
  if (!existsSync(abort)) return false;
  writeFileSync(abort, '1');
  return true;
}

/** Detach the mount now (MNT_DETACH): new lookups see the directory underneath. */
export function detachMount(mountpoint: string): void {
  if (findMount(mountpoint) !== undefined) unmountFuse(mountpoint, { lazy: true });
}
