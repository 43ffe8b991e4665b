import koffi from 'koffi';
import { AF_UNIX, F_DUPFD_CLOEXEC, SOCK_STREAM } from './constants.js';
import { SysError } from './errno.js';
import { lib } from './libc.js';
import { recvWithFds } from './scm-rights.js';

/**
 * The few system calls Node's fs lacks that the engine needs: mount(2), umount2(2), ioctl(2)
 * on /dev/fuse, socketpair(2) and the fd fusermount3 passes back, _exit(2). Each throws a
 * `SysError` carrying the errno name.
 */
const cMount = lib.func(
  'int mount(const char *src, const char *tgt, const char *type, unsigned long flags, const char *data)',
);
const cUmount2 = lib.func('int umount2(const char *tgt, int flags)');
const cIoctl = lib.func('int ioctl(int fd, unsigned long req, void *arg)');
const cSocketpair = lib.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)');
const cDup = lib.func('int fcntl(int fd, int cmd, int arg)');
const cExit = lib.func('void _exit(int status)');

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

const EPROTO = 71;

/**
 * Receive the one message carrying one fd (SCM_RIGHTS) that a helper has already sent (it has
 * exited, so the message is waiting); returns the fd, or -1 when the helper sent nothing.
 */
export function sysRecvFd(sock: number): number {
  const got = recvWithFds(sock, 16, 1);
  if (got === null || got.data.length === 0) return -1;
  const fd = got.fds[0];
  if (fd === undefined) throw new SysError('recvmsg', EPROTO, 'no SCM_RIGHTS fd in the message');
  return fd;
}
