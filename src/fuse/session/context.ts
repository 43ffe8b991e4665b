import type { NameChanges } from './name-changes.js';
import { constants as fsConstants } from 'node:fs';
import type { Logger } from '../../log/logger.js';
import { O_ACCMODE, O_RDWR, O_WRONLY } from '../../sys/constants.js';
import { FsError } from '../../vfs/errors.js';
import type { StackPort } from '../../vfs/stack.js';
import type { Caller, FsOp, OpArgsMap, OpResultMap } from '../../vfs/types.js';
import type { DirectIoTable } from './direct-io-table.js';
import type { HandleTable, FileHandle } from './handles.js';
import type { KeptMisses } from './kept-misses.js';
import type { NegotiatedInit } from '../mount/init.js';
import type { NodeTable } from './nodes.js';
import type { RequestHeader } from '../protocol/decode.js';
import type { IntentLog } from '../custody/intent-log.js';

/** One request being served: the reader's slot buffer, its decoded header and its caller. */
export interface Req {
  readonly buf: Buffer;
  readonly h: RequestHeader;
  readonly caller: Caller;
  readonly signal: AbortSignal;
  readonly resent: boolean;
  /** Capacity of `buf` (the reply may use all of it). */
  readonly capacity: number;
  /** A reader thread drew it into a layer's sample (direct-layout.ts drawnIntoSample). */
  readonly sampled?: boolean;
}

export interface CacheTimes {
  /** Seconds the kernel may cache a name -> node binding. */
  entryTimeout: number;
  /** Seconds the kernel may cache attributes. */
  attrTimeout: number;
}

/** What the op handlers share: the tables, the current stack and the negotiated parameters. */
export interface SessionContext {
  readonly nodes: NodeTable;
  readonly handles: HandleTable;
  readonly init: NegotiatedInit;
  readonly times: CacheTimes;
  /** `-o exclusive`: the source has no other writer (see SessionOptions.exclusive). */
  readonly exclusive?: boolean;
  readonly logger: Logger;
  /** The live layer stack: the one seam to the layers (ADR 0076). */
  readonly stack: StackPort;
  /** Intent log of O_APPEND writes for replayed requests (crash custody); absent in local mode. */
  readonly intents?: IntentLog;
  /**
   * Tell the kernel that these nodes' attributes changed behind its back (a hard link or unlink
   * changed st_nlink of the other names of an inode). Asynchronous, never waits for the kernel.
   */
  invalidateAttrs?(nodeIds: readonly number[]): void;
  /**
   * Renames and rmdirs in flight or done (name-changes.ts): a LOOKUP that overlapped one keeps
   * its ENOENT from becoming a negative entry. Absent: nothing is tracked.
   */
  readonly nameChanges?: NameChanges;
  /**
   * Take what the reader threads changed into the node table (the names their UNLINKs removed:
   * removals.ts); the server calls it before it serves each request.
   */
  absorb?: () => void;
  /** The negative entries handed to the kernel (kept-misses.ts), to take back at a swap. */
  readonly misses?: Pick<KeptMisses, 'kept' | 'appeared'>;
  /** READ/WRITE served by the reader threads (direct-io.ts); absent when switched off. */
  readonly direct?: DirectIoTable;
  /**
   * Answer, with an error, a request this process never read (one its dead predecessor had read):
   * set on kernels without FUSE_NOTIFY_RESEND, where the kernel names such a request only in an
   * INTERRUPT (server.ts). True when the kernel took the answer (false: already answered).
   */
  answerOrphan?(unique: number, errno: number): boolean;
  /** Register a backing fd for kernel passthrough; returns the backing id. */
  openBacking?(fd: number): number;
  closeBacking?(id: number): void;
}

/** A handler writes its reply into req.buf and returns its length, or -1 for no reply. */
export type Handler = (ctx: SessionContext, req: Req) => Promise<number>;

export function run<O extends FsOp>(
  ctx: SessionContext,
  req: Req,
  op: O,
  args: OpArgsMap[O],
): Promise<OpResultMap[O]> {
  return ctx.stack.run({
    op,
    path: args.path,
    args,
    caller: req.caller,
    signal: req.signal,
    resent: req.resent,
    sampled: req.sampled,
  });
}

/** The path of a node, or ESTALE for an ID we do not know, ENOENT for an unlinked one. */
export function nodePath(ctx: SessionContext, nodeid: number): string {
  const p = ctx.nodes.path(nodeid);
  if (p !== undefined) return p;
  throw new FsError(ctx.nodes.get(nodeid) === undefined ? 'ESTALE' : 'ENOENT');
}

export function childPath(ctx: SessionContext, parent: number, name: string): string {
  const p = ctx.nodes.childPath(parent, name);
  if (p !== undefined) return p;
  throw new FsError(ctx.nodes.get(parent) === undefined ? 'ESTALE' : 'ENOENT');
}

const { O_APPEND } = fsConstants;

/**
 * `-o exclusive` lets the kernel keep file pages and directory listings, but only while the
 * stack's plan lets the data path skip the layers (no layer needs to see every read or READDIR;
 * a reader-side throttle or latency does, and so does a layer that sees some files' reads).
 */
export function kernelMayKeepCache(ctx: SessionContext): boolean {
  const plan = ctx.stack.plan();
  return (
    ctx.exclusive === true &&
    plan.readerData &&
    plan.gate === undefined &&
    plan.readerPerHandle !== true
  );
}

/**
 * The flags to open the backing file with. With the writeback cache the kernel reads pages
 * through write-only handles and writes them back at explicit offsets, appends included: so a
 * write-only open becomes read-write and O_APPEND is left to the kernel (as libfuse does).
 */
export function backingOpenFlags(ctx: SessionContext, flags: number): number {
  if (!ctx.init.writebackCache) return flags;
  const access = (flags & O_ACCMODE) === O_WRONLY ? O_RDWR : flags & O_ACCMODE;
  return ((flags & ~O_ACCMODE) | access) & ~O_APPEND;
}

/** Path for an op on an open handle: the node's current path, else the path at open time. */
export function handlePath(ctx: SessionContext, h: FileHandle): string {
  const p = ctx.nodes.path(h.nodeId);
  if (p !== undefined) h.path = p;
  return h.path;
}
