import { lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Mount points are octal-escaped in /proc/self/mountinfo (space = \040). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export interface MountInfo {
  mountpoint: string;
  /** "major:minor" of the mount's device; for FUSE the minor is the fusectl connection number. */
  device: string;
  fsType: string;
  /** What mount(2) was given as the source (for ours: the served SOURCE). */
  source?: string;
  /** Per-superblock options (for FUSE: user_id=, group_id=, allow_other ...). */
  superOptions?: string;
}

/** Mounts from /proc/self/mountinfo. Reading it never touches the mounted filesystems. */
export function listMounts(text = readFileSync('/proc/self/mountinfo', 'utf8')): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const f = left?.split(' ') ?? [];
    const [fsType = '', source = '', superOptions = ''] = right?.split(' ') ?? [];
    if (f.length < 5) continue;
    out.push({
      mountpoint: unescape(f[4]!),
      device: f[2]!,
      fsType,
      source: unescape(source),
      superOptions,
    });
  }
  return out;
}

export function findMount(mountpoint: string, mounts = listMounts()): MountInfo | undefined {
  return mounts.findLast((m) => m.mountpoint === mountpoint);
}

/** A FUSE connection handed over by a privileged parent: served as it is, never resolved. */
const INHERITED_FD = /^\/dev\/fd\/\d+$/;

/**
 * The mount point as mountinfo spells it: absolute, `.` and `..` gone, every symlink resolved.
 * Resolved once, when the arguments are read, and used everywhere after (the busy check, the
 * mount, the control socket), so that `mnt`, `./mnt/.` and `link/mnt` all name one mount point.
 * A live mount point is never stat'ed (a hung server would hang us): only its parents are
 * resolved, and the last component only while it is not a mount.
 */
export function canonicalMountpoint(path: string, mounts: () => MountInfo[] = listMounts): string {
  if (INHERITED_FD.test(path)) return path;
  let p = resolve(path);
  for (let hops = 0; hops < 40 && p !== '/'; hops++) {
    try {
      p = join(realpathSync(dirname(p)), basename(p));
    } catch {
      return p; // a missing parent: preflight says the mount point does not exist
    }
    if (findMount(p, mounts())) return p;
    try {
      if (!lstatSync(p).isSymbolicLink()) return p;
      p = resolve(dirname(p), readlinkSync(p));
    } catch {
      return p;
    }
  }
  return p;
}
