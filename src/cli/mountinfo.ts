import { readFileSync } from 'node:fs';

/** Mount points are octal-escaped in /proc/self/mountinfo (space = \040). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export interface MountInfo {
  mountpoint: string;
  /** "major:minor" of the mount's device; for FUSE the minor is the fusectl connection number. */
  device: string;
  fsType: string;
}

/** Mounts from /proc/self/mountinfo. Reading it never touches the mounted filesystems. */
export function listMounts(text = readFileSync('/proc/self/mountinfo', 'utf8')): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const f = left?.split(' ') ?? [];
    const fsType = right?.split(' ')[0] ?? '';
    if (f.length < 5) continue;
    out.push({ mountpoint: unescape(f[4]!), device: f[2]!, fsType });
  }
  return out;
}

export function findMount(mountpoint: string, mounts = listMounts()): MountInfo | undefined {
  return mounts.findLast((m) => m.mountpoint === mountpoint);
}
