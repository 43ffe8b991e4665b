import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  fstatSync,
  constants as fsConstants,
  openSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { FUSE_DEV_IOC_CLONE } from '../protocol/constants.js';
import { MNT_DETACH, MS_NODEV, MS_NOSUID, MS_RDONLY } from '../../sys/constants.js';
import { SysError } from '../../sys/errno.js';
import {
  sysDup,
  sysIoctl,
  sysMount,
  sysRecvFd,
  sysSocketpair,
  sysUmount2,
} from '../../sys/mount-calls.js';

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
  /** The user the connection belongs to (user_id/group_id); default: this process's. */
  owner?: { uid: number; gid: number };
}

const FUSE_DEV_MAJOR = 10;
const FUSE_DEV_MINOR = 229;
const INHERITED_FD = /^\/dev\/fd\/(\d+)$/;

/**
 * `/dev/fd/N` as the mount point means that a privileged parent has already opened /dev/fuse and
 * mounted it, and handed us the connection as fd N (the libfuse convention that mount.fuse3's
 * drop_privileges uses). Returns N, or undefined for an ordinary mount point.
 */
export function inheritedFdOf(mountpoint: string): number | undefined {
  const m = INHERITED_FD.exec(mountpoint);
  return m === null ? undefined : Number(m[1]);
}

/** Why fd N cannot be served as a FUSE connection, or undefined when it is a /dev/fuse fd. */
export function fuseFdProblem(fd: number): string | undefined {
  let st;
  try {
    st = fstatSync(fd);
  } catch (err) {
    return `/dev/fd/${fd}: no such descriptor (${(err as NodeJS.ErrnoException).code}): the parent must pass the /dev/fuse fd it mounted`;
  }
  const major = Math.floor(st.rdev / 256) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & ~0xff);
  if (!st.isCharacterDevice() || major !== FUSE_DEV_MAJOR || minor !== FUSE_DEV_MINOR) {
    return `/dev/fd/${fd} is not a /dev/fuse descriptor`;
  }
  return undefined;
}

/** Open /dev/fuse as a blocking read-write fd (readers block in read(2) in worker threads). */
export function openDevFuse(): number {
  try {
    return openSync(FUSE_DEVICE, fsConstants.O_RDWR);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENXIO' || code === 'ENODEV') {
      throw new MountError(
        'NO_FUSE',
        `${FUSE_DEVICE} is missing: load the fuse module (modprobe fuse)`,
      );
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
  if (o.owner !== undefined) ({ uid, gid } = o.owner);
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
    sysMount(
      o.fsName ?? 'fs-interposer',
      o.mountpoint,
      'fuse.fs-interposer',
      flags,
      mountData(o, uid, gid),
    );
  } catch (err) {
    if (err instanceof SysError && err.code === 'EPERM') {
      throw new MountError(
        'NO_PRIVILEGE',
        `mount ${o.mountpoint}: EPERM (needs root or fusermount3)`,
      );
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
  const opts = [
    'default_permissions',
    `fsname=${o.fsName ?? 'fs-interposer'}`,
    'subtype=fs-interposer',
  ];
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
    if (code !== 0)
      throw new MountError('FUSERMOUNT_FAILED', fusermountFailure(stderr.trim() || `exit ${code}`));
    const fd = sysRecvFd(ours);
    if (fd < 0) throw new MountError('FUSERMOUNT_FAILED', `${FUSERMOUNT} sent no fd`);
    return fd;
  } finally {
    closeSync(ours);
  }
}

/**
 * fusermount3 opens /dev/fuse with the calling user's filesystem credentials: where the device is
 * root-only (crw------- root, a container without udev), no unprivileged user can mount, through
 * fusermount3 or otherwise. Say so, with the ways out, instead of a bare EACCES.
 */
function fusermountFailure(detail: string): string {
  if (!/failed to open \/dev\/fuse: Permission denied/.test(detail))
    return `${FUSERMOUNT}: ${detail}`;
  return (
    `${FUSERMOUNT} cannot open ${FUSE_DEVICE} for this user (the device is root-only here): run the ` +
    `mount as root, or let a privileged parent mount it and pass the connection as /dev/fd/N ` +
    `(mount.fuse3 -o drop_privileges does), or have an administrator grant this user access to ${FUSE_DEVICE}`
  );
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

/** Whether this process may open /dev/fuse itself (root, or a device opened up by udev). */
export function canOpenDevFuse(): boolean {
  try {
    accessSync(FUSE_DEVICE, fsConstants.R_OK | fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The setuid-root fusermount3 helper on PATH, or undefined. */
export function findFusermount(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, FUSERMOUNT);
    try {
      const st = statSync(candidate);
      if (st.isFile() && (st.mode & 0o111) !== 0) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * A new /dev/fuse fd attached to the same connection with its own processing queue. A user who
 * may not open /dev/fuse (it is 0600 root where no udev rule opens it up; fusermount3 opened the
 * session fd for us) cannot clone: then, as libfuse does, the readers share the session's one
 * queue through duplicates of its fd. Several threads reading one queue is correct (the kernel
 * hands each request to one reader, and a reply may be written to any fd of the connection);
 * only the per-queue parallelism is lost.
 */
export function cloneQueueFd(fd: number): number {
  let clone: number;
  try {
    clone = openDevFuse();
  } catch (err) {
    if (err instanceof MountError && err.code === 'NO_PRIVILEGE') return sysDup(fd);
    throw err;
  }
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
