import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  canOpenDevFuse,
  findFusermount,
  FUSE_DEVICE,
  findMount,
  fuseFdProblem,
  inheritedFdOf,
} from '../fuse/index.js';

export type SourceSpec =
  { kind: 'directory'; path: string } | { kind: 'memory' } | { kind: 'null' };

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
 * Why this process cannot get a FUSE connection, or undefined. Root opens /dev/fuse itself; any
 * other user mounts through the setuid fusermount3, which opens the device with its own
 * privilege, so a root-only /dev/fuse (crw------- where no udev rule opens it up) is no obstacle
 * to that user: only a missing device or a missing fusermount3 is.
 */
export function fuseAccessProblem(
  isRoot: boolean,
  deps = { exists: existsSync, canOpen: canOpenDevFuse, fusermount: findFusermount },
): string | undefined {
  if (!deps.exists(FUSE_DEVICE))
    return `${FUSE_DEVICE} is missing: load the fuse module or give the container the device`;
  if (isRoot) {
    return deps.canOpen()
      ? undefined
      : `${FUSE_DEVICE} cannot be opened by root: give the container the device (--device /dev/fuse)`;
  }
  if (deps.fusermount() !== undefined) return undefined;
  return deps.canOpen()
    ? 'fusermount3 is not on PATH: install fuse3 (an unprivileged mount needs the setuid helper)'
    : `${FUSE_DEVICE} is root-only and fusermount3 is not on PATH: install fuse3, or run as root`;
}

/** What is wrong with the mount point (relative paths are resolved first, as the mount does). */
function mountpointProblems(source: SourceSpec, mountpointArg: string): string[] {
  const mountpoint = resolve(mountpointArg);
  const errors: string[] = [];
  const existing = findMount(mountpoint);
  if (existing) {
    errors.push(
      `mount point ${mountpoint} is busy: already a ${existing.fsType} mount (unmount it first)`,
    );
  } else if (!isDirectory(mountpoint)) {
    errors.push(`mount point ${mountpoint} does not exist or is not a directory`);
  }
  if (source.kind === 'directory' && mountpoint === source.path) {
    errors.push(
      'the mount point must differ from the source (the server would serve its own mount)',
    );
  }
  return errors;
}

/**
 * Everything that would make the mount fail, found before mounting and reported at once.
 * Never stats the mount point when it is already a mount (a hung FUSE mount would hang us).
 * A `/dev/fd/N` mount point is a connection a privileged parent mounted: only the fd is checked.
 */
export function preflight(
  source: SourceSpec,
  mountpoint: string,
  isRoot = (process.getuid?.() ?? 0) === 0,
): string[] {
  const errors: string[] = [];
  if (source.kind === 'directory' && !isDirectory(source.path)) {
    errors.push(`source ${source.path} does not exist or is not a directory`);
  }
  const inherited = inheritedFdOf(mountpoint);
  const problem = inherited === undefined ? fuseAccessProblem(isRoot) : fuseFdProblem(inherited);
  if (inherited === undefined) errors.push(...mountpointProblems(source, mountpoint));
  if (problem !== undefined) errors.push(problem);
  return errors;
}
