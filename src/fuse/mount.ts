import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { FUSE_DEV_IOC_CLONE } from './protocol/constants.js';
import {
  MNT_DETACH,
  MS_NODEV,
  MS_NOSUID,
  MS_RDONLY,
  SysError,
  sysIoctl,
  sysMount,
  sysRecvFd,
  sysSocketpair,
  sysUmount2,
} from './sys.js';

export const FUSE_DEVICE = '/dev/fuse';
const FUSERMOUNT = 'fusermount3';

export interface MountOptions {
  fd: number;
  mountpoint: string;
  /** Shown as the source in /proc/mounts. */
  fsName?: string;
  readOnly?: boolean;
  allowOther?: boolean;
  /** More comma-separated mount options, e.g. max_read=N. */
  extraOptions?: string[];
}

/** Open /dev/fuse as a blocking read-write fd (readers block in read(2) in worker threads). */
export function openDevFuse(): number {
  try {
    return openSync(FUSE_DEVICE, fsConstants.O_RDWR);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENXIO' || code === 'ENODEV') {
      throw new MountError('NO_FUSE', `${FUSE_DEVICE} is missing: load the fuse module (modprobe fuse)`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new MountError('NO_PRIVILEGE', `cannot open ${FUSE_DEVICE}: ${code}`);
    }
    throw err;
  }
}

export type MountErrorCode = 'NO_FUSE' | 'NO_PRIVILEGE' | 'MOUNT_FAILED' | 'FUSERMOUNT_FAILED';

export class MountError extends Error {
  constructor(
    readonly code: MountErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MountError';
  }
}

function mountData(o: MountOptions, uid: number, gid: number): string {
  const opts = [`fd=${o.fd}`, 'rootmode=40000', `user_id=${uid}`, `group_id=${gid}`];
  opts.push('default_permissions');
  if (o.allowOther) opts.push('allow_other');
  opts.push(...(o.extraOptions ?? []));
  return opts.join(',');
}

/** mount(2) a FUSE filesystem on `mountpoint` served by `fd`. Needs CAP_SYS_ADMIN. */
export function mountFuse(o: MountOptions): void {
  const flags = MS_NOSUID | MS_NODEV | (o.readOnly ? MS_RDONLY : 0);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  try {
    sysMount(o.fsName ?? 'fs-interposer', o.mountpoint, 'fuse.fs-interposer', flags, mountData(o, uid, gid));
  } catch (err) {
    if (err instanceof SysError && err.code === 'EPERM') {
      throw new MountError('NO_PRIVILEGE', `mount ${o.mountpoint}: EPERM (needs root or fusermount3)`);
    }
    throw new MountError('MOUNT_FAILED', `mount ${o.mountpoint}: ${(err as Error).message}`);
  }
}

/**
 * Mount as an unprivileged user through the setuid fusermount3 helper: it opens /dev/fuse,
 * mounts, and passes the fd back over a socketpair (_FUSE_COMMFD).
 */
export async function mountWithFusermount(o: Omit<MountOptions, 'fd'>): Promise<number> {
  const [ours, theirs] = sysSocketpair();
  const opts = ['default_permissions', `fsname=${o.fsName ?? 'fs-interposer'}`, 'subtype=fs-interposer'];
  if (o.readOnly) opts.push('ro');
  if (o.allowOther) opts.push('allow_other');
  opts.push(...(o.extraOptions ?? []));
  const child = spawn(FUSERMOUNT, ['-o', opts.join(','), '--', o.mountpoint], {
    stdio: ['ignore', 'ignore', 'pipe', theirs],
    env: { ...process.env, _FUSE_COMMFD: '3' },
  });
  closeSync(theirs);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c ?? 1));
  }).catch((err: Error) => {
    closeSync(ours);
    throw new MountError('FUSERMOUNT_FAILED', `${FUSERMOUNT}: ${err.message}`);
  });
  try {
    if (code !== 0) throw new MountError('FUSERMOUNT_FAILED', `${FUSERMOUNT}: ${stderr.trim() || `exit ${code}`}`);
    const fd = sysRecvFd(ours);
    if (fd < 0) throw new MountError('FUSERMOUNT_FAILED', `${FUSERMOUNT} sent no fd`);
    return fd;
  } finally {
    closeSync(ours);
  }
}

/** Unmount; `lazy` detaches a busy mount (it goes away when its last user closes). */
export function unmountFuse(mountpoint: string, o: { lazy?: boolean } = {}): void {
  if ((process.getuid?.() ?? 0) !== 0) {
    const r = spawnSync(FUSERMOUNT, ['-u', ...(o.lazy ? ['-z'] : []), '--', mountpoint], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new SysError('fusermount3 -u', 16, r.stderr.trim());
    return;
  }
  sysUmount2(mountpoint, o.lazy ? MNT_DETACH : 0);
}

/** A new /dev/fuse fd attached to the same connection with its own processing queue. */
export function cloneQueueFd(fd: number): number {
  const clone = openDevFuse();
  const arg = Buffer.alloc(4);
  arg.writeUInt32LE(fd);
  try {
    sysIoctl(clone, FUSE_DEV_IOC_CLONE, arg);
  } catch (err) {
    closeSync(clone);
    throw err;
  }
  return clone;
}
