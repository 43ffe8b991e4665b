import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FUSE_DEVICE } from '../fuse/mount.js';
import { findMount } from './mountinfo.js';

export type SourceSpec = { kind: 'directory'; path: string } | { kind: 'memory' } | { kind: 'null' };

/** SOURCE is a directory, or `memory:` / `null:` for the fake-I/O backends. */
export function parseSource(source: string): SourceSpec {
  if (source === 'memory:') return { kind: 'memory' };
  if (source === 'null:') return { kind: 'null' };
  return { kind: 'directory', path: resolve(source) };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Everything that would make the mount fail, found before mounting and reported at once.
 * Never stats the mount point when it is already a mount (a hung FUSE mount would hang us).
 */
export function preflight(source: SourceSpec, mountpoint: string): string[] {
  const errors: string[] = [];
  if (source.kind === 'directory' && !isDirectory(source.path)) {
    errors.push(`source ${source.path} does not exist or is not a directory`);
  }
  const existing = findMount(mountpoint);
  if (existing) {
    errors.push(`mount point ${mountpoint} is busy: already a ${existing.fsType} mount (unmount it first)`);
  } else if (!isDirectory(mountpoint)) {
    errors.push(`mount point ${mountpoint} does not exist or is not a directory`);
  }
  if (source.kind === 'directory' && mountpoint === source.path) {
    errors.push('the mount point must differ from the source (the server would serve its own mount)');
  }
  try {
    accessSync(FUSE_DEVICE, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    errors.push(
      code === 'ENOENT'
        ? `${FUSE_DEVICE} is missing: load the fuse module or give the container the device`
        : `${FUSE_DEVICE} is not accessible (${code}): run as root or install fuse3 (fusermount3)`,
    );
  }
  return errors;
}
