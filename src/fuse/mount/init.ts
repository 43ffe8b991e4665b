import { readSync, writeSync } from 'node:fs';
import {
  FUSE_KERNEL_MINOR_VERSION,
  FUSE_KERNEL_VERSION,
  FUSE_MIN_MINOR_VERSION,
  InitFlag,
  Opcode,
} from '../protocol/constants.js';
import { FrameError, decodeHeader, requireArgs } from '../protocol/decode.js';
import { encodeOutHeader } from '../protocol/encode.js';
import {
  IN_HEADER_SIZE,
  INIT_OUT_SIZE,
  InitInOff,
  InitOutOff,
  OUT_HEADER_SIZE,
} from '../protocol/layout.js';

export interface InitOptions {
  maxWrite?: number;
  maxPages?: number;
  maxBackground?: number;
  writebackCache?: boolean;
  passthrough?: boolean;
  /** Advertise POSIX (fcntl) and BSD (flock) locks: only when the backend implements them. */
  posixLocks?: boolean;
  flockLocks?: boolean;
  /**
   * The backend keeps POSIX ACLs with their meaning (system.posix_acl_* attributes, the mode kept
   * in step with them, default ACLs inherited on create): the kernel then checks them itself and
   * leaves the umask to the server, which applies it only where no default ACL governs.
   */
  posixAcl?: boolean;
  /** Kernel INIT flags treated as absent (init-mask.ts: tests of older kernels). */
  maskKernelFlags?: bigint;
}

/** What the kernel and we agreed on. JSON-serialisable: persisted for a successor process. */
export interface NegotiatedInit {
  major: number;
  minor: number;
  /** The agreed 64-bit flags as a hex string. */
  flags: string;
  maxReadahead: number;
  maxWrite: number;
  maxPages: number;
  maxBackground: number;
  passthrough: boolean;
  writebackCache: boolean;
}

export interface InitRequest {
  major: number;
  minor: number;
  maxReadahead: number;
  flags: bigint;
}

const BASE_FLAGS =
  InitFlag.ASYNC_READ |
  InitFlag.ATOMIC_O_TRUNC |
  InitFlag.BIG_WRITES |
  InitFlag.AUTO_INVAL_DATA |
  InitFlag.DO_READDIRPLUS |
  InitFlag.READDIRPLUS_AUTO |
  InitFlag.ASYNC_DIO |
  InitFlag.PARALLEL_DIROPS |
  InitFlag.MAX_PAGES |
  InitFlag.ABORT_ERROR |
  InitFlag.HAS_RESEND |
  InitFlag.INIT_EXT;

export function decodeInitRequest(buf: Buffer, n: number): InitRequest {
  const h = decodeHeader(buf, n);
  if (h.opcode !== Opcode.INIT) throw new FrameError(`expected INIT, got opcode ${h.opcode}`);
  requireArgs(h, IN_HEADER_SIZE, 16, 'INIT');
  const a = IN_HEADER_SIZE;
  const lo = BigInt(buf.readUInt32LE(a + InitInOff.flags));
  const hasExt = (lo & InitFlag.INIT_EXT) !== 0n && h.argsEnd >= a + 20;
  const hi = hasExt ? BigInt(buf.readUInt32LE(a + InitInOff.flags2)) : 0n;
  return {
    major: buf.readUInt32LE(a + InitInOff.major),
    minor: buf.readUInt32LE(a + InitInOff.minor),
    maxReadahead: buf.readUInt32LE(a + InitInOff.maxReadahead),
    flags: lo | (hi << 32n),
  };
}

/** What the backend must implement for the kernel to rely on it. */
function backendFlags(o: InitOptions): bigint {
  let flags = 0n;
  if (o.posixLocks) flags |= InitFlag.POSIX_LOCKS;
  if (o.flockLocks) flags |= InitFlag.FLOCK_LOCKS;
  if (o.posixAcl) flags |= InitFlag.POSIX_ACL | InitFlag.DONT_MASK;
  return flags;
}

/** Decide the reply to the kernel's INIT. Throws when the kernel is too old. */
export function negotiate(req: InitRequest, o: InitOptions): NegotiatedInit {
  if (req.major !== FUSE_KERNEL_VERSION || req.minor < FUSE_MIN_MINOR_VERSION) {
    throw new FrameError(
      `kernel FUSE ${req.major}.${req.minor} is unsupported (need 7.${FUSE_MIN_MINOR_VERSION} or newer)`,
    );
  }
  let wanted = BASE_FLAGS | backendFlags(o);
  const offered = req.flags & ~(o.maskKernelFlags ?? 0n);
  // Kernel passthrough and the writeback cache exclude each other (the kernel refuses both).
  const passthrough = o.passthrough === true && (offered & InitFlag.PASSTHROUGH) !== 0n;
  if (passthrough) wanted |= InitFlag.PASSTHROUGH;
  else if (o.writebackCache) wanted |= InitFlag.WRITEBACK_CACHE;
  // The server clears setuid/setgid itself (ops/kill-priv.ts), so the kernel sets SB_NOSEC and
  // stops sending GETXATTR(security.capability) before every write. Not with kernel passthrough:
  // its writes never reach the server, which could then not clear the bits.
  if (!passthrough) wanted |= InitFlag.HANDLE_KILLPRIV_V2;
  const flags = wanted & offered;
  const maxPages = Math.min(o.maxPages ?? 256, 256);
  return {
    major: FUSE_KERNEL_VERSION,
    minor: Math.min(req.minor, FUSE_KERNEL_MINOR_VERSION),
    flags: flags.toString(16),
    maxReadahead: req.maxReadahead,
    maxWrite: Math.min(o.maxWrite ?? 1 << 20, maxPages * 4096),
    maxPages,
    maxBackground: o.maxBackground ?? 64,
    passthrough,
    writebackCache: (flags & InitFlag.WRITEBACK_CACHE) !== 0n,
  };
}

/** Encode the INIT reply into `buf` (the request's own buffer: `unique` is already in place). */
export function encodeInitReply(buf: Buffer, init: NegotiatedInit): number {
  const flags = BigInt(`0x${init.flags}`);
  const o = OUT_HEADER_SIZE;
  buf.fill(0, o, o + INIT_OUT_SIZE);
  buf.writeUInt32LE(init.major, o + InitOutOff.major);
  buf.writeUInt32LE(init.minor, o + InitOutOff.minor);
  buf.writeUInt32LE(init.maxReadahead, o + InitOutOff.maxReadahead);
  buf.writeUInt32LE(Number(flags & 0xffff_ffffn), o + InitOutOff.flags);
  buf.writeUInt16LE(init.maxBackground, o + InitOutOff.maxBackground);
  buf.writeUInt16LE(Math.floor((init.maxBackground * 3) / 4), o + InitOutOff.congestionThreshold);
  buf.writeUInt32LE(init.maxWrite, o + InitOutOff.maxWrite);
  buf.writeUInt32LE(1, o + InitOutOff.timeGran);
  buf.writeUInt16LE(init.maxPages, o + InitOutOff.maxPages);
  buf.writeUInt32LE(Number(flags >> 32n), o + InitOutOff.flags2);
  buf.writeUInt32LE(init.passthrough ? 1 : 0, o + InitOutOff.maxStackDepth);
  const len = OUT_HEADER_SIZE + INIT_OUT_SIZE;
  encodeOutHeader(buf, len, 0);
  return len;
}

/**
 * Read the kernel's FUSE_INIT from a freshly mounted fd (it is queued by mount(2), so the
 * blocking read returns at once), answer it and return what was agreed.
 */
export function negotiateInit(fd: number, o: InitOptions): NegotiatedInit {
  // The kernel refuses reads into buffers smaller than FUSE_MIN_READ_BUFFER (8 KiB).
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, null);
  const req = decodeInitRequest(buf, n);
  const init = negotiate(req, o);
  const len = encodeInitReply(buf, init);
  writeSync(fd, buf, 0, len);
  return init;
}

export function hasFlag(init: NegotiatedInit, flag: bigint): boolean {
  return (BigInt(`0x${init.flags}`) & flag) !== 0n;
}
