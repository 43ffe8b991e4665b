import { closeSync, fstatSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  AF_UNIX,
  O_CLOEXEC,
  O_NOFOLLOW,
  O_PATH,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_SEQPACKET,
  SOL_SOCKET,
  SO_PEERCRED,
} from '../sys/constants.js';
import { socketCalls as libc } from '../sys/socket-calls.js';
import { HandoffError, syscallError } from './errors.js';
import { openBeneath, procPath, unlinkBeneath } from './safe-path.js';

/**
 * AF_UNIX SOCK_SEQPACKET sockets made with koffi, so we own the fd that SCM_RIGHTS needs.
 * SEQPACKET keeps message boundaries: one recvmsg is one handoff message, and a message that does
 * not fit is reported (MSG_TRUNC) instead of being split.
 */
const SUN_PATH_MAX = 107;

export function sockaddrUn(path: string): Buffer {
  const bytes = Buffer.from(path, 'utf8');
  if (bytes.length > SUN_PATH_MAX)
    throw new HandoffError('SYSCALL', `socket path too long: ${path}`, 'ENAMETOOLONG');
  const addr = Buffer.alloc(2 + bytes.length + 1);
  addr.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(addr, 2);
  return addr;
}

export function newSocket(): number {
  const fd = libc().socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw syscallError('socket', libc().errno());
  return fd;
}

function connectAddr(path: string, addrPath: string): number {
  const fd = newSocket();
  const addr = sockaddrUn(addrPath);
  if (libc().connect(fd, addr, addr.length) < 0) {
    const errno = libc().errno();
    libc().close(fd);
    throw syscallError(`connect ${path}`, errno);
  }
  return fd;
}

/**
 * Connect a fresh non-blocking socket; throws SYSCALL with errno ENOENT/ECONNREFUSED/EAGAIN.
 * Paths longer than sun_path go through /proc/self/fd of their directory.
 */
export function connectTo(path: string): number {
  if (Buffer.byteLength(path) <= SUN_PATH_MAX) return connectAddr(path, path);
  let dirFd: number;
  try {
    dirFd = openSync(dirname(path), O_PATH | O_CLOEXEC);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new HandoffError('SYSCALL', `connect ${path}: ${code}`, code);
  }
  try {
    return connectAddr(path, procPath(dirFd, basename(path)));
  } finally {
    closeSync(dirFd);
  }
}

/**
 * Connect to `name` beneath a Pod-writable directory as root: the name is resolved with openat2
 * (no symlinks, no escape) to an O_PATH fd of the socket inode itself, and connect() goes through
 * that fd's /proc path, so a planted symlink can never point the driver at a host socket.
 */
export function connectBeneath(dirFd: number, name: string): number {
  const pathFd = openBeneath(dirFd, name, O_PATH | O_NOFOLLOW);
  try {
    if (!fstatSync(pathFd).isSocket())
      throw new HandoffError('NOT_A_SOCKET', `${name} is not a socket`);
    return connectAddr(name, procPath(pathFd));
  } finally {
    closeSync(pathFd);
  }
}

/**
 * Remove a leftover socket at `name` (a previous process died without unlinking it). A socket
 * that still accepts connections belongs to a live server: refuse rather than steal its address.
 */
export function clearStaleSocket(dirFd: number, name: string): void {
  let fd: number;
  try {
    fd = openBeneath(dirFd, name, O_PATH | O_NOFOLLOW);
  } catch (err) {
    if (err instanceof HandoffError && err.errno === 'ENOENT') return;
    if (err instanceof HandoffError && err.code === 'PATH_ESCAPE')
      return unlinkBeneath(dirFd, name);
    throw err;
  }
  try {
    if (fstatSync(fd).isSocket()) {
      let probe: number | undefined;
      try {
        probe = connectTo(procPath(dirFd, name));
      } catch (err) {
        if (!(err instanceof HandoffError && err.errno === 'ECONNREFUSED')) throw err;
      }
      if (probe !== undefined) {
        libc().close(probe);
        throw new HandoffError('ADDRESS_IN_USE', `${name}: a live server is listening there`);
      }
    } else if (fstatSync(fd).isDirectory()) {
      throw new HandoffError('NOT_A_SOCKET', `${name} is a directory`);
    }
  } finally {
    closeSync(fd);
  }
  unlinkBeneath(dirFd, name);
}

/** Bind + listen at `name` beneath `dirFd`, after clearing a stale socket there. */
export function listenBeneath(dirFd: number, name: string, backlog = 16): number {
  if (name.includes('/'))
    throw new HandoffError('PATH_ESCAPE', `socket name must be a plain name: ${name}`);
  clearStaleSocket(dirFd, name);
  const fd = newSocket();
  const addr = sockaddrUn(procPath(dirFd, name));
  if (libc().bind(fd, addr, addr.length) < 0 || libc().listen(fd, backlog) < 0) {
    const errno = libc().errno();
    libc().close(fd);
    throw syscallError(`bind/listen ${name}`, errno);
  }
  return fd;
}

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

export function peerCred(fd: number): PeerCred | undefined {
  const val = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(12, 0);
  if (libc().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, val, len) < 0) return undefined;
  return { pid: val.readInt32LE(0), uid: val.readUInt32LE(4), gid: val.readUInt32LE(8) };
}

/** Non-blocking accept; null when no connection is pending. */
export function acceptOne(listenFd: number): number | null {
  const fd = libc().accept4(listenFd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) return fd;
  const errno = libc().errno();
  if (errno === 11 || errno === 103 || errno === 71) return null; // EAGAIN, ECONNABORTED, EPROTO
  throw syscallError('accept4', errno);
}

export function closeFd(fd: number): void {
  libc().close(fd);
}
