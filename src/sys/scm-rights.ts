import {
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_TRUNC,
  SCM_RIGHTS,
  SOL_SOCKET,
} from './constants.js';
import { SysError } from './errno.js';
import { addressOf, socketCalls } from './socket-calls.js';

/**
 * Descriptor passing: sendmsg/recvmsg with one SCM_RIGHTS control message (the fd handoff between
 * driver and sidecar, and the fd fusermount3 sends back), on x86_64/aarch64 layouts:
 * msghdr 56 bytes, iovec 16 bytes, cmsghdr 16 bytes followed by the int fds.
 */
const MSGHDR_SIZE = 56;
const CMSG_HDR = 16;
export const MAX_FDS = 64;

function cmsgSpace(fdCount: number): number {
  return CMSG_HDR + Math.ceil((fdCount * 4) / 8) * 8;
}

function msghdr(data: Buffer, control: Buffer | null): { msg: Buffer; keep: Buffer[] } {
  const iov = Buffer.alloc(16);
  iov.writeBigUInt64LE(addressOf(data), 0);
  iov.writeBigUInt64LE(BigInt(data.length), 8);
  const msg = Buffer.alloc(MSGHDR_SIZE);
  msg.writeBigUInt64LE(addressOf(iov), 16);
  msg.writeBigUInt64LE(1n, 24);
  if (control !== null) {
    msg.writeBigUInt64LE(addressOf(control), 32);
    msg.writeBigUInt64LE(BigInt(control.length), 40);
  }
  // `keep` holds the buffers the raw pointers refer to until the call returns.
  return { msg, keep: [iov, data] };
}

/** One datagram with the fds attached. Throws a SysError (EAGAIN when the peer is full). */
export function sendWithFds(sock: number, data: Buffer, fds: readonly number[]): void {
  if (fds.length > MAX_FDS) throw new RangeError(`at most ${MAX_FDS} fds per message`);
  let control: Buffer | null = null;
  if (fds.length > 0) {
    control = Buffer.alloc(cmsgSpace(fds.length));
    control.writeBigUInt64LE(BigInt(CMSG_HDR + fds.length * 4), 0);
    control.writeInt32LE(SOL_SOCKET, 8);
    control.writeInt32LE(SCM_RIGHTS, 12);
    fds.forEach((fd, i) => control!.writeInt32LE(fd, CMSG_HDR + i * 4));
  }
  const { msg, keep } = msghdr(data, control);
  const n = socketCalls().sendmsg(sock, msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0) throw new SysError('sendmsg', socketCalls().errno());
  if (n !== data.length) throw new SysError('sendmsg', 0, '(short)');
  keep.length = 0;
}

export interface Received {
  data: Buffer;
  fds: number[];
  /** The datagram was longer than the buffer (MSG_TRUNC). */
  truncated: boolean;
  /** More fds were sent than the control buffer could hold (MSG_CTRUNC); the extra ones are lost. */
  controlTruncated: boolean;
}

function parseFds(control: Buffer, controlLen: number): number[] {
  const fds: number[] = [];
  let off = 0;
  while (off + CMSG_HDR <= controlLen) {
    const len = Number(control.readBigUInt64LE(off));
    if (len < CMSG_HDR || off + len > controlLen) break;
    const level = control.readInt32LE(off + 8);
    const type = control.readInt32LE(off + 12);
    if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let p = off + CMSG_HDR; p + 4 <= off + len; p += 4) fds.push(control.readInt32LE(p));
    }
    off += Math.ceil(len / 8) * 8;
  }
  return fds;
}

/**
 * Non-blocking receive of one datagram. Returns null on EAGAIN. Received fds are close-on-exec.
 * Every fd that arrived is returned, even on truncation, so the caller can close them.
 */
export function recvWithFds(sock: number, maxBytes: number, maxFds = MAX_FDS): Received | null {
  const data = Buffer.alloc(maxBytes);
  const control = Buffer.alloc(cmsgSpace(maxFds));
  const { msg, keep } = msghdr(data, control);
  const n = socketCalls().recvmsg(sock, msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0) {
    const errno = socketCalls().errno();
    if (errno === 11) return null;
    throw new SysError('recvmsg', errno);
  }
  keep.length = 0;
  const flags = msg.readInt32LE(48);
  const controlLen = Number(msg.readBigUInt64LE(40));
  return {
    data: data.subarray(0, Math.min(n, maxBytes)),
    fds: parseFds(control, controlLen),
    truncated: (flags & MSG_TRUNC) !== 0,
    controlTruncated: (flags & MSG_CTRUNC) !== 0,
  };
}
