import koffi from 'koffi';
import { constants as osConstants } from 'node:os';

/**
 * The few system calls Node's fs lacks that the engine needs: mount(2), umount2(2), ioctl(2)
 * on /dev/fuse, socketpair(2) and recvmsg(2) for fusermount3's fd passing. Each throws a
 * `SysError` carrying the errno name.
 */
export class SysError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  constructor(syscall: string, errno: number, detail?: string) {
    const code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
    super(`${syscall}${detail ? ` ${detail}` : ''}: ${code}`);
    this.name = 'SysError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, num]) => [num, name]),
);

const libc = koffi.load('libc.so.6');

const cMount = libc.func(
  'int mount(const char *src, const char *tgt, const char *type, unsigned long flags, const char *data)',
);
const cUmount2 = libc.func('int umount2(const char *tgt, int flags)');
const cIoctl = libc.func('int ioctl(int fd, unsigned long req, void *arg)');
const cSocketpair = libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)');
const cDup = libc.func('int fcntl(int fd, int cmd, int arg)');
const cExit = libc.func('void _exit(int status)');
const F_DUPFD_CLOEXEC = 1030;

// Anonymous types: koffi's named types are process-wide, and a module loaded twice in one
// process (jest re-imports per test file) must not redefine a name.
const Iovec = koffi.struct({ base: 'void *', len: 'size_t' });
const Msghdr = koffi.struct({
  name: 'void *',
  namelen: 'uint32',
  iov: koffi.pointer(Iovec),
  iovlen: 'size_t',
  control: 'void *',
  controllen: 'size_t',
  flags: 'int',
});
const cRecvmsg = libc.func('recvmsg', 'intptr_t', [
  'int',
  koffi.inout(koffi.pointer(Msghdr)),
  'int',
]);

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MNT_DETACH = 2;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_CMSG_CLOEXEC = 0x40000000;

function check(ret: number | bigint, syscall: string, detail?: string): number {
  const n = Number(ret);
  if (n < 0) throw new SysError(syscall, koffi.errno(), detail);
  return n;
}

export function sysMount(
  src: string,
  target: string,
  type: string,
  flags: number,
  data: string,
): void {
  check(cMount(src, target, type, flags, data) as number, 'mount', target);
}

export function sysUmount2(target: string, flags: number): void {
  check(cUmount2(target, flags) as number, 'umount2', target);
}

/** ioctl with a buffer argument (in and/or out). */
export function sysIoctl(fd: number, request: number, arg: Buffer): number {
  return check(cIoctl(fd, request, arg) as number, 'ioctl', `0x${request.toString(16)}`);
}

/** _exit(2): end the process now, without joining threads (see src/cli/exit.ts). */
export function sysExitNow(code: number): never {
  cExit(code);
  throw new Error('_exit returned');
}

/** A second descriptor for the same open file (F_DUPFD_CLOEXEC, lowest free number from 3). */
export function sysDup(fd: number): number {
  return check(cDup(fd, F_DUPFD_CLOEXEC, 3) as number, 'fcntl', 'F_DUPFD_CLOEXEC');
}

export function sysSocketpair(): [number, number] {
  const sv = [0, 0];
  check(cSocketpair(AF_UNIX, SOCK_STREAM, 0, sv) as number, 'socketpair');
  return [sv[0]!, sv[1]!];
}

/** Receive one message carrying one fd (SCM_RIGHTS); returns the fd, or -1 on EOF. */
export function sysRecvFd(sock: number): number {
  const data = Buffer.alloc(16);
  const control = Buffer.alloc(64);
  const msg = {
    name: null,
    namelen: 0,
    iov: [{ base: data, len: data.length }],
    iovlen: 1,
    control,
    controllen: control.length,
    flags: 0,
  };
  const n = check(cRecvmsg(sock, msg, MSG_CMSG_CLOEXEC) as number, 'recvmsg');
  if (n === 0) return -1;
  // struct cmsghdr { size_t len; int level; int type; } then the data, 8-aligned on 64-bit.
  const level = control.readInt32LE(8);
  const type = control.readInt32LE(12);
  if (msg.controllen < 20 || level !== SOL_SOCKET || type !== SCM_RIGHTS) {
    throw new SysError('recvmsg', ERRNO_BY_NAME.EPROTO!, 'no SCM_RIGHTS fd in the message');
  }
  return control.readInt32LE(16);
}

const ERRNO_BY_NAME: Readonly<Record<string, number>> = osConstants.errno;
