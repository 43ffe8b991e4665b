import koffi from 'koffi';
import { SYS_OPENAT2 } from './constants.js';
import { lib, libc } from './libc.js';
import { encodeOpenHow } from './openat2.js';

/**
 * The few libc calls Node's `fs`/`net` lack for fd handoff: AF_UNIX SEQPACKET sockets whose fd we
 * own (so SCM_RIGHTS can ride on them) and synchronous openat2 for confined paths. Declared
 * lazily, so importing this module costs nothing in processes (or tests) that never hand fds over.
 * Each returns the raw result; `errno()` tells why a -1 failed.
 */
export interface SocketCalls {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  listen(fd: number, backlog: number): number;
  accept4(fd: number, addr: null, len: null, flags: number): number;
  connect(fd: number, addr: Buffer, len: number): number;
  sendmsg(fd: number, msg: Buffer, flags: number): number;
  recvmsg(fd: number, msg: Buffer, flags: number): number;
  getsockopt(fd: number, level: number, name: number, val: Buffer, len: Buffer): number;
  close(fd: number): number;
  mkdirat(dirfd: number, path: string, mode: number): number;
  unlinkat(dirfd: number, path: string, flags: number): number;
  openat2(
    dirfd: number,
    path: string,
    how: { flags: number; mode: number; resolve: number },
  ): number;
  errno(): number;
}

let cached: SocketCalls | undefined;

export function socketCalls(): SocketCalls {
  if (cached !== undefined) return cached;
  const f = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, void *, uint32_t)'),
    listen: lib.func('int listen(int, int)'),
    accept4: lib.func('int accept4(int, void *, void *, int)'),
    connect: lib.func('int connect(int, void *, uint32_t)'),
    sendmsg: lib.func('intptr_t sendmsg(int, void *, int)'),
    recvmsg: lib.func('intptr_t recvmsg(int, void *, int)'),
    getsockopt: lib.func('int getsockopt(int, int, int, void *, void *)'),
    mkdirat: lib.func('int mkdirat(int, const char *, uint32_t)'),
    unlinkat: lib.func('int unlinkat(int, const char *, int)'),
  };
  cached = {
    socket: (d, t, p) => f.socket(d, t, p) as number,
    bind: (fd, a, l) => f.bind(fd, a, l) as number,
    listen: (fd, b) => f.listen(fd, b) as number,
    accept4: (fd, a, l, fl) => f.accept4(fd, a, l, fl) as number,
    connect: (fd, a, l) => f.connect(fd, a, l) as number,
    sendmsg: (fd, m, fl) => Number(f.sendmsg(fd, m, fl)),
    recvmsg: (fd, m, fl) => Number(f.recvmsg(fd, m, fl)),
    getsockopt: (fd, lv, n, v, l) => f.getsockopt(fd, lv, n, v, l) as number,
    close: (fd) => libc.close(fd) as number,
    mkdirat: (d, p, m) => f.mkdirat(d, p, m) as number,
    unlinkat: (d, p, fl) => f.unlinkat(d, p, fl) as number,
    openat2: (d, p, how) => {
      const buf = encodeOpenHow(how.flags, how.mode, how.resolve);
      return Number(libc.syscall4(SYS_OPENAT2, d, p, buf, buf.length));
    },
    errno: () => koffi.errno(),
  };
  return cached;
}

/** Pointer value of a Buffer, for hand-built C structs (msghdr, iovec). */
export function addressOf(buf: Buffer): bigint {
  return koffi.address(buf);
}
