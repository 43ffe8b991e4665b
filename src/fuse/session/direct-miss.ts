/**
 * LOOKUP of a name the backend does not have, in the reader threads (issue 17, ADR 0087): what a
 * create (the LOOKUP before it), `tar x`, a compiler's include search or a shell's PATH walk
 * send. direct-lookup.ts reads the parent's path from the mirror and statx's the name; on ENOENT
 * it comes here, and the reply is the main thread's for the same miss (ops/negative-entry.ts):
 *
 * - MISS_PLAIN (no negative entries: the default policy, a layer that may make up an ENOENT is
 *   not in a plan that lets the readers answer LOOKUP at all): the error ENOENT.
 * - MISS_KEEP (`-o exclusive`, an entry timeout, no orphan answers, the plan's cacheMisses): a
 *   negative entry with the entry timeout, only when no rename or rmdir through the mount began
 *   or ended since before the parent's path was read (the shared name-change counters: the
 *   backend's ENOENT may then be the moved parent's), and listed in the miss ring before the
 *   reply is written; the main thread drains the ring into its kept-miss list whenever it reads
 *   or changes that list, so the list has the entry before the kernel can act on it (a CREATE
 *   that fails after making the file takes it back: `appeared`). A reader
 *   keeping one is counted between its check of the mode and its reply written; a swap lowers
 *   the mode, waits for that count to reach 0, then drains the ring and takes every listed miss
 *   back, so each invalidation reaches the kernel after the reply it undoes.
 *
 * The sample of a layer (trace) is drawn once the reader knows it can answer, as for every
 * metadata request here (direct-layout.ts drawnIntoSample); a kept miss claims its ring slot
 * first, so a full ring hands the request over undrawn.
 */
import { TAP_LOOKUP, tapServed } from '../../vfs/reader-tap.js';
import { encodeMissOut, encodeOutHeader } from '../protocol/encode.js';
import { OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import {
  ENTRY_TIMEOUT,
  MISSES,
  MISS_KEEP,
  MISS_PLAIN,
  SAMPLED,
  SERVED,
  loadSeconds,
} from './direct-layout.js';
import { handOverDrawn } from './direct-span.js';
import {
  claimSlot,
  countAnswered,
  enterKeep,
  leaveKeep,
  namesMark,
  namesUnchanged,
  publishSlot,
  ringView,
} from './miss-ring.js';
import type { RingView } from './miss-ring.js';

const ENOENT = 2;
const NONE = new Uint8Array(0);

/** This thread's view of the miss ring (reader-worker.ts attaches it at start). */
let ring: RingView | undefined;
/** A kept miss whose reply is not written yet: leaveKeep once it is (afterReply). */
let keeping = false;

export function attachMissRing(sab: SharedArrayBuffer): void {
  ring = ringView(sab);
}

/** The mode for a LOOKUP now: MISS_OFF unless the ring is attached. */
export const missMode = (table: Int32Array): number =>
  ring === undefined ? 0 : Atomics.load(table, MISSES);

/** Taken before the parent's path is read (a kept miss, a new node; see namesUnchanged). */
export const missMark = (): number | undefined =>
  ring === undefined ? undefined : namesMark(ring);

/** No rename or rmdir through the mount began or ended since `mark`, nor is one in flight. */
export const namesStill = (mark: number | undefined): boolean =>
  ring !== undefined && namesUnchanged(ring, mark);

/**
 * The reply to LOOKUP(parent, name at buf[off, off + len)) that the backend answered ENOENT,
 * written over the frame; -1 for the main thread; SAMPLED. `mode` and `mark` as read before the
 * path was; `start`: when the statx began (the tap's duration).
 */
export function serveMiss(
  table: Int32Array,
  buf: Buffer,
  at: {
    parent: number;
    off: number;
    len: number;
    mode: number;
    mark: number | undefined;
    start: bigint;
  },
  tap: BigInt64Array | undefined,
): number {
  const v = ring!;
  let out: number;
  if (at.mode === MISS_PLAIN) {
    if (handOverDrawn(table, buf)) return SAMPLED;
    out = O;
    encodeOutHeader(buf, out, -ENOENT);
  } else if (at.mode === MISS_KEEP) {
    enterKeep(v);
    const pos =
      Atomics.load(table, MISSES) === MISS_KEEP && namesUnchanged(v, at.mark)
        ? claimSlot(v)
        : undefined;
    if (pos === undefined) {
      leaveKeep(v);
      return -1;
    }
    if (handOverDrawn(table, buf)) {
      publishSlot(v, pos, { parent: 0, name: NONE });
      leaveKeep(v);
      return SAMPLED;
    }
    publishSlot(v, pos, { parent: at.parent, name: buf.subarray(at.off, at.off + at.len) });
    keeping = true;
    out = O + encodeMissOut(buf, O, loadSeconds(table, ENTRY_TIMEOUT));
    encodeOutHeader(buf, out, 0);
  } else return -1;
  if (tap !== undefined) tapServed(tap, TAP_LOOKUP, 0, process.hrtime.bigint() - at.start, ENOENT);
  countAnswered(v);
  Atomics.add(table, SERVED, 1);
  return out;
}

/** After the reply of the frame just served was written (or failed): a kept miss is done. */
export function afterReply(): void {
  if (!keeping) return;
  keeping = false;
  leaveKeep(ring!);
}
