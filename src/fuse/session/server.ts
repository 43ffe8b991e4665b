import { FsError, isErrnoName, toErrno, toErrnoName } from '../../vfs/errors.js';
import type { Req, SessionContext } from './context.js';
import { dispatch, expectsNoReply } from '../ops/dispatch.js';
import { OPCODE_NAMES, Opcode } from '../protocol/constants.js';
import { FrameError, decodeHeader, isResent, uniqueKey } from '../protocol/decode.js';
import { encodeOutHeader } from '../protocol/encode.js';
import { recoverResent } from '../custody/resend.js';
import { IN_HEADER_SIZE, OUT_HEADER_SIZE } from '../protocol/layout.js';

/** Ops that can move or remove a directory, so change the path of names below it. */
const CHANGES_NAMES: ReadonlySet<number> = new Set([Opcode.RENAME, Opcode.RENAME2, Opcode.RMDIR]);

/**
 * Serves one frame at a time from a reader's buffer, independent of how frames arrive (worker
 * threads in production, plain buffers in unit tests). The reply is written into the same
 * buffer; `serve` resolves with its length, or -1 when the kernel expects none.
 *
 * Never throws: a malformed frame is answered EINVAL when it carries a usable `unique`, else
 * dropped, and logged either way.
 */
export interface RequestServer {
  /** `sampled`: a reader drew the request into a layer's sample and handed it over for that. */
  serve(buf: Buffer, n: number, capacity: number, sampled?: boolean): Promise<number>;
  /** Abort every in-flight request (shutdown). */
  abortAll(): void;
  readonly inFlight: number;
  /** Resolves when the kernel sent DESTROY. */
  readonly destroyed: Promise<void>;
}

const MAX_EARLY_INTERRUPTS = 256;
/** How long an INTERRUPT may wait for its request to arrive on another queue. */
const ORPHAN_GRACE_MS = 1000;
const EINTR = 4;
const EINVAL = 22;
const EPROTO = 71;

export function createRequestServer(ctx: SessionContext): RequestServer {
  const pending = new Map<number, AbortController>();
  // INTERRUPTs that overtook their request on another queue (libfuse keeps the same list).
  const early = new Set<number>();
  let onDestroy: () => void = () => undefined;
  const destroyed = new Promise<void>((resolve) => (onDestroy = resolve));

  const interrupt = (buf: Buffer, n: number): void => {
    if (n < IN_HEADER_SIZE + 8) return;
    const target = uniqueKey(buf.readUInt32LE(IN_HEADER_SIZE), buf.readUInt32LE(IN_HEADER_SIZE + 4));
    const ac = pending.get(target);
    if (ac) ac.abort(new Error('interrupted'));
    else {
      // Most that never find their request were for requests a reader thread served itself: the
      // oldest goes first, so a recent one (a lock wait's) is still here when its request comes.
      if (early.size >= MAX_EARLY_INTERRUPTS) early.delete(early.values().next().value!);
      early.add(target);
      // Not ours after a grace period: a dead predecessor's request the kernel will not resend.
      const answer = ctx.answerOrphan;
      if (answer !== undefined)
        setTimeout(() => {
          if (!early.delete(target)) return;
          // Mostly a request a reader served itself (already answered: nothing taken, no line).
          if (answer(target, EINTR))
            ctx.logger.warn({ unique: target }, "answered a dead server's interrupted request: EINTR");
        }, ORPHAN_GRACE_MS).unref();
    }
  };

  const replyError = (buf: Buffer, errno: number): number => {
    encodeOutHeader(buf, OUT_HEADER_SIZE, -errno);
    return OUT_HEADER_SIZE;
  };

  async function serve(buf: Buffer, n: number, capacity: number, sampled = false): Promise<number> {
    let h;
    try {
      h = decodeHeader(buf, n);
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message, bytes: n }, 'malformed FUSE frame');
      return n >= OUT_HEADER_SIZE ? replyError(buf, EINVAL) : -1;
    }
    if (h.opcode === Opcode.INTERRUPT) {
      interrupt(buf, n);
      return -1;
    }
    if (h.opcode === Opcode.INIT) return replyError(buf, EPROTO); // the kernel sends INIT once
    if (h.opcode === Opcode.DESTROY) {
      onDestroy();
      return replyError(buf, 0);
    }
    ctx.absorb?.();
    const key = uniqueKey(h.uniqueLo, h.uniqueHi);
    const ac = new AbortController();
    if (early.delete(key)) ac.abort(new Error('interrupted'));
    pending.set(key, ac);
    const req: Req = {
      buf,
      h,
      caller: { pid: h.pid, uid: h.uid, gid: h.gid },
      signal: ac.signal,
      resent: isResent(h),
      capacity,
      sampled,
    };
    // A rename or rmdir counts from before it is served until after any resend recovery.
    const change = CHANGES_NAMES.has(h.opcode) ? ctx.nameChanges?.begin() : undefined;
    try {
      return await dispatch(ctx, req);
    } catch (err) {
      if (expectsNoReply(h.opcode)) {
        ctx.logger.warn({ err, op: OPCODE_NAMES[h.opcode] }, 'request without reply failed');
        return -1;
      }
      if (req.resent) {
        const recovered = await recoverResent(ctx, req, err);
        if (recovered !== undefined) return recovered;
      }
      const errno = err instanceof FrameError ? EINVAL : answerOf(err, ac.signal.aborted);
      logFailure(ctx, h.opcode, h.nodeid, err, errno);
      return replyError(buf, errno);
    } finally {
      change?.end();
      pending.delete(key);
    }
  }

  return {
    serve,
    abortAll() {
      for (const ac of pending.values()) ac.abort(new Error('shutting down'));
    },
    get inFlight() {
      return pending.size;
    },
    destroyed,
  };
}

/**
 * The errno of a failed request. An INTERRUPT only asks to stop waiting: code that stops for it
 * throws EINTR itself (lock waits, the latency and throttle sleeps). A request that failed on its
 * own (a LOOKUP of a missing name, a GETXATTR without the attribute) keeps its errno even when
 * an INTERRUPT came: answering EINTR there fails open/stat/rename with EINTR in an app that was
 * merely signalled (a database's backends are signalled all the time), and the kernel does not
 * restart the call. Only an error without an errno of its own (an AbortError) becomes EINTR.
 */
function answerOf(err: unknown, interrupted: boolean): number {
  if (!interrupted || err instanceof FsError) return toErrno(err);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && isErrnoName(code) ? toErrno(err) : EINTR;
}

const QUIET = new Set(['ENOENT', 'ENOSYS', 'EEXIST', 'ENOTEMPTY', 'ENODATA', 'EINTR', 'ERANGE', 'EAGAIN']);

function logFailure(ctx: SessionContext, opcode: number, nodeid: number, err: unknown, errno: number): void {
  const name = toErrnoName(err);
  const fields = { op: OPCODE_NAMES[opcode] ?? opcode, nodeid, errno: name };
  if (err instanceof FrameError) ctx.logger.warn({ ...fields, err: err.message }, 'malformed request');
  else if (QUIET.has(name) || errno === EINTR) ctx.logger.debug(fields, 'request failed');
  else if (name === 'EIO') ctx.logger.warn({ ...fields, err }, 'request failed');
  else ctx.logger.debug({ ...fields, err: (err as Error)?.message }, 'request failed');
}

